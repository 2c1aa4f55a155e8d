import type { FrameworkName, StartReferenceApp } from '../types.js';
import { startExpress } from './express.js';
import { startFastify } from './fastify.js';
import { startKoa } from './koa.js';
import { startNestExpress, startNestFastify } from './nest.js';
import { startFetchBun, startFetchDeno, startFetchNode, startFetchWorkerd } from './fetch.js';
import { startHono } from './hono.js';
import { startNode } from './node.js';

/** The reference app's start function for each framework. */
export const START_REFERENCE_APP: Readonly<Record<FrameworkName, StartReferenceApp>> = {
  express: startExpress,
  koa: startKoa,
  node: startNode,
  fastify: startFastify,
  'nest-express': startNestExpress,
  'nest-fastify': startNestFastify,
  hono: startHono,
  'fetch-node': startFetchNode,
  'fetch-bun': startFetchBun,
  'fetch-deno': startFetchDeno,
  'fetch-workerd': startFetchWorkerd,
};
