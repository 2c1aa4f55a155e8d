import type { CorsOptions } from '@cors/core';

/** The six framework majors every suite runs against. */
export type FrameworkName = 'express' | 'koa' | 'node' | 'fastify' | 'nest-express' | 'nest-fastify' | 'hono' | FetchRuntimeName;
/** @cors/fetch's withCors on each runtime it is tested on. */
export type FetchRuntimeName = 'fetch-node' | 'fetch-bun' | 'fetch-deno' | 'fetch-workerd';
export interface FrameworkMajor {
  readonly framework: FrameworkName;
  readonly major: number;
  /** e.g. 'express 5' */
  readonly label: string;
}

export const FRAMEWORK_MAJORS: readonly FrameworkMajor[] = [
  { framework: 'express', major: 4, label: 'express 4' },
  { framework: 'express', major: 5, label: 'express 5' },
  { framework: 'koa', major: 2, label: 'koa 2' },
  { framework: 'koa', major: 3, label: 'koa 3' },
  // Plain node:http through @cors/node's withCors (the major is Node's).
  { framework: 'node', major: Number(process.versions.node.split('.')[0]), label: 'node:http' },
  { framework: 'fastify', major: 4, label: 'fastify 4' },
  { framework: 'fastify', major: 5, label: 'fastify 5' },
  // NestJS on each of its platforms, CORS on through @cors/nestjs's enableCors (the major is Nest's).
  { framework: 'nest-express', major: 11, label: 'nest 11 (express)' },
  { framework: 'nest-express', major: 12, label: 'nest 12 (express)' },
  { framework: 'nest-fastify', major: 11, label: 'nest 11 (fastify)' },
  { framework: 'nest-fastify', major: 12, label: 'nest 12 (fastify)' },
  // Hono on Node (@hono/node-server), and @cors/fetch as a real server on each runtime (the major is the runtime's).
  { framework: 'hono', major: 4, label: 'hono 4' },
  { framework: 'fetch-node', major: Number(process.versions.node.split('.')[0]), label: 'fetch on node' },
  { framework: 'fetch-bun', major: 1, label: 'fetch on bun' },
  { framework: 'fetch-deno', major: 2, label: 'fetch on deno' },
  { framework: 'fetch-workerd', major: 1, label: 'fetch on workerd' },
];

export interface RunningServer {
  /** e.g. 'http://127.0.0.1:41234' */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The reference application every framework serves behind `cors(options)` applied app-wide, so one table of
 * cases runs against all of them. Routes:
 *
 * - `GET|HEAD|POST|PUT|PATCH|DELETE /resource`: 200, body `ok`, header `X-Request-Id: 42`.
 * - `GET /cookie`: 200, body = the request's Cookie header or '' (browser tests check credentials arrive).
 * - `GET /set-cookie`: 200, sets `Set-Cookie: session=s3cr3t; Path=/; SameSite=None; Secure`, body `set`.
 * - `GET /own-options` and `OPTIONS /own-options`: the application's own handler; 200, body `own`,
 *   header `X-Own-Options: yes` (a non-preflight OPTIONS must reach it).
 * - `GET /throws`: the handler throws `new Error('boom')`; the framework's default error handling answers 500.
 * - `GET /vary`: the handler overwrites Vary with the framework's plain header setter
 *   (express `res.set('Vary', 'Accept-Encoding')`, koa `ctx.set('Vary', 'Accept-Encoding')`,
 *   fastify `reply.header('Vary', 'Accept-Encoding')`) after CORS ran; 200 `ok`.
 * - `GET /vary-star`: sets `Vary: *` the same way; 200 `ok`.
 * - `POST /schema`: expects a JSON body `{ "name": string }`. Fastify validates with a route schema (400 on
 *   failure); express and koa answer 400 by hand when `name` is missing, 200 `ok` otherwise (no body parser
 *   library: read the body yourself).
 * - any other path: the framework's own 404.
 *
 * `onRequestSeen` (optional) is called with `METHOD path` for every request that reached the application's
 * handlers (not the CORS middleware), so tests can assert a preflight never reached the app.
 */
export interface ReferenceAppOptions {
  readonly cors: CorsOptions<any>;
  readonly onRequestSeen?: (line: string) => void;
}

export type StartReferenceApp = (major: number, options: ReferenceAppOptions) => Promise<RunningServer>;
