// @cors/fastify and Fastify's routing on both majors: encapsulation, per-route config, the application's own
// OPTIONS routes, parameters and prefixes.
import { afterEach, describe, expect, it } from 'vitest';
import { preflight } from '../src/preflight-assertions.js';
import { rawRequest, type RawResponse } from '../src/raw-http.js';
import { corsPlugin as cors, createFastify, listenFastify, type FastifyApp } from '../src/servers/fastify.js';
import type { RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
const OTHER = 'https://other.example.com';

type Header = readonly [string, string];
const origin = (value: string): Header[] => [['Origin', value]];
const varyTokens = (res: RawResponse) => (res.header('vary') ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

for (const major of [4, 5]) {
  describe(`@cors/fastify on fastify ${major}`, () => {
    /** Builds an app with `setup`, serves it, and records what reached handlers in `seen`. */
    async function serve(setup: (app: FastifyApp, handler: (body: string) => (request: any) => Promise<string>) => Promise<void>) {
      const seen: string[] = [];
      const handler = (body: string) => async (request: any) => {
        seen.push(`${request.method} ${request.url}`);
        return body;
      };
      const app = createFastify(major);
      await setup(app, handler);
      const server = await listenFastify(app);
      running.push(server);
      const send = (method: string, path: string, headers: Header[] = []) => rawRequest(server.url, method, path, headers);
      return { send, seen };
    }

    describe('nested registrations', () => {
      it('a route is validated and governed by the nearest registration only', async () => {
        const { send } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, credentials: true });
          await app.register(async (child: FastifyApp) => {
            await child.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
            // Under the root's credentialed policy this would be refused; under the child's it is a public route.
            child.put('/open', { config: { cors: { origin: '*' } } }, handler('open'));
          });
          app.get('/root', handler('root'));
        });
        const pre = await send('OPTIONS', '/open', preflight(OTHER, 'PUT'));
        expect(pre.status).toBe(204);
        expect(pre.header('access-control-allow-origin')).toBe('*');
        expect(pre.header('access-control-allow-credentials')).toBeUndefined();
        const put = await send('PUT', '/open', origin(OTHER));
        expect(put.body).toBe('open');
        expect(put.header('access-control-allow-origin')).toBe('*');
        const root = await send('GET', '/root', origin(APP));
        expect(root.header('access-control-allow-credentials')).toBe('true');
      });
    });

    describe('constrained routes', () => {
      it('routes told apart only by host, with different policies, get their preflights refused, never the wrong policy', async () => {
        const { send } = await serve(async (app, handler) => {
          await app.register(cors, { origin: [APP, OTHER], methods: ['GET', 'PUT'] });
          app.route({ method: 'PUT', url: '/x', constraints: { host: 'admin.test' }, config: { cors: { origin: APP } }, handler: handler('admin') });
          app.route({ method: 'PUT', url: '/x', constraints: { host: 'public.test' }, config: { cors: { origin: OTHER } }, handler: handler('public') });
        });
        for (const host of ['admin.test', 'public.test']) {
          for (const from of [APP, OTHER]) {
            const pre = await send('OPTIONS', '/x', [...preflight(from, 'PUT'), ['Host', host]]);
            expect(pre.status).toBe(403);
            expect(pre.corsHeaderNames()).toEqual([]);
          }
        }
        // Actual requests still get their own route's policy.
        const admin = await send('PUT', '/x', [['Host', 'admin.test'], ['Origin', APP]]);
        expect(admin.body).toBe('admin');
        expect(admin.header('access-control-allow-origin')).toBe(APP);
        const refused = await send('PUT', '/x', [['Host', 'admin.test'], ['Origin', OTHER]]);
        expect(refused.corsHeaderNames()).toEqual([]);
      });
    });

    describe('encapsulation', () => {
      it('registered in a child context, it covers only that child’s routes', async () => {
        const { send } = await serve(async (app, handler) => {
          await app.register(
            async (child: FastifyApp) => {
              await child.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
              child.get('/x', handler('a'));
              child.put('/x', handler('a-put'));
            },
            { prefix: '/a' },
          );
          await app.register(
            async (child: FastifyApp) => {
              child.get('/x', handler('b'));
              child.put('/x', handler('b-put'));
            },
            { prefix: '/b' },
          );
          app.get('/root', handler('root'));
        });

        const covered = await send('GET', '/a/x', origin(APP));
        expect(covered.body).toBe('a');
        expect(covered.header('access-control-allow-origin')).toBe(APP);
        expect(varyTokens(covered)).toEqual(['origin']);
        const coveredPreflight = await send('OPTIONS', '/a/x', preflight(APP, 'PUT'));
        expect(coveredPreflight.status).toBe(204);
        expect(coveredPreflight.header('access-control-allow-methods')).toBe('GET, PUT');

        for (const path of ['/b/x', '/root']) {
          const res = await send('GET', path, origin(APP));
          expect(res.status).toBe(200);
          expect(res.corsHeaderNames()).toEqual([]);
          expect(res.header('vary')).toBeUndefined();
          const pre = await send('OPTIONS', path, preflight(APP, 'GET'));
          expect(pre.status).toBe(404);
          expect(pre.corsHeaderNames()).toEqual([]);
        }
        // Unknown paths belong to the root's 404 handler, which the child's plugin does not cover.
        const unknown = await send('OPTIONS', '/a/nowhere', preflight(APP, 'GET'));
        expect(unknown.status).toBe(404);
        expect(unknown.corsHeaderNames()).toEqual([]);
      });

      it('a child without a prefix is covered, its siblings and parent are not', async () => {
        const { send } = await serve(async (app, handler) => {
          app.register(async (child: FastifyApp) => {
            await child.register(cors, { origin: APP });
            child.get('/inside', handler('inside'));
          });
          app.register(async (sibling: FastifyApp) => {
            sibling.get('/sibling', handler('sibling'));
          });
          app.get('/parent', handler('parent'));
        });
        expect((await send('GET', '/inside', origin(APP))).header('access-control-allow-origin')).toBe(APP);
        expect((await send('OPTIONS', '/inside', preflight(APP, 'GET'))).status).toBe(204);
        for (const path of ['/sibling', '/parent']) {
          expect((await send('GET', path, origin(APP))).corsHeaderNames()).toEqual([]);
          expect((await send('OPTIONS', path, preflight(APP, 'GET'))).status).toBe(404);
        }
      });

      it('registered at the root, it covers every context and the 404 handler', async () => {
        const { send } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
          app.register(
            async (child: FastifyApp) => {
              child.register(async (grandchild: FastifyApp) => {
                grandchild.put('/deep', handler('deep'));
              });
            },
            { prefix: '/child' },
          );
        });
        const res = await send('PUT', '/child/deep', origin(APP));
        expect(res.body).toBe('deep');
        expect(res.header('access-control-allow-origin')).toBe(APP);
        expect((await send('OPTIONS', '/child/deep', preflight(APP, 'PUT'))).status).toBe(204);
        const missing = await send('GET', '/child/nowhere', origin(APP));
        expect(missing.status).toBe(404);
        expect(missing.header('access-control-allow-origin')).toBe(APP);
        expect((await send('OPTIONS', '/nowhere', preflight(APP, 'PUT'))).status).toBe(204);
      });

      it('a registration in a child overrides the root’s for the child’s routes, and answers only once', async () => {
        const { send } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET'] });
          app.get('/outer', handler('outer'));
          app.register(
            async (child: FastifyApp) => {
              await child.register(cors, { origin: OTHER, methods: ['GET', 'PUT'] });
              child.put('/inner', handler('inner'));
            },
            { prefix: '/child' },
          );
        });
        const inner = await send('PUT', '/child/inner', origin(OTHER));
        expect(inner.headers.get('access-control-allow-origin')).toEqual([OTHER]);
        expect(inner.headers.get('vary')).toEqual(['Origin']);
        expect((await send('PUT', '/child/inner', origin(APP))).corsHeaderNames()).toEqual([]);
        expect((await send('OPTIONS', '/child/inner', preflight(OTHER, 'PUT'))).status).toBe(204);
        expect((await send('OPTIONS', '/child/inner', preflight(APP, 'PUT'))).status).toBe(403);

        expect((await send('GET', '/outer', origin(APP))).headers.get('access-control-allow-origin')).toEqual([APP]);
        expect((await send('GET', '/outer', origin(OTHER))).corsHeaderNames()).toEqual([]);
      });

      it('a sibling’s route at the same URL is not opened by the plugin', async () => {
        const { send, seen } = await serve(async (app, handler) => {
          app.register(async (child: FastifyApp) => {
            await child.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
            child.get('/shared', handler('get'));
          });
          app.register(async (sibling: FastifyApp) => {
            sibling.put('/shared', handler('put'));
          });
        });
        expect((await send('OPTIONS', '/shared', preflight(APP, 'GET'))).status).toBe(204);
        const put = await send('OPTIONS', '/shared', preflight(APP, 'PUT'));
        expect(put.status).toBe(403);
        expect(put.corsHeaderNames()).toEqual([]);
        expect(seen).toEqual([]);
      });
    });

    describe('per-route config', () => {
      async function routeConfigApp() {
        return serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET', 'PUT', 'DELETE'] });
          app.get('/x', handler('get'));
          app.put('/x', { config: { cors: { origin: OTHER, methods: ['PUT'], allowedHeaders: ['x-token'] } } }, handler('put'));
          app.delete('/x', { config: { cors: false } }, handler('delete'));
          app.get('/merged', { config: { cors: { exposedHeaders: ['x-id'] } } }, handler('merged'));
        });
      }

      it('an options object replaces the plugin’s options it names, for actual requests', async () => {
        const { send } = await routeConfigApp();
        const put = await send('PUT', '/x', origin(OTHER));
        expect(put.body).toBe('put');
        expect(put.header('access-control-allow-origin')).toBe(OTHER);
        expect(varyTokens(put)).toEqual(['origin']);
        expect((await send('PUT', '/x', origin(APP))).corsHeaderNames()).toEqual([]);
        // The other methods at the URL keep the plugin's policy.
        expect((await send('GET', '/x', origin(APP))).header('access-control-allow-origin')).toBe(APP);
        expect((await send('GET', '/x', origin(OTHER))).corsHeaderNames()).toEqual([]);
      });

      it('the options object governs the preflight for its method', async () => {
        const { send, seen } = await routeConfigApp();
        const allowed = await send('OPTIONS', '/x', preflight(OTHER, 'PUT', [['Access-Control-Request-Headers', 'x-token']]));
        expect(allowed.status).toBe(204);
        expect(allowed.header('access-control-allow-origin')).toBe(OTHER);
        expect(allowed.header('access-control-allow-methods')).toBe('PUT');
        expect(allowed.header('access-control-allow-headers')).toBe('x-token');
        // The plugin's origin is not the route's.
        expect((await send('OPTIONS', '/x', preflight(APP, 'PUT'))).status).toBe(403);
        // GET at the same URL has the plugin's policy.
        expect((await send('OPTIONS', '/x', preflight(APP, 'GET'))).header('access-control-allow-methods')).toBe('GET, PUT, DELETE');
        expect((await send('OPTIONS', '/x', preflight(OTHER, 'GET'))).status).toBe(403);
        expect(seen).toEqual([]);
      });

      it('false turns CORS off for the route’s actual requests and preflights', async () => {
        const { send, seen } = await routeConfigApp();
        const res = await send('DELETE', '/x', origin(APP));
        expect(res.status).toBe(200);
        expect(res.body).toBe('delete');
        expect(res.corsHeaderNames()).toEqual([]);
        expect(res.header('vary')).toBeUndefined();
        const pre = await send('OPTIONS', '/x', preflight(APP, 'DELETE'));
        expect(pre.status).toBe(403);
        expect(pre.corsHeaderNames()).toEqual([]);
        expect(seen).toEqual(['DELETE /x']);
      });

      it('options are merged over the plugin’s', async () => {
        const { send } = await routeConfigApp();
        const res = await send('GET', '/merged', origin(APP));
        expect(res.header('access-control-allow-origin')).toBe(APP);
        expect(res.header('access-control-expose-headers')).toBe('x-id');
      });

      it('route config works in a child context with its own registration and prefix', async () => {
        const { send } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP });
          await app.register(
            async (child: FastifyApp) => {
              await child.register(cors, { origin: OTHER, methods: ['GET', 'PATCH'] });
              child.patch('/item', { config: { cors: false } }, handler('patch'));
              child.get('/item', handler('get'));
            },
            { prefix: '/v1' },
          );
        });
        expect((await send('PATCH', '/v1/item', origin(OTHER))).corsHeaderNames()).toEqual([]);
        expect((await send('OPTIONS', '/v1/item', preflight(OTHER, 'PATCH'))).status).toBe(403);
        expect((await send('GET', '/v1/item', origin(OTHER))).header('access-control-allow-origin')).toBe(OTHER);
        expect((await send('OPTIONS', '/v1/item', preflight(OTHER, 'GET'))).status).toBe(204);
      });
    });

    describe("the application's own OPTIONS routes", () => {
      it('serve non-preflight OPTIONS, while preflights to the same URL are answered by the plugin', async () => {
        const { send, seen } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
          app.options('/own', handler('own'));
          app.put('/own', handler('put'));
        });
        const own = await send('OPTIONS', '/own', origin(APP));
        expect(own.status).toBe(200);
        expect(own.body).toBe('own');
        expect(own.header('access-control-allow-origin')).toBe(APP);
        expect(own.header('access-control-allow-methods')).toBeUndefined();
        expect((await send('OPTIONS', '/own')).body).toBe('own');
        expect(seen).toEqual(['OPTIONS /own', 'OPTIONS /own']);

        const pre = await send('OPTIONS', '/own', preflight(APP, 'PUT'));
        expect(pre.status).toBe(204);
        expect(pre.body).toBe('');
        expect(pre.header('access-control-allow-methods')).toBe('GET, PUT');
        expect(seen).toHaveLength(2);
      });

      it('an OPTIONS route declared after the other methods still gets its non-preflight requests', async () => {
        const { send, seen } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
          app.put('/late', { config: { cors: { methods: ['PUT'] } } }, handler('put'));
          app.options('/late', handler('own'));
        });
        expect((await send('OPTIONS', '/late', origin(APP))).body).toBe('own');
        const pre = await send('OPTIONS', '/late', preflight(APP, 'PUT'));
        expect(pre.status).toBe(204);
        expect(pre.header('access-control-allow-methods')).toBe('PUT');
        expect(seen).toEqual(['OPTIONS /late']);
      });

      it('a preflight for a route whose config is false does not reach the own OPTIONS handler either', async () => {
        const { send, seen } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
          app.options('/closed', handler('own'));
          app.put('/closed', { config: { cors: false } }, handler('put'));
        });
        expect((await send('OPTIONS', '/closed', preflight(APP, 'PUT'))).status).toBe(403);
        expect(seen).toEqual([]);
      });
    });

    describe('parameters, wildcards and prefixes', () => {
      it('routes with parameters, per-route config included', async () => {
        const { send, seen } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET', 'PUT', 'DELETE'] });
          app.get('/users/:id', handler('user'));
          app.put('/users/:id', handler('put'));
          app.delete('/users/:id', { config: { cors: false } }, handler('delete'));
          app.get('/users/:id/posts/:postId', handler('post'));
          // Another name for the same parameter, for another method.
          app.patch('/users/:userId', { config: { cors: { methods: ['PATCH'] } } }, handler('patch'));
        });
        const user = await send('GET', '/users/42', origin(APP));
        expect(user.body).toBe('user');
        expect(user.header('access-control-allow-origin')).toBe(APP);
        expect((await send('OPTIONS', '/users/42', preflight(APP, 'PUT'))).status).toBe(204);
        expect((await send('OPTIONS', '/users/42', preflight(APP, 'DELETE'))).status).toBe(403);
        expect((await send('DELETE', '/users/42', origin(APP))).corsHeaderNames()).toEqual([]);
        const patch = await send('OPTIONS', '/users/7', preflight(APP, 'PATCH'));
        expect(patch.status).toBe(204);
        expect(patch.header('access-control-allow-methods')).toBe('PATCH');
        expect((await send('OPTIONS', '/users/7/posts/9', preflight(APP, 'GET'))).status).toBe(204);
        expect((await send('GET', '/users/7/posts/9', origin(APP))).header('access-control-allow-origin')).toBe(APP);
        expect(seen).toEqual(['GET /users/42', 'DELETE /users/42', 'GET /users/7/posts/9']);
      });

      it('wildcard routes', async () => {
        const { send } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
          app.put('/files/*', { config: { cors: { methods: ['PUT'], allowedHeaders: ['content-type'] } } }, handler('file'));
        });
        const pre = await send('OPTIONS', '/files/a/b.txt', preflight(APP, 'PUT', [['Access-Control-Request-Headers', 'Content-Type']]));
        expect(pre.status).toBe(204);
        expect(pre.header('access-control-allow-headers')).toBe('content-type');
        expect((await send('PUT', '/files/a/b.txt', origin(APP))).header('access-control-allow-origin')).toBe(APP);
      });

      it("a prefixed '/' route answers preflights at the prefix with and without the slash", async () => {
        const { send } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET', 'POST'] });
          await app.register(
            async (child: FastifyApp) => {
              child.post('/', { config: { cors: { methods: ['POST'], maxAge: 60 } } }, handler('post'));
            },
            { prefix: '/api' },
          );
        });
        for (const path of ['/api', '/api/']) {
          const pre = await send('OPTIONS', path, preflight(APP, 'POST'));
          expect(pre.status, path).toBe(204);
          expect(pre.header('access-control-max-age'), path).toBe('60');
          expect((await send('POST', path, origin(APP))).header('access-control-allow-origin'), path).toBe(APP);
        }
      });

      it('a preflight for a method no route has at the URL is decided by the policy', async () => {
        const reasons: string[] = [];
        const { send } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP, methods: ['GET', 'PUT'], onRefused: (reason: { code: string }) => reasons.push(reason.code) });
          app.get('/only-get', handler('get'));
        });
        expect((await send('OPTIONS', '/only-get', preflight(APP, 'PUT'))).status).toBe(204);
        expect((await send('OPTIONS', '/only-get', preflight(APP, 'put'))).status).toBe(403);
        expect(reasons).toEqual(['method-not-allowed']);
      });

      it('HEAD routes Fastify adds for GET are covered', async () => {
        const { send } = await serve(async (app, handler) => {
          await app.register(cors, { origin: APP });
          app.get('/page', { config: { cors: { exposedHeaders: ['x-page'] } } }, handler('page'));
        });
        const head = await send('HEAD', '/page', origin(APP));
        expect(head.status).toBe(200);
        expect(head.header('access-control-allow-origin')).toBe(APP);
        expect(head.header('access-control-expose-headers')).toBe('x-page');
      });
    });
  });
}
