// Builds each framework with no CORS, with its usual CORS package, and with ours: as an in-process runner
// (one request without sockets) and as a real HTTP server.
import http from 'node:http';
import {
  floorHeaders,
  expressPeerOptions,
  fastifyPeerOptions,
  koaPeerOptions,
  load,
  oursOptions,
  pick,
} from './setup.mjs';

async function expressMiddleware(variant) {
  if (variant === 'none') return null;
  if (variant === 'floor') {
    return function floor(req, res, next) {
      const headers = floorHeaders(req.method, req.headers);
      if (headers !== FLOOR_VARY_ONLY) res.setHeader('access-control-allow-origin', req.headers.origin);
      for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
      if (headers.length > 3) {
        res.statusCode = 204;
        res.setHeader('content-length', '0');
        res.end();
        return;
      }
      next();
    };
  }
  if (variant === 'peer') {
    const corsPkg = pick(await load('cors'), 'cors');
    return corsPkg(expressPeerOptions());
  }
  const cors = pick(await load('@cors/express'), 'cors');
  return cors(oursOptions());
}

async function koaMiddleware(variant) {
  if (variant === 'none') return null;
  if (variant === 'floor') {
    return function floor(ctx, next) {
      const req = ctx.req;
      const res = ctx.res;
      const headers = floorHeaders(req.method, req.headers);
      if (headers !== FLOOR_VARY_ONLY) res.setHeader('access-control-allow-origin', req.headers.origin);
      for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
      if (headers.length > 3) {
        ctx.body = null;
        ctx.status = 204;
        return RESOLVED;
      }
      return next();
    };
  }
  if (variant === 'peer') {
    const koaCors = pick(await load('@koa/cors'), 'cors');
    return koaCors(koaPeerOptions());
  }
  const cors = pick(await load('@cors/koa'), 'cors');
  return cors(oursOptions());
}

/**
 * A plain node:http listener wrapped the way each variant wraps one: `withCors(options, listener)` for ours,
 * `cors` called on the raw request and response for the peer (it works on plain node:http), the headers-only
 * reference, or the listener itself.
 */
async function nodeListener(variant, listener) {
  if (variant === 'none') return listener;
  if (variant === 'floor') {
    return function floor(req, res) {
      const headers = floorHeaders(req.method, req.headers);
      if (headers !== FLOOR_VARY_ONLY) res.setHeader('access-control-allow-origin', req.headers.origin);
      for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
      if (headers.length > 3) {
        res.statusCode = 204;
        res.end();
        return;
      }
      listener(req, res);
    };
  }
  if (variant === 'peer') {
    const middleware = pick(await load('cors'), 'cors')(expressPeerOptions());
    return (req, res) => middleware(req, res, () => listener(req, res));
  }
  const { withCors } = await load('@cors/node');
  return withCors(oursOptions(), listener);
}

async function fastifyApp(variant, Fastify) {
  const app = Fastify({ logger: false });
  if (variant === 'peer') await app.register(pick(await load('@fastify/cors'), 'fastifyCors'), fastifyPeerOptions());
  if (variant === 'ours') await app.register(pick(await load('@cors/fastify'), 'cors'), oursOptions());
  if (variant === 'floor') {
    app.addHook('onRequest', function floor(request, reply, next) {
      const raw = request.raw;
      const headers = floorHeaders(raw.method, raw.headers);
      if (headers !== FLOOR_VARY_ONLY) reply.header('access-control-allow-origin', raw.headers.origin);
      for (let i = 0; i < headers.length; i++) reply.header(headers[i][0], headers[i][1]);
      if (headers.length > 3) {
        reply.code(204).send();
        return;
      }
      next();
    });
    // Fastify routes OPTIONS only where a route has it.
    app.options('/', (request, reply) => {
      reply.send();
    });
  }
  // The preflight asks for PUT, so there is a PUT route to ask about (@cors/fastify refuses preflights for
  // methods no route at the URL has).
  const handler = (request, reply) => {
    reply.send('ok');
  };
  app.get('/', handler);
  app.put('/', handler);
  return app;
}

