import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { rawRequest, type RawResponse } from '../../../framework-matrix/src/raw-http.js';

export { rawRequest, type RawResponse };

export const APP = 'https://app.example.com';
export const OTHER = 'https://other.example.com';

const open: FastifyInstance[] = [];
afterEach(async () => {
  // An app whose start-up failed may fail to close too; that is not what a test checks.
  await Promise.allSettled(open.splice(0).map((app) => app.close()));
});

/** A Fastify app without logging; closed after the test. */
export function fastify(): FastifyInstance {
  const app = Fastify({ logger: false });
  open.push(app);
  return app;
}

/** Builds a Fastify app with `setup`, serves it on 127.0.0.1 (a free port) and returns its URL. */
export async function serve(setup: (app: FastifyInstance) => void | Promise<void>): Promise<string> {
  const app = fastify();
  await setup(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** The request headers of a preflight from `origin` for `method`. */
export function preflight(origin: string, method: string, ...more: Array<readonly [string, string]>): Array<readonly [string, string]> {
  return [['Origin', origin], ['Access-Control-Request-Method', method], ...more];
}

/** The tokens of a response's Vary header, lower-case, in order. */
export function varyTokens(res: RawResponse): string[] {
  const value = res.header('vary');
  return value === undefined ? [] : value.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
}
