// The playground's API: the same small application on Express, Koa or Fastify, protected by our adapter.
// Each policy gets its own application instance with the adapter applied app-wide, exactly as a user writes
// it; the API server hands a request to the instance named by the first path segment (/strict, /pattern,
// /null), so one port serves all three policies.
import { createServer } from 'node:http';

export const FRAMEWORKS = /** @type {const} */ (['express', 'koa', 'fastify', 'hono']);

/** The cookie the credentials scenario sets; SameSite=None and Secure, as a cross-site cookie must be. */
export const SESSION_COOKIE = 'playground_session=s3cr3t; Path=/; SameSite=None; Secure; HttpOnly';

const RESOURCE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Builds one application for `framework` behind `cors(policy)` and returns its Node request handler.
 * Routes: `/resource` (any method: 200 `ok` with `X-Request-Id: 42`), `GET /set-cookie`, `GET /cookie`
 * (answers with the Cookie header the browser sent).
 *
 * @param {'express' | 'koa' | 'fastify' | 'hono'} framework
 * @param {import('@cors/core').CorsOptions<any>} policy
 * @returns {Promise<{ handle: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void, close: () => Promise<void> }>}
 */
export async function buildApp(framework, policy) {
  if (framework === 'express') {
    const { default: express } = await import('express');
    const { cors } = await import('@cors/express');
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    app.use(cors(policy));
    app.all('/resource', (_req, res) => {
      res.set('X-Request-Id', '42').type('text/plain').send('ok');
    });
    app.get('/set-cookie', (_req, res) => {
      res.set('Set-Cookie', SESSION_COOKIE).type('text/plain').send('set');
    });
    app.get('/cookie', (req, res) => {
      res.type('text/plain').send(req.headers.cookie ?? '');
    });
    return { handle: app, close: async () => {} };
  }

  if (framework === 'koa') {
    const { default: Koa } = await import('koa');
    const { cors } = await import('@cors/koa');
    const app = new Koa();
    app.use(cors(policy));
    app.use(async (ctx) => {
      if (ctx.path === '/resource' && RESOURCE_METHODS.includes(ctx.method)) {
        ctx.set('X-Request-Id', '42');
        ctx.type = 'text/plain';
        ctx.body = 'ok';
      } else if (ctx.path === '/set-cookie' && ctx.method === 'GET') {
        ctx.set('Set-Cookie', SESSION_COOKIE);
        ctx.type = 'text/plain';
        ctx.body = 'set';
      } else if (ctx.path === '/cookie' && ctx.method === 'GET') {
        ctx.type = 'text/plain';
        ctx.body = ctx.get('cookie');
      }
      // Anything else: Koa's own 404.
    });
    return { handle: app.callback(), close: async () => {} };
  }

  if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const { cors } = await import('@cors/fastify');
    /** @type {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void} */
    let handle = () => {
      throw new Error('fastify is not ready');
    };
    // Fastify hands us its request handler; the playground's API server, not Fastify, listens.
    const app = Fastify({
      serverFactory: (handler) => {
        handle = handler;
        return createServer();
      },
    });
    await app.register(cors, policy);
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/resource',
      handler: async (_request, reply) => reply.header('X-Request-Id', '42').type('text/plain').send('ok'),
    });
    app.get('/set-cookie', async (_request, reply) => reply.header('Set-Cookie', SESSION_COOKIE).type('text/plain').send('set'));
    app.get('/cookie', async (request, reply) => reply.type('text/plain').send(request.headers.cookie ?? ''));
    await app.ready();
    return { handle: (req, res) => handle(req, res), close: () => app.close() };
  }

  if (framework === 'hono') {
    const { Hono } = await import('hono');
    const { getRequestListener } = await import('@hono/node-server');
    const { cors } = await import('@cors/hono');
    const app = new Hono();
    app.use('*', cors(policy));
    app.on(RESOURCE_METHODS, '/resource', (c) => {
      c.header('X-Request-Id', '42');
      return c.text('ok');
    });
    app.get('/set-cookie', (c) => {
      c.header('Set-Cookie', SESSION_COOKIE);
      return c.text('set');
    });
    app.get('/cookie', (c) => c.text(c.req.header('cookie') ?? ''));
    // Hono's fetch handler as a Node listener, as @hono/node-server serves it.
    return { handle: getRequestListener(app.fetch), close: async () => {} };
  }

  throw new Error(`unknown framework ${JSON.stringify(framework)}; use one of ${FRAMEWORKS.join(', ')}`);
}

/** The installed version of a framework, for the banner. */
export async function frameworkVersion(framework) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  try {
    return require(`${framework}/package.json`).version;
  } catch {
    return '?';
  }
}
