import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import Router, { type RouterContext } from '@koa/router';
import { cors } from '@cors/koa';
import { expectAllowedPreflight, expectRefusedPreflight, preflight } from '../src/preflight-assertions.js';
import { rawRequest } from '../src/raw-http.js';
import { listenKoa, loadKoa, type KoaApp } from '../src/servers/koa.js';
import type { RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';

/** Writes `requests` on one connection and returns everything read until the server closes it. */
function pipeline(baseUrl: string, requests: string[]): Promise<string> {
  const { port, hostname } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(requests.join('')));
    let received = '';
    socket.setTimeout(3000, () => socket.destroy(new Error(`no close after: ${JSON.stringify(received)}`)));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
}

/** A route handler that records what reached it and answers `body`. */
const answer =
  (seen: string[], body: string) =>
  (ctx: RouterContext): void => {
    seen.push(`${ctx.method} ${ctx.path}`);
    ctx.body = body;
  };

for (const major of [2, 3]) {
  describe(`koa ${major}: routers and per-route policies`, () => {
    const Koa = loadKoa(major);
    let running: RunningServer | undefined;
    afterEach(async () => {
      await running?.close();
      running = undefined;
    });

    async function start(app: KoaApp): Promise<string> {
      running = await listenKoa(app);
      return running.url;
    }

    function newApp(): KoaApp {
      const app = new Koa();
      app.silent = true;
      return app;
    }

    it('router-level: router.use(c) plus router.options("{/*rest}", c) governs the routes and their preflights, nothing outside', async () => {
      const seen: string[] = [];
      const api = new Router({ prefix: '/api' });
      const apiCors = cors({ origin: APP, methods: ['GET', 'PUT'], allowedHeaders: ['content-type'], credentials: true });
      api.use(apiCors);
      api.options('{/*rest}', apiCors);
      api.get('/items', answer(seen, 'items'));
      api.put('/items/:id', answer(seen, 'put'));
      api.get('/fail', (ctx) => ctx.throw(418));
      api.options('/own', (ctx) => {
        seen.push('own OPTIONS');
        ctx.set('X-Own-Options', 'yes');
        ctx.body = 'own';
      });
      const site = new Router();
      site.get('/public', answer(seen, 'public'));
      const app = newApp();
      app.use(api.routes()).use(api.allowedMethods()).use(site.routes()).use(site.allowedMethods());
      const url = await start(app);

      const allowed = await rawRequest(url, 'OPTIONS', '/api/items/7', preflight(APP, 'PUT', [['Access-Control-Request-Headers', 'Content-Type']]));
      expectAllowedPreflight(allowed, APP, 'GET, PUT');
      expect(allowed.header('access-control-allow-credentials')).toBe('true');
      expect(allowed.header('access-control-allow-headers')).toBe('content-type');
      expectRefusedPreflight(await rawRequest(url, 'OPTIONS', '/api/items/7', preflight(ADMIN, 'PUT')));
      expectRefusedPreflight(await rawRequest(url, 'OPTIONS', '/api/items', preflight(APP, 'DELETE')));
      // A preflight for a path the router does not know is answered by the router's policy too.
      expectAllowedPreflight(await rawRequest(url, 'OPTIONS', '/api/later', preflight(APP, 'GET')), APP, 'GET, PUT');
      expect(seen).toEqual([]);

      const get = await rawRequest(url, 'GET', '/api/items', [['Origin', APP]]);
      expect(get.status).toBe(200);
      expect(get.body).toBe('items');
      expect(get.header('access-control-allow-origin')).toBe(APP);
      expect(get.header('access-control-allow-credentials')).toBe('true');
      expect(get.header('vary')).toBe('Origin');
      const refused = await rawRequest(url, 'PUT', '/api/items/7', [['Origin', ADMIN]]);
      expect(refused.status).toBe(200);
      expect(refused.body).toBe('put');
      expect(refused.corsHeaderNames()).toEqual([]);
      expect(refused.header('vary')).toBe('Origin');

      const failed = await rawRequest(url, 'GET', '/api/fail', [['Origin', APP]]);
      expect(failed.status).toBe(418);
      expect(failed.header('access-control-allow-origin')).toBe(APP);
      expect(failed.header('vary')).toBe('Origin');

      // OPTIONS that is not a preflight reaches the route's own handler, with the actual-request headers.
      const own = await rawRequest(url, 'OPTIONS', '/api/own', [['Origin', APP]]);
      expect(own.status).toBe(200);
      expect(own.body).toBe('own');
      expect(own.header('x-own-options')).toBe('yes');
      expect(own.header('access-control-allow-origin')).toBe(APP);
      expect(own.header('access-control-allow-methods')).toBeUndefined();
      // ... and elsewhere reaches allowedMethods().
      const allow = await rawRequest(url, 'OPTIONS', '/api/items', [['Origin', APP]]);
      expect(allow.status).toBe(200);
      expect(allow.header('allow')).toContain('GET');
      expect(allow.header('access-control-allow-origin')).toBe(APP);
      expect(seen).toEqual(['GET /api/items', 'PUT /api/items/7', 'own OPTIONS']);

      // Routes outside the router get nothing, preflights included.
      const outside = await rawRequest(url, 'GET', '/public', [['Origin', APP]]);
      expect(outside.status).toBe(200);
      expect(outside.corsHeaderNames()).toEqual([]);
      expect(outside.header('vary')).toBeUndefined();
      const outsidePreflight = await rawRequest(url, 'OPTIONS', '/public', preflight(APP, 'GET'));
      expect(outsidePreflight.corsHeaderNames()).toEqual([]);
    });

    it('router.use alone, with or without a path, never sees a preflight: @koa/router runs it only when a route matches the method', async () => {
      const seen: string[] = [];
      const router = new Router();
      const policy = cors({ origin: APP, methods: ['PUT'] });
      router.use(policy);
      router.use('/things', policy);
      router.put('/items', answer(seen, 'put'));
      router.put('/things', answer(seen, 'put'));
      const app = newApp();
      app.use(router.routes()).use(router.allowedMethods());
      const url = await start(app);

      for (const path of ['/items', '/things']) {
        const missed = await rawRequest(url, 'OPTIONS', path, preflight(APP, 'PUT'));
        // allowedMethods() answers it as a plain OPTIONS: no CORS headers, so the browser fails the call.
        expect(missed.status).toBe(200);
        expect(missed.header('allow')).toContain('PUT');
        expect(missed.corsHeaderNames()).toEqual([]);
        const actual = await rawRequest(url, 'PUT', path, [['Origin', APP]]);
        expect(actual.header('access-control-allow-origin')).toBe(APP);
      }
    });

    it('per route: router.options(path, c) and router.put(path, c, handler) give the route and its preflight their own policy', async () => {
      const seen: string[] = [];
      const router = new Router();
      const uploads = cors({ origin: APP, methods: ['PUT'], allowedHeaders: ['content-type'] });
      router.options('/upload', uploads);
      router.put('/upload', uploads, (ctx) => {
        if (ctx.query.fail) ctx.throw(418);
        seen.push('PUT /upload');
        ctx.body = 'uploaded';
      });
      const reports = cors({ origin: ADMIN, methods: ['POST'], credentials: true });
      router.options('/reports/:id', reports);
      router.post('/reports/:id', reports, answer(seen, 'report'));
      router.get('/open', answer(seen, 'open'));
      const app = newApp();
      app.use(router.routes()).use(router.allowedMethods());
      const url = await start(app);

      const upload = await rawRequest(url, 'OPTIONS', '/upload', preflight(APP, 'PUT', [['Access-Control-Request-Headers', 'content-type']]));
      expectAllowedPreflight(upload, APP, 'PUT');
      expect(upload.header('access-control-allow-headers')).toBe('content-type');
      expect(upload.header('access-control-allow-credentials')).toBeUndefined();
      expectRefusedPreflight(await rawRequest(url, 'OPTIONS', '/upload', preflight(ADMIN, 'PUT')));
      expectRefusedPreflight(await rawRequest(url, 'OPTIONS', '/upload', preflight(APP, 'POST')));
      expectRefusedPreflight(await rawRequest(url, 'OPTIONS', '/upload', preflight(APP, 'PUT', [['Access-Control-Request-Headers', 'x-secret']])));
      const report = await rawRequest(url, 'OPTIONS', '/reports/9', preflight(ADMIN, 'POST'));
      expectAllowedPreflight(report, ADMIN, 'POST');
      expect(report.header('access-control-allow-credentials')).toBe('true');
      expectRefusedPreflight(await rawRequest(url, 'OPTIONS', '/reports/9', preflight(APP, 'POST')));
      expect(seen).toEqual([]);

      const put = await rawRequest(url, 'PUT', '/upload', [['Origin', APP]]);
      expect(put.status).toBe(200);
      expect(put.body).toBe('uploaded');
      expect(put.header('access-control-allow-origin')).toBe(APP);
      const wrongRoute = await rawRequest(url, 'PUT', '/upload', [['Origin', ADMIN]]);
      expect(wrongRoute.body).toBe('uploaded');
      expect(wrongRoute.corsHeaderNames()).toEqual([]);
      expect(wrongRoute.header('vary')).toBe('Origin');
      const post = await rawRequest(url, 'POST', '/reports/9', [['Origin', ADMIN]]);
      expect(post.body).toBe('report');
      expect(post.header('access-control-allow-origin')).toBe(ADMIN);
      expect(post.header('access-control-allow-credentials')).toBe('true');

      const failed = await rawRequest(url, 'PUT', '/upload?fail=1', [['Origin', APP]]);
      expect(failed.status).toBe(418);
      expect(failed.header('access-control-allow-origin')).toBe(APP);
      expect(failed.header('vary')).toBe('Origin');

      // Routes without a policy get nothing; the router's 405 for other methods is unchanged.
      const open = await rawRequest(url, 'GET', '/open', [['Origin', APP]]);
      expect(open.body).toBe('open');
      expect(open.corsHeaderNames()).toEqual([]);
      expect(open.header('vary')).toBeUndefined();
      expect((await rawRequest(url, 'OPTIONS', '/open', preflight(APP, 'GET'))).corsHeaderNames()).toEqual([]);
      const notAllowed = await rawRequest(url, 'DELETE', '/upload', [['Origin', APP]]);
      expect(notAllowed.status).toBe(405);
      expect(notAllowed.header('allow')).toBe('OPTIONS, PUT');
      expect(seen).toEqual(['PUT /upload', 'PUT /upload', 'POST /reports/9', 'GET /open']);
    });

    it('per route: router.all(path, c) before the handlers also governs the preflight, for every method of the path', async () => {
      const seen: string[] = [];
      const router = new Router();
      router.all('/jobs', cors({ origin: APP, methods: ['POST', 'DELETE'] }));
      router.post('/jobs', answer(seen, 'queued'));
      router.delete('/jobs', answer(seen, 'cleared'));
      const app = newApp();
      app.use(router.routes()).use(router.allowedMethods());
      const url = await start(app);

      expectAllowedPreflight(await rawRequest(url, 'OPTIONS', '/jobs', preflight(APP, 'DELETE')), APP, 'POST, DELETE');
      expectRefusedPreflight(await rawRequest(url, 'OPTIONS', '/jobs', preflight(ADMIN, 'POST')));
      const post = await rawRequest(url, 'POST', '/jobs', [['Origin', APP]]);
      expect(post.body).toBe('queued');
      expect(post.header('access-control-allow-origin')).toBe(APP);
      const del = await rawRequest(url, 'DELETE', '/jobs', [['Origin', APP]]);
      expect(del.body).toBe('cleared');
      expect(del.header('access-control-allow-origin')).toBe(APP);
      // The catch-all route makes every method "match": a method with no handler is Koa's 404, not a 405.
      const get = await rawRequest(url, 'GET', '/jobs', [['Origin', APP]]);
      expect(get.status).toBe(404);
      expect(get.header('access-control-allow-origin')).toBe(APP);
      expect(seen).toEqual(['POST /jobs', 'DELETE /jobs']);
    });

    it("per route, what Koa's respond and onerror do differently across majors: empty non-204 preflights, error headers", async () => {
      const router = new Router();
      const legacy = cors({ origin: APP, preflightStatus: 200, credentials: true });
      router.options('/legacy', legacy);
      router.get('/legacy', legacy, (ctx) => {
        if (ctx.query.status) ctx.throw(Number(ctx.query.status), { headers: { 'Retry-After': '5', Vary: 'Accept' } });
        throw new Error('boom');
      });
      const app = newApp();
      app.use(router.routes()).use(router.allowedMethods());
      const url = await start(app);

      const allowed = await rawRequest(url, 'OPTIONS', '/legacy', preflight(APP, 'GET'));
      expect(allowed.status).toBe(200);
      expect(allowed.body).toBe('');
      expect(allowed.header('content-length')).toBe('0');
      expect(allowed.header('content-type')).toBeUndefined();
      expect(allowed.header('access-control-allow-origin')).toBe(APP);
      const refused = await rawRequest(url, 'OPTIONS', '/legacy', preflight(ADMIN, 'GET'));
      expectRefusedPreflight(refused);
      expect(refused.header('content-type')).toBeUndefined();
      // On a kept-alive connection both answers must be delimited, or the second one is never read.
      const pipelined = await pipeline(url, [
        `OPTIONS /legacy HTTP/1.1\r\nHost: x\r\nOrigin: ${APP}\r\nAccess-Control-Request-Method: GET\r\n\r\n`,
        `OPTIONS /legacy HTTP/1.1\r\nHost: x\r\nOrigin: ${ADMIN}\r\nAccess-Control-Request-Method: GET\r\n\r\n`,
        `GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ]);
      expect(pipelined.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 403', 'HTTP/1.1 404']);

      const crashed = await rawRequest(url, 'GET', '/legacy', [['Origin', APP]]);
      expect(crashed.status).toBe(500);
      expect(crashed.header('access-control-allow-origin')).toBe(APP);
      expect(crashed.header('access-control-allow-credentials')).toBe('true');
      expect(crashed.header('vary')).toBe('Origin');
      const unavailable = await rawRequest(url, 'GET', '/legacy?status=503', [['Origin', APP]]);
      expect(unavailable.status).toBe(503);
      expect(unavailable.header('retry-after')).toBe('5');
      expect(unavailable.headers.get('vary')).toEqual(['Accept, Origin']);
      expect(unavailable.headers.get('access-control-allow-origin')).toEqual([APP]);
    });

    it('app.use(cors(c)) in front of the router governs every route and preflight, with allowedMethods() behind it', async () => {
      const seen: string[] = [];
      const router = new Router();
      router.get('/items', answer(seen, 'items'));
      router.options('/items', (ctx) => {
        seen.push('own OPTIONS');
        ctx.body = 'own';
      });
      const app = newApp();
      app.use(cors({ origin: APP, methods: ['GET', 'PATCH'] }));
      app.use(router.routes()).use(router.allowedMethods());
      const url = await start(app);

      expectAllowedPreflight(await rawRequest(url, 'OPTIONS', '/items', preflight(APP, 'PATCH')), APP, 'GET, PATCH');
      expectAllowedPreflight(await rawRequest(url, 'OPTIONS', '/nowhere', preflight(APP, 'GET')), APP, 'GET, PATCH');
      expect(seen).toEqual([]);
      const own = await rawRequest(url, 'OPTIONS', '/items', [['Origin', APP]]);
      expect(own.body).toBe('own');
      expect(own.header('access-control-allow-origin')).toBe(APP);
      const notAllowed = await rawRequest(url, 'DELETE', '/items', [['Origin', APP]]);
      expect(notAllowed.status).toBe(405);
      expect(notAllowed.header('access-control-allow-origin')).toBe(APP);
      expect(notAllowed.header('vary')).toBe('Origin');
      const missing = await rawRequest(url, 'GET', '/nowhere', [['Origin', APP]]);
      expect(missing.status).toBe(404);
      expect(missing.header('access-control-allow-origin')).toBe(APP);
      expect(seen).toEqual(['own OPTIONS']);
    });
  });
}
