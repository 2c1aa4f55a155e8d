// Review finding 6: stacked policies added up instead of the nearer one governing. An app-wide policy for a and b
// with credentials, and an admin router with a policy for b only: the router's policy now decides /admin alone,
// on actual requests and on preflights.
import { afterEach, describe, expect, it } from 'vitest';
import Router from '@koa/router';
import { cors as expressCors } from '@cors/express';
import { cors as koaCors } from '@cors/koa';
import type { CorsOptions, RefusalReason } from '@cors/core';
import { rawRequest, type RawResponse } from '../src/raw-http.js';
import { expressOf, listenExpress, type ExpressRequest, type ExpressResponse } from '../src/servers/express.js';
import { listenKoa, loadKoa } from '../src/servers/koa.js';
import type { RunningServer } from '../src/types.js';

const A = 'https://a.example.com';
const B = 'https://b.example.com';
const appWide: CorsOptions = { origin: [A, B], credentials: true, methods: ['GET', 'POST', 'DELETE'] };
const adminOnly = (refused: RefusalReason[]): CorsOptions => ({ origin: [B], credentials: true, methods: ['GET', 'DELETE'], onRefused: (r) => refused.push(r) });
const preflight = (origin: string, method: string): Array<[string, string]> => [
  ['Origin', origin],
  ['Access-Control-Request-Method', method],
];
const corsNames = (reply: RawResponse) => reply.corsHeaderNames();

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function expectNearestGoverns(base: string, refused: RefusalReason[], seen: string[]): Promise<void> {
  const secret = await rawRequest(base, 'GET', '/admin/secret', [['Origin', A]]);
  expect(secret.status).toBe(200);
  expect(corsNames(secret)).toEqual([]);
  expect(refused.map((r) => r.code)).toContain('origin-not-allowed');

  const deleteFromA = await rawRequest(base, 'OPTIONS', '/admin/secret', preflight(A, 'DELETE'));
  expect(deleteFromA.status).toBe(403);
  expect(corsNames(deleteFromA)).toEqual([]);

  const deleteFromB = await rawRequest(base, 'OPTIONS', '/admin/secret', preflight(B, 'DELETE'));
  expect(deleteFromB.status).toBe(204);
  expect(deleteFromB.header('access-control-allow-methods')).toBe('GET, DELETE');

  // Outside the router the app-wide policy still governs.
  const outside = await rawRequest(base, 'OPTIONS', '/public', preflight(A, 'POST'));
  expect(outside.status).toBe(204);
  expect((await rawRequest(base, 'GET', '/public', [['Origin', A]])).header('access-control-allow-origin')).toBe(A);
  expect(seen.filter((line) => line.startsWith('OPTIONS'))).toEqual([]);
}

async function expectStarUnderCredentials(base: string): Promise<void> {
  const reply = await rawRequest(base, 'GET', '/open/data', [['Origin', A]]);
  expect(reply.header('access-control-allow-origin')).toBe('*');
  expect(reply.header('access-control-allow-credentials')).toBeUndefined();
}

for (const major of [4, 5]) {
  describe(`review-6-stacked-policies-add-up on express ${major}`, () => {
    const express = expressOf(major);
    const build = (refused: RefusalReason[], seen: string[]) => {
      const app = express();
      app.use(expressCors(appWide));
      const admin = express.Router();
      admin.use(expressCors(adminOnly(refused)));
      admin.get('/secret', (req: ExpressRequest, res: ExpressResponse) => {
        seen.push(`${req.method} /admin/secret`);
        res.send('secret');
      });
      admin.delete('/secret', (req: ExpressRequest, res: ExpressResponse) => {
        seen.push(`${req.method} /admin/secret`);
        res.send('deleted');
      });
      app.use('/admin', admin);
      const open = express.Router();
      open.use(expressCors({ origin: '*' }));
      open.get('/data', (_req: ExpressRequest, res: ExpressResponse) => {
        res.send('data');
      });
      app.use('/open', open);
      app.get('/public', (_req: ExpressRequest, res: ExpressResponse) => {
        res.send('public');
      });
      return app;
    };

    it('a Router policy decides its routes alone, actual requests and preflights', async () => {
      const refused: RefusalReason[] = [];
      const seen: string[] = [];
      running = await listenExpress(build(refused, seen));
      await expectNearestGoverns(running.url, refused, seen);
    });

    it("a router with origin '*' under a credentialed app sends * without Allow-Credentials", async () => {
      running = await listenExpress(build([], []));
      await expectStarUnderCredentials(running.url);
    });

    it('a policy on the route itself governs that route’s preflight too', async () => {
      const app = express();
      app.use(expressCors(appWide));
      app.delete('/admin/secret', expressCors(adminOnly([])), (_req: ExpressRequest, res: ExpressResponse) => {
        res.send('deleted');
      });
      running = await listenExpress(app);
      expect((await rawRequest(running.url, 'OPTIONS', '/admin/secret', preflight(A, 'DELETE'))).status).toBe(403);
      expect((await rawRequest(running.url, 'OPTIONS', '/admin/secret', preflight(B, 'DELETE'))).status).toBe(204);
    });

    it('a sub-app’s policy replaces the app-wide answer on its actual requests', async () => {
      const app = express();
      app.use(expressCors(appWide));
      const sub = express();
      sub.use(expressCors(adminOnly([])));
      sub.get('/secret', (_req: ExpressRequest, res: ExpressResponse) => {
        res.send('secret');
      });
      app.use('/admin', sub);
      running = await listenExpress(app);
      const reply = await rawRequest(running.url, 'GET', '/admin/secret', [['Origin', A]]);
      expect(corsNames(reply)).toEqual([]);
    });
  });
}

for (const major of [2, 3]) {
  describe(`review-6-stacked-policies-add-up on koa ${major}`, () => {
    const Koa = loadKoa(major);
    const build = (refused: RefusalReason[], seen: string[]) => {
      const app = new Koa();
      app.use(koaCors(appWide));
      const router = new Router();
      const admin = new Router({ prefix: '/admin' });
      admin.use(koaCors(adminOnly(refused)));
      admin.get('/secret', (ctx: any) => {
        seen.push(`${ctx.method} /admin/secret`);
        ctx.body = 'secret';
      });
      admin.delete('/secret', (ctx: any) => {
        seen.push(`${ctx.method} /admin/secret`);
        ctx.body = 'deleted';
      });
      const open = new Router({ prefix: '/open' });
      open.use(koaCors({ origin: '*' }));
      open.get('/data', (ctx: any) => {
        ctx.body = 'data';
      });
      router.get('/public', (ctx: any) => {
        ctx.body = 'public';
      });
      app.use(admin.routes());
      app.use(open.routes());
      app.use(router.routes());
      return app;
    };

    it('a router policy decides its routes alone, actual requests and preflights', async () => {
      const refused: RefusalReason[] = [];
      const seen: string[] = [];
      running = await listenKoa(build(refused, seen));
      await expectNearestGoverns(running.url, refused, seen);
    });

    it("a router with origin '*' under a credentialed app sends * without Allow-Credentials", async () => {
      running = await listenKoa(build([], []));
      await expectStarUnderCredentials(running.url);
    });
  });
}
