// Real servers for the doctor's tests, each on 127.0.0.1 and a free port: the misconfigured peers people deploy
// (`cors`, `@koa/cors`, `@fastify/cors` set up the way their trackers show), the @cors adapters, `cors` set up
// carefully, and hand-written node:http servers for what no middleware does on purpose. Plain JavaScript, so
// the frameworks need no type packages; servers.d.mts types it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cors from 'cors';
import express from 'express';
import Koa from 'koa';
import koaCors from '@koa/cors';
import Fastify from 'fastify';
import fastifyCors from '@fastify/cors';
// The @cors adapters are imported when first used: their dist/ is rebuilt often while the workspace is worked on.
const expressCors = async (options) => (await import('@cors/express')).cors(options);

export const TRUSTED = 'https://app.example.com';

/** The options of every "correct" @cors server below. */
export const CAREFUL = {
  origin: [TRUSTED],
  credentials: true,
  methods: ['GET', 'HEAD', 'POST', 'PUT'],
  allowedHeaders: ['content-type', 'x-trace'],
  exposedHeaders: ['x-request-id'],
  maxAge: 600,
};

/** Listens on loopback; `host` is the name the URL uses (a *.localhost name resolves to loopback in the doctor and in Chromium). */
async function serve(server, host = '127.0.0.1') {
  // Node's client drops a socket a second before the server's keep-alive timeout, so 1 s would mean a connection per request.
  server.keepAliveTimeout = 5000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = server.address().port;
  const scheme = server instanceof (await import('node:https')).Server ? 'https' : 'http';
  return {
    port,
    url: `${scheme}://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** A node:http server with `handler`. */
export function nodeServer(handler, host) {
  return serve(createHttpServer(handler), host);
}

/** The routes every framework app below serves: /data for any method (X-Request-Id: 42), /cached with Cache-Control. */
function expressRoutes(app) {
  app.all('/data', (_req, res) => {
    res.set('X-Request-Id', '42').type('text/plain').send('data');
  });
  app.get('/cached', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').type('text/plain').send('cached');
  });
}

async function expressServer(middleware, host) {
  const app = express();
  app.set('etag', false);
  if (middleware) app.use(middleware);
  expressRoutes(app);
  return serve(createHttpServer(app), host);
}

/** `cors` with `origin: true` and credentials: reflects every origin. */
export const corsReflecting = (host, options = {}) => expressServer(cors({ origin: true, credentials: true, ...options }), host);

/** `cors` with an unanchored RegExp whose dots are not escaped. */
export const corsUnanchored = (host) => expressServer(cors({ origin: /^https:\/\/app.example.com/, credentials: true }), host);

/** `cors` with a RegExp that checks only the end of the origin. */
export const corsSuffix = (host) => expressServer(cors({ origin: /example\.com$/, credentials: true }), host);

/** `cors` with any options (for the one-off peers of a test). */
export const corsWith = (options, host) => expressServer(cors(options), host);

/** `cors` configured carefully: an exact allowlist, listed headers and methods. */
export const corsCareful = (host) =>
  expressServer(
    cors({ origin: [TRUSTED], credentials: true, methods: ['GET', 'HEAD', 'POST', 'PUT'], allowedHeaders: ['content-type', 'x-trace'], exposedHeaders: ['x-request-id'], maxAge: 600 }),
    host,
  );

/** `@koa/cors` with credentials and its default origin (which then reflects every origin). */
export async function koaCorsCredentials(host) {
  const app = new Koa();
  app.use(koaCors({ credentials: true }));
  app.use((ctx) => {
    if (ctx.path === '/data') {
      ctx.set('X-Request-Id', '42');
      ctx.body = 'data';
    }
  });
  return serve(createHttpServer(app.callback()), host);
}

/** `@fastify/cors` with an exact allowlist, under a route that sets its own Vary (and a public Cache-Control). */
export async function fastifyCorsOwnVary(host) {
  const app = Fastify();
  await app.register(fastifyCors, { origin: [TRUSTED], credentials: true });
  app.get('/data', async (_request, reply) => {
    reply.header('Vary', 'Accept-Encoding').header('Cache-Control', 'public, max-age=300').header('X-Request-Id', '42');
    return 'data';
  });
  await app.ready();
  return serve(app.server, host);
}

/** Express with @cors/express. */
export const adapterExpress = async (options = CAREFUL, host) => expressServer(await expressCors(options), host);

/** Koa with @cors/koa. */
export async function adapterKoa(options = CAREFUL, host) {
  const { cors: koaAdapterCors } = await import('@cors/koa');
  const app = new Koa();
  app.use(koaAdapterCors(options));
  app.use((ctx) => {
    if (ctx.path === '/data') {
      ctx.set('X-Request-Id', '42');
      ctx.type = 'text/plain';
      ctx.body = 'data';
    }
  });
  return serve(createHttpServer(app.callback()), host);
}

/** Fastify with @cors/fastify. */
export async function adapterFastify(options = CAREFUL, host) {
  const { cors: fastifyAdapterCors } = await import('@cors/fastify');
  const app = Fastify();
  await app.register(fastifyAdapterCors, options);
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'],
    url: '/data',
    handler: async (_request, reply) => reply.header('X-Request-Id', '42').type('text/plain').send('data'),
  });
  await app.ready();
  return serve(app.server, host);
}

/** A self-signed certificate for `localhost`, 127.0.0.1 and *.localhost, made by the openssl command. */
let certificate;
export function selfSigned() {
  if (certificate) return certificate;
  const dir = mkdtempSync(join(tmpdir(), 'cors-doctor-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '2',
      '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,DNS:*.localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    certificate = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An https server: Express with @cors/express and `options`. */
export async function httpsAdapterExpress(options, host) {
  const app = express();
  app.use(await expressCors(options));
  expressRoutes(app);
  return serve(createHttpsServer(selfSigned(), app), host);
}
