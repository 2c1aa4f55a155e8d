// The reference app of types.ts on Hono 4 behind app.use('*', cors(options)), served on Node by
// @hono/node-server.
import { Hono, type Context } from 'hono';
import { cors } from '@cors/hono';
import type { StartReferenceApp } from '../types.js';
import { serveOnNode } from './fetch.js';

/** The reference routes on a Hono app (CORS, or anything else, is added by the caller first). */
export function addReferenceRoutes(app: Hono): Hono {
  app.on(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], '/resource', (c) => {
    c.header('X-Request-Id', '42');
    return c.text('ok');
  });
  app.get('/cookie', (c) => c.text(c.req.header('cookie') ?? ''));
  app.get('/set-cookie', (c) => {
    c.header('Set-Cookie', 'session=s3cr3t; Path=/; SameSite=None; Secure');
    return c.text('set');
  });
  app.on(['GET', 'OPTIONS'], '/own-options', (c) => {
    c.header('X-Own-Options', 'yes');
    return c.text('own');
  });
  app.get('/throws', () => {
    throw new Error('boom');
  });
  app.get('/vary', (c) => {
    c.header('Vary', 'Accept-Encoding');
    return c.text('ok');
  });
  app.get('/vary-star', (c) => {
    c.header('Vary', '*');
    return c.text('ok');
  });
  app.post('/schema', async (c) => {
    let name: unknown;
    try {
      const body: unknown = await c.req.json();
      name = body !== null && typeof body === 'object' ? (body as { name?: unknown }).name : undefined;
    } catch {
      name = undefined;
    }
    return typeof name === 'string' ? c.text('ok') : c.text('body must be JSON { "name": string }', 400);
  });
  // Hono's own default answer, without its console.error for the expected /throws.
  app.onError((_error, c: Context) => c.text('Internal Server Error', 500));
  return app;
}

/** The reference app behind `app.use('*', cors(options))` on Hono 4, on Node. */
export const startHono: StartReferenceApp = async (_major, options) => {
  const app = new Hono();
  app.use('*', cors(options.cors));
  const seen = options.onRequestSeen;
  if (seen) {
    app.use('*', (c, next) => {
      seen(`${c.req.method} ${c.req.path}`);
      return next();
    });
  }
  addReferenceRoutes(app);
  return serveOnNode(app.fetch);
};