/** A header that Fastify passed to `writeHead` (it does not use `setHeader`), read back from the header block. */
function headerFromWriteHead(res, name) {
  const block = typeof res._header === 'string' ? res._header : '';
  const line = block.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line === undefined ? undefined : line.slice(name.length + 1).trim();
}

/** Headers of a ServerResponse that never had a socket. */
function responseView(res) {
  return { get: (name) => res.getHeader(name), status: res.statusCode };
}

const RESOLVED = Promise.resolve();
const FLOOR_VARY_ONLY = floorHeaders('GET', {});

/**
 * Waits until `done()` holds, for middlewares that finish asynchronously (an adapter may answer after a
 * promise even with a static policy). Microtasks first, then macrotasks, bounded.
 */
async function until(done, what) {
  for (let i = 0; i < 64; i++) {
    await null;
    if (done()) return;
  }
  for (let i = 0; i < 1000; i++) {
    await new Promise(setImmediate);
    if (done()) return;
  }
  throw new Error(`${what} neither called next() nor ended the response`);
}

/**
 * An in-process runner: `one(scenario)` handles one request and returns undefined when it finished
 * synchronously or a promise otherwise; `inspect(scenario)` handles one and returns its answer.
 *
 * - Express: the middleware is called directly with a real IncomingMessage and ServerResponse carrying
 *   Express's own prototypes (as `app.handle` sets them), fresh for every request. With no CORS the middleware
 *   is `(req, res, next) => next()`.
 * - Koa: the middleware is called directly with a context from Koa's own `app.createContext` over a fresh
 *   IncomingMessage and ServerResponse. With no CORS it is `(ctx, next) => next()`.
 * - Fastify: a plugin's hooks cannot be called on their own, so this is a whole dispatch, route handler and reply
 *   included, through `app.routing(req, res)` (Fastify's own request handler) with a fresh IncomingMessage and
 *   ServerResponse. Not `app.inject`: light-my-request's fake streams cost ~50 µs and most of a GC per request on
 *   this machine, which drowns a middleware of one microsecond. With no CORS the app has only the route.
 */
