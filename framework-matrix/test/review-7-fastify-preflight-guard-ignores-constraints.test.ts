// Security review, finding 7, through real Fastify 4 and 5 servers: when a preflight asked for a method that no
// route the plugin was shown has at the URL, the plugin asked Fastify whether another context has such a route,
// by its URL pattern and without constraints. So it missed a host-constrained route of a context without CORS
// (and, on Fastify 4, any route with a regex parameter), answered 204 from its own policy, and the browser then
// sent the credentialed request to that route, which ran.
//
// Now the plugin asks the router what the actual request would reach (the request's path and Host), and answers
// only when that is a route of its own.
import { afterEach, describe, expect, it } from 'vitest';
import { preflight } from '../src/preflight-assertions.js';
import { rawRequest } from '../src/raw-http.js';
import { corsPlugin as cors, createFastify, listenFastify, type FastifyApp } from '../src/servers/fastify.js';
import type { RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';

type Header = readonly [string, string];

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

for (const major of [4, 5]) {
  describe(`review-7-fastify-preflight-guard-ignores-constraints on fastify ${major}`, () => {
    async function serve(setup: (app: FastifyApp, ran: string[]) => Promise<void> | void) {
      const ran: string[] = [];
      const app = createFastify(major);
      await setup(app, ran);
      const server = await listenFastify(app);
      running.push(server);
      const send = (method: string, path: string, headers: Header[] = []) => rawRequest(server.url, method, path, headers);
      return { send, ran };
    }

    function expectRefused(res: Awaited<ReturnType<typeof rawRequest>>) {
      expect(res.status).toBe(403);
      expect(res.body).toBe('');
      expect(res.corsHeaderNames()).toEqual([]);
    }

    it("a host-constrained route of a context without CORS is not opened by another context's policy", async () => {
      const { send, ran } = await serve(async (app, ran) => {
        await app.register(async (a: FastifyApp) => {
          await a.register(cors, { origin: APP, credentials: true, methods: ['GET', 'PUT', 'DELETE'] });
          a.get('/x', async () => 'a');
        });
        await app.register(async (b: FastifyApp) => {
          b.route({
            method: 'DELETE',
            url: '/x',
            constraints: { host: 'admin.test' },
            handler: async () => {
              ran.push('b DELETE /x');
              return 'deleted';
            },
          });
        });
      });
      expectRefused(await send('OPTIONS', '/x', [...preflight(APP, 'DELETE'), ['Host', 'admin.test']]));
      // A's own route and a host the DELETE route does not answer keep A's policy.
      expect((await send('OPTIONS', '/x', [...preflight(APP, 'GET'), ['Host', 'admin.test']])).status).toBe(204);
      expect((await send('OPTIONS', '/x', [...preflight(APP, 'DELETE'), ['Host', 'public.test']])).status).toBe(204);
      expect(ran).toEqual([]);
    });

    it('a version-constrained route of a context without CORS is not opened for a request that sends Accept-Version', async () => {
      const { send } = await serve(async (app) => {
        await app.register(async (a: FastifyApp) => {
          await a.register(cors, { origin: APP, methods: ['GET', 'DELETE'], allowedHeaders: ['accept-version'] });
          a.get('/x', async () => 'a');
        });
        await app.register(async (b: FastifyApp) => {
          b.route({ method: 'DELETE', url: '/x', constraints: { version: '2.0.0' }, handler: async () => 'b' });
        });
      });
      expectRefused(await send('OPTIONS', '/x', preflight(APP, 'DELETE', [['Access-Control-Request-Headers', 'Accept-Version']])));
      // Without Accept-Version the actual request cannot reach that route.
      expect((await send('OPTIONS', '/x', preflight(APP, 'DELETE'))).status).toBe(204);
    });

    it('a route with a regex parameter in a context without CORS is not opened either', async () => {
      const { send } = await serve(async (app) => {
        await app.register(async (a: FastifyApp) => {
          await a.register(cors, { origin: APP, methods: ['GET', 'PUT', 'DELETE'] });
          a.get('/r/:id(^\\d+$)', async () => 'a');
        });
        await app.register(async (b: FastifyApp) => {
          b.delete('/r/:id(^\\d+$)', async () => 'deleted');
        });
      });
      expectRefused(await send('OPTIONS', '/r/5', preflight(APP, 'DELETE')));
      expect((await send('OPTIONS', '/r/5', preflight(APP, 'GET'))).status).toBe(204);
    });

    it('a more specific route of a context without CORS is not opened by a parametric route with CORS', async () => {
      const { send } = await serve(async (app) => {
        await app.register(async (a: FastifyApp) => {
          await a.register(cors, { origin: APP, methods: ['GET', 'DELETE'] });
          a.delete('/users/:id', async () => 'a');
        });
        await app.register(async (b: FastifyApp) => {
          b.delete('/users/me', async () => 'b');
        });
      });
      expectRefused(await send('OPTIONS', '/users/me', preflight(APP, 'DELETE')));
      expect((await send('OPTIONS', '/users/7', preflight(APP, 'DELETE'))).status).toBe(204);
    });

    it("the plugin's own route behind another URL pattern answers with that route's policy", async () => {
      const { send } = await serve(async (app) => {
        await app.register(cors, { origin: APP, methods: ['GET', 'PUT', 'DELETE'] });
        app.get('/users/me', async () => 'me');
        app.delete('/users/:id', { config: { cors: { methods: ['DELETE'], maxAge: 60 } } }, async () => 'deleted');
        app.get('/files/:name.:ext', async () => 'file');
        app.put('/files/*', { config: { cors: { methods: ['PUT'] } } }, async () => 'put');
      });
      const pre = await send('OPTIONS', '/users/me', preflight(APP, 'DELETE'));
      expect(pre.status).toBe(204);
      expect(pre.header('access-control-allow-methods')).toBe('DELETE');
      expect(pre.header('access-control-max-age')).toBe('60');
      const file = await send('OPTIONS', '/files/a.txt', preflight(APP, 'PUT'));
      expect(file.status).toBe(204);
      expect(file.header('access-control-allow-methods')).toBe('PUT');
    });
  });
}
