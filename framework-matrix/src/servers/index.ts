import type { FrameworkName, StartReferenceApp } from '../types.js';
import { startExpress } from './express.js';
import { startFastify } from './fastify.js';
import { startKoa } from './koa.js';
import { startNestExpress, startNestFastify } from './nest.js';

/** The reference app's start function for each framework. */
export const START_REFERENCE_APP: Readonly<Record<FrameworkName, StartReferenceApp>> = {
  express: startExpress,
  koa: startKoa,
  fastify: startFastify,
  'nest-express': startNestExpress,
  'nest-fastify': startNestFastify,
};