export async function createRunner(framework, variant) {
  if (framework === 'express') {
    const express = (await load('express')).default;
    const app = express();
    const mw = (await expressMiddleware(variant)) ?? ((req, res, next) => next());
    const makeRequest = (scenario) => {
      const req = new http.IncomingMessage(null);
      req.method = scenario.method;
      req.url = '/';
      req.headers = scenario.headers;
      const res = new http.ServerResponse(req);
      req.res = res;
      res.req = req;
      // As express's app.handle does, res.locals included (Express gives every response one). Here it is added
      // before the prototypes are swapped, not after: on a response whose prototype was just swapped, adding a
      // property costs V8 ~2.5 µs with a spread of about 1 µs, the same for every variant, and that spread would
      // drown shares of one microsecond. The middleware sees the same objects either way.
      res.locals = Object.create(null);
      Object.setPrototypeOf(req, app.request);
      Object.setPrototypeOf(res, app.response);
      return res;
    };
    const one = (scenario) => {
      const res = makeRequest(scenario);
      let state = 0;
      let failure;
      mw(res.req, res, (error) => {
        if (error !== undefined && error !== 'route' && error !== 'router') {
          failure = error;
          state = 2;
        } else state = 1;
      });
      if (state === 1 || (state === 0 && res.writableEnded)) return undefined;
      if (state === 2) throw failure;
      return until(() => state !== 0 || res.writableEnded, 'express middleware').then(() => {
        if (state === 2) throw failure;
      });
    };
    const inspect = async (scenario) => {
      const res = makeRequest(scenario);
      let failure;
      let state = 0;
      mw(res.req, res, (error) => {
        state = error ? 2 : 1;
        failure = error;
      });
      if (state === 0 && !res.writableEnded) await until(() => state !== 0 || res.writableEnded, 'express middleware');
      if (state === 2) throw failure;
      return responseView(res);
    };
    return { one, inspect, close: async () => {} };
  }

  if (framework === 'koa') {
    const Koa = (await load('koa')).default;
    const app = new Koa();
    const mw = (await koaMiddleware(variant)) ?? ((ctx, next) => next());
    const next = () => RESOLVED;
    const makeContext = (scenario) => {
      const req = new http.IncomingMessage(null);
      req.method = scenario.method;
      req.url = '/';
      req.headers = scenario.headers;
      const res = new http.ServerResponse(req);
      return app.createContext(req, res);
    };
    const one = (scenario) => mw(makeContext(scenario), next);
    const inspect = async (scenario) => {
      const ctx = makeContext(scenario);
      await mw(ctx, next);
      return responseView(ctx.res);
    };
    return { one, inspect, close: async () => {} };
  }

  if (framework === 'fastify') {
    const Fastify = pick(await load('fastify'), 'fastify');
    const app = await fastifyApp(variant, Fastify);
    await app.ready();
    const makeResponse = (scenario) => {
      const req = new http.IncomingMessage(null);
      req.method = scenario.method;
      req.url = '/';
      req.headers = scenario.headers;
      return new http.ServerResponse(req);
    };
    const one = (scenario) => {
      const res = makeResponse(scenario);
      app.routing(res.req, res);
      if (res.writableEnded) return undefined;
      return until(() => res.writableEnded, 'fastify');
    };
    const inspect = async (scenario) => {
      const res = makeResponse(scenario);
      app.routing(res.req, res);
      if (!res.writableEnded) await until(() => res.writableEnded, 'fastify');
      return { get: (name) => res.getHeader(name) ?? headerFromWriteHead(res, name), status: res.statusCode };
    };
    return { one, inspect, close: () => app.close() };
  }
  if (framework === 'node') {
    // The listener marks the request as reached, as Express's `next` does: the application's work is not timed.
    let reached = false;
    const wrapped = await nodeListener(variant, () => {
      reached = true;
    });
    const makeResponse = (scenario) => {
      const req = new http.IncomingMessage(null);
      req.method = scenario.method;
      req.url = '/';
      req.headers = scenario.headers;
      return new http.ServerResponse(req);
    };
    /** Handles one request: undefined when it finished synchronously, a promise otherwise. */
    const handle = (res) => {
      reached = false;
      wrapped(res.req, res);
      if (reached || res.writableEnded) return undefined;
      return until(() => reached || res.writableEnded, 'node listener');
    };
    const one = (scenario) => handle(makeResponse(scenario));
    const inspect = async (scenario) => {
      const res = makeResponse(scenario);
      await handle(res);
      return responseView(res);
    };
    return { one, inspect, close: async () => {} };
  }
  throw new Error(`unknown framework ${framework}`);
}

/** A real HTTP server on 127.0.0.1 and an ephemeral port; resolves to `{ server, close }`. */
export async function createHttpServer(framework, variant) {
  if (framework === 'express') {
    const express = (await load('express')).default;
    const app = express();
    const mw = await expressMiddleware(variant);
    if (mw) app.use(mw);
    const handler = (req, res) => {
      res.send('ok');
    };
    app.get('/', handler);
    app.put('/', handler);
    return listen(http.createServer(app));
  }
  if (framework === 'koa') {
    const Koa = (await load('koa')).default;
    const app = new Koa();
    const mw = await koaMiddleware(variant);
    if (mw) app.use(mw);
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    return listen(http.createServer(app.callback()));
  }
  if (framework === 'fastify') {
    const Fastify = pick(await load('fastify'), 'fastify');
    const app = await fastifyApp(variant, Fastify);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { server: app.server, close: () => app.close() };
  }
  if (framework === 'node') {
    const listener = await nodeListener(variant, (req, res) => {
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('ok');
    });
    return listen(http.createServer(listener));
  }
  throw new Error(`unknown framework ${framework}`);
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        server,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
