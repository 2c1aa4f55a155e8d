import { afterEach, describe, expect, it } from 'vitest';
import { cors } from '@cors/express';
import { expectAllowedPreflight, expectRefusedPreflight, preflight } from '../src/preflight-assertions.js';
import { rawRequest } from '../src/raw-http.js';
import { expressOf, listenExpress, type ExpressApp, type ExpressRequest, type ExpressResponse } from '../src/servers/express.js';
import type { RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';

for (const major of [4, 5]) {
  describe(`express ${major}: routers and per-route policies`, () => {
    const express = expressOf(major);
    let running: RunningServer | undefined;
    afterEach(async () => {
      await running?.close();
      running = undefined;
    });

    /** Starts `app`; `seen` records what reached a route handler. */
    async function start(app: ExpressApp): Promise<string> {
      running = await listenExpress(app);
      return running.url;
    }

    const reply =
      (seen: string[], body: string) =>
      (req: ExpressRequest, res: ExpressResponse): void => {
        seen.push(`${req.method} ${req.path}`);
        res.send(body);
      };

    it('a Router mounted on a sub-path governs everything under it, and nothing outside', async () => {
      const seen: string[] = [];
      const app = express();
      const router = express.Router();
      router.use(cors({ origin: APP, methods: ['GET', 'PUT'], credentials: true }));
      router.get('/items', reply(seen, 'items'));
      router.put('/items/:id', reply(seen, 'put'));
      app.use('/api', router);
      app.get('/outside', reply(seen, 'outside'));
      const base = await start(app);

      expectAllowedPreflight(await rawRequest(base, 'OPTIONS', '/api/items/3', preflight(APP, 'PUT')), APP, 'GET, PUT');
      expectRefusedPreflight(await rawRequest(base, 'OPTIONS', '/api/items/3', preflight(APP, 'DELETE')));
      expectRefusedPreflight(await rawRequest(base, 'OPTIONS', '/api/items', preflight(ADMIN, 'GET')));

      const put = await rawRequest(base, 'PUT', '/api/items/3', [['Origin', APP]]);
      expect(put.status).toBe(200);
      expect(put.body).toBe('put');
      expect(put.header('access-control-allow-origin')).toBe(APP);
      expect(put.header('access-control-allow-credentials')).toBe('true');

      // A 404 under the mount point still carries the router's CORS headers.
      const missing = await rawRequest(base, 'GET', '/api/nothing', [['Origin', APP]]);
      expect(missing.status).toBe(404);
      expect(missing.header('access-control-allow-origin')).toBe(APP);
      expect(missing.header('vary')).toBe('Origin');

      // Outside /api the router's policy does not apply; Express answers OPTIONS itself.
      const outside = await rawRequest(base, 'GET', '/outside', [['Origin', APP]]);
      expect(outside.body).toBe('outside');
      expect(outside.corsHeaderNames()).toEqual([]);
      expect(outside.header('vary')).toBeUndefined();
      const outsidePreflight = await rawRequest(base, 'OPTIONS', '/outside', preflight(APP, 'GET'));
      expect(outsidePreflight.corsHeaderNames()).toEqual([]);

      expect(seen).toEqual(['PUT /items/3', 'GET /outside']);
    });

    it('a Router keeps Vary: Origin when its handler overwrites Vary, and on errors', async () => {
      const app = express();
      const router = express.Router();
      router.use(cors({ origin: APP }));
      router.get('/vary', (_req: ExpressRequest, res: ExpressResponse) => {
        res.set('Vary', 'Accept-Encoding').send('ok');
      });
      router.get('/throws', () => {
        throw new Error('boom');
      });
      app.use('/api', router);
      const base = await start(app);

      const vary = await rawRequest(base, 'GET', '/api/vary', [['Origin', APP]]);
      expect(vary.header('vary')).toBe('Accept-Encoding, Origin');
      expect(vary.headers.get('vary')).toHaveLength(1);
      const failed = await rawRequest(base, 'GET', '/api/throws', [['Origin', APP]]);
      expect(failed.status).toBe(500);
      expect(failed.header('access-control-allow-origin')).toBe(APP);
      expect(failed.header('vary')).toBe('Origin');
    });

    it("app.route(path).all(cors(o)) governs that route's preflight and its requests", async () => {
      const seen: string[] = [];
      const app = express();
      app
        .route('/upload')
        .all(cors({ origin: APP, methods: ['PUT'], allowedHeaders: ['content-type'] }))
        .put(reply(seen, 'uploaded'));
      app.get('/other', reply(seen, 'other'));
      const base = await start(app);

      const allowed = await rawRequest(base, 'OPTIONS', '/upload', preflight(APP, 'PUT', [['Access-Control-Request-Headers', 'Content-Type']]));
      expectAllowedPreflight(allowed, APP, 'PUT');
      expect(allowed.header('access-control-allow-headers')).toBe('content-type');
      expectRefusedPreflight(await rawRequest(base, 'OPTIONS', '/upload', preflight(ADMIN, 'PUT')));
      expectRefusedPreflight(await rawRequest(base, 'OPTIONS', '/upload', preflight(APP, 'PUT', [['Access-Control-Request-Headers', 'x-secret']])));

      const put = await rawRequest(base, 'PUT', '/upload', [['Origin', APP]]);
      expect(put.status).toBe(200);
      expect(put.body).toBe('uploaded');
      expect(put.header('access-control-allow-origin')).toBe(APP);

      const other = await rawRequest(base, 'GET', '/other', [['Origin', APP]]);
      expect(other.corsHeaderNames()).toEqual([]);
      expect(seen).toEqual(['PUT /upload', 'GET /other']);
    });

    it('app.options(path, policy) beside app.put(path, policy, handler) governs the preflight', async () => {
      const seen: string[] = [];
      const app = express();
      const itemsCors = cors({ origin: APP, methods: ['PUT', 'DELETE'], maxAge: 60 });
      app.options('/items/:id', itemsCors);
      app.put('/items/:id', itemsCors, reply(seen, 'put'));
      app.delete('/items/:id', itemsCors, reply(seen, 'deleted'));
      const base = await start(app);

      const allowed = await rawRequest(base, 'OPTIONS', '/items/9', preflight(APP, 'DELETE'));
      expectAllowedPreflight(allowed, APP, 'PUT, DELETE');
      expect(allowed.header('access-control-max-age')).toBe('60');
      expectRefusedPreflight(await rawRequest(base, 'OPTIONS', '/items/9', preflight(APP, 'PATCH')));

      const deleted = await rawRequest(base, 'DELETE', '/items/9', [['Origin', APP]]);
      expect(deleted.body).toBe('deleted');
      expect(deleted.header('access-control-allow-origin')).toBe(APP);
      const refused = await rawRequest(base, 'PUT', '/items/9', [['Origin', ADMIN]]);
      expect(refused.body).toBe('put');
      expect(refused.corsHeaderNames()).toEqual([]);
      expect(refused.header('vary')).toBe('Origin');
      expect(seen).toEqual(['DELETE /items/9', 'PUT /items/9']);
    });

    it('app.all(path, policy) before the route handlers governs every method, preflight included', async () => {
      const seen: string[] = [];
      const app = express();
      app.all('/report', cors({ origin: APP, methods: ['POST'] }));
      app.post('/report', reply(seen, 'reported'));
      const base = await start(app);

      expectAllowedPreflight(await rawRequest(base, 'OPTIONS', '/report', preflight(APP, 'POST')), APP, 'POST');
      const post = await rawRequest(base, 'POST', '/report', [['Origin', APP]], 'x');
      expect(post.body).toBe('reported');
      expect(post.header('access-control-allow-origin')).toBe(APP);
      expect(seen).toEqual(['POST /report']);
    });

    it('two routes with different policies each answer with their own', async () => {
      const seen: string[] = [];
      const app = express();
      app.route('/public').all(cors({ origin: '*' })).get(reply(seen, 'public'));
      app
        .route('/admin')
        .all(cors({ origin: ADMIN, credentials: true, methods: ['GET', 'POST'], allowedHeaders: ['authorization'] }))
        .get(reply(seen, 'admin'))
        .post(reply(seen, 'admin post'));
      const base = await start(app);

      const pub = await rawRequest(base, 'GET', '/public', [['Origin', APP]]);
      expect(pub.header('access-control-allow-origin')).toBe('*');
      expect(pub.header('access-control-allow-credentials')).toBeUndefined();
      expect(pub.header('vary')).toBeUndefined();
      const pubPreflight = await rawRequest(base, 'OPTIONS', '/public', preflight(ADMIN, 'GET'));
      expect(pubPreflight.status).toBe(204);
      expect(pubPreflight.header('access-control-allow-origin')).toBe('*');

      const admin = await rawRequest(base, 'GET', '/admin', [['Origin', ADMIN]]);
      expect(admin.body).toBe('admin');
      expect(admin.header('access-control-allow-origin')).toBe(ADMIN);
      expect(admin.header('access-control-allow-credentials')).toBe('true');
      const adminFromApp = await rawRequest(base, 'GET', '/admin', [['Origin', APP]]);
      expect(adminFromApp.corsHeaderNames()).toEqual([]);
      expect(adminFromApp.header('vary')).toBe('Origin');

      const adminPreflight = await rawRequest(base, 'OPTIONS', '/admin', preflight(ADMIN, 'POST', [['Access-Control-Request-Headers', 'Authorization']]));
      expectAllowedPreflight(adminPreflight, ADMIN, 'GET, POST');
      expect(adminPreflight.header('access-control-allow-credentials')).toBe('true');
      expect(adminPreflight.header('access-control-allow-headers')).toBe('authorization');
      // The public policy does not leak into /admin, nor the admin one into /public.
      expectRefusedPreflight(await rawRequest(base, 'OPTIONS', '/admin', preflight(APP, 'POST')));
      const pubWithAuth = await rawRequest(base, 'OPTIONS', '/public', preflight(ADMIN, 'GET', [['Access-Control-Request-Headers', 'authorization']]));
      expect(pubWithAuth.status).toBe(403);

      expect(seen).toEqual(['GET /public', 'GET /admin', 'GET /admin']);
    });

    it('a non-preflight OPTIONS still reaches a route-level OPTIONS handler', async () => {
      const seen: string[] = [];
      const app = express();
      app.route('/own').all(cors({ origin: APP })).options(reply(seen, 'own'));
      const base = await start(app);
      const own = await rawRequest(base, 'OPTIONS', '/own', [['Origin', APP]]);
      expect(own.status).toBe(200);
      expect(own.body).toBe('own');
      expect(own.header('access-control-allow-origin')).toBe(APP);
      const pre = await rawRequest(base, 'OPTIONS', '/own', preflight(APP, 'GET'));
      expect(pre.status).toBe(204);
      expect(seen).toEqual(['OPTIONS /own']);
    });

    it('app.put(path, cors(o), handler) alone: Express answers the preflight itself, without CORS headers', async () => {
      // Documents why the README asks for app.route().all() or app.options() beside the route.
      const seen: string[] = [];
      const app = express();
      app.put('/alone', cors({ origin: APP, methods: ['PUT'] }), reply(seen, 'put'));
      const base = await start(app);
      const pre = await rawRequest(base, 'OPTIONS', '/alone', preflight(APP, 'PUT'));
      expect(pre.status).toBe(200);
      expect(pre.header('allow')).toBe('PUT');
      expect(pre.corsHeaderNames()).toEqual([]);
      const put = await rawRequest(base, 'PUT', '/alone', [['Origin', APP]]);
      expect(put.header('access-control-allow-origin')).toBe(APP);
      expect(seen).toEqual(['PUT /alone']);
    });
  });
}
