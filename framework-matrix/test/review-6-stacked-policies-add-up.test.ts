// Review finding 6: stacked policies added up instead of the nearer one governing. An app-wide policy for a and b
// with credentials, and an admin router with a policy for b only: the router's policy now decides /admin alone,
// on actual requests and on preflights.
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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

    it('a route’s own policy inside a Router governs that route’s preflight', async () => {
      const app = express();
      app.use(expressCors(appWide));
      const admin = express.Router();
      admin.delete('/secret', expressCors(adminOnly([])), (_req: ExpressRequest, res: ExpressResponse) => {
        res.send('deleted');
      });
      app.use('/admin', admin);
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

    it('a sub-app’s policy decides its preflights, and an app-wide policy still covers a sub-app without one', async () => {
      const seen: string[] = [];
      const app = express();
      app.use(expressCors(appWide));
      const sub = express();
      sub.use(expressCors(adminOnly([])));
      sub.delete('/secret', (req: ExpressRequest, res: ExpressResponse) => {
        seen.push(`${req.method} /admin/secret`);
        res.send('deleted');
      });
      app.use('/admin', sub);
      const plain = express();
      plain.delete('/item', (_req: ExpressRequest, res: ExpressResponse) => {
        res.send('deleted');
      });
      app.use('/plain', plain);
      running = await listenExpress(app);

      const fromA = await rawRequest(running.url, 'OPTIONS', '/admin/secret', preflight(A, 'DELETE'));
      expect(fromA.status).toBe(403);
      expect(corsNames(fromA)).toEqual([]);
      const fromB = await rawRequest(running.url, 'OPTIONS', '/admin/secret', preflight(B, 'DELETE'));
      expect(fromB.status).toBe(204);
      expect(fromB.header('access-control-allow-methods')).toBe('GET, DELETE');
      expect(seen).toEqual([]);

      const plainFromA = await rawRequest(running.url, 'OPTIONS', '/plain/item', preflight(A, 'DELETE'));
      expect(plainFromA.status).toBe(204);
      expect(plainFromA.header('access-control-allow-origin')).toBe(A);
      expect(plainFromA.header('access-control-allow-methods')).toBe('GET, POST, DELETE');
    });

    it('inside a sub-app, a route’s own policy governs that route’s preflight', async () => {
      const app = express();
      const sub = express();
      sub.use(expressCors(appWide));
      sub.delete('/secret', expressCors(adminOnly([])), (_req: ExpressRequest, res: ExpressResponse) => {
        res.send('deleted');
      });
      const inner = express();
      inner.use(expressCors(adminOnly([])));
      inner.delete('/deep', (_req: ExpressRequest, res: ExpressResponse) => {
        res.send('deleted');
      });
      sub.use('/inner', inner);
      app.use('/admin', sub);
      running = await listenExpress(app);
      expect((await rawRequest(running.url, 'OPTIONS', '/admin/secret', preflight(A, 'DELETE'))).status).toBe(403);
      expect((await rawRequest(running.url, 'OPTIONS', '/admin/secret', preflight(B, 'DELETE'))).status).toBe(204);
      expect((await rawRequest(running.url, 'OPTIONS', '/admin/inner/deep', preflight(A, 'DELETE'))).status).toBe(403);
      expect((await rawRequest(running.url, 'OPTIONS', '/admin/inner/deep', preflight(B, 'DELETE'))).status).toBe(204);
    });
  });
}

// Without Node's inspector (here the permission model denies it) the sub-app cannot be read, and a preflight into
// it falls back to the outer policy: the plain fallback, proved to be the one taken.
describe('review-6-stacked-policies-add-up: a sub-app preflight without the inspector', () => {
  const flags = process.allowedNodeEnvironmentFlags;
  const permission = [flags.has('--permission') ? '--permission' : '--experimental-permission', '--allow-fs-read=*'];
  if (flags.has('--allow-net')) permission.push('--allow-net');
  const script = `
    import { createRequire } from 'node:module';
    import { once } from 'node:events';
    const require = createRequire(process.argv[1]);
    const express = require(process.argv[2]);
    const { cors } = require('@cors/express');
    const app = express();
    app.use(cors({ origin: ['${A}', '${B}'], credentials: true, methods: ['GET', 'POST', 'DELETE'] }));
    const sub = express();
    sub.use(cors({ origin: ['${B}'], credentials: true, methods: ['GET', 'DELETE'] }));
    sub.delete('/secret', (req, res) => res.send('deleted'));
    app.use('/admin', sub);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const reply = await fetch('http://127.0.0.1:' + server.address().port + '/admin/secret', {
      method: 'OPTIONS',
      headers: { origin: '${A}', 'access-control-request-method': 'DELETE' },
    });
    console.log(reply.status, reply.headers.get('access-control-allow-origin'));
    server.close();
  `;
  const here = fileURLToPath(import.meta.url);
  for (const name of ['express4', 'express5']) {
    it(`on ${name}, the outer policy answers, as before the sub-app look-up`, async () => {
      const { stdout } = await promisify(execFile)(process.execPath, [...permission, '--input-type=module', '-e', script, here, name]);
      expect(stdout.trim()).toBe(`204 ${A}`);
    });
  }
});

// In a fresh process, one policy from the package's ESM build and one from its CommonJS build: the outer one
// still finds the nearer one (the look-up is skipped only while a single cors() exists, counted across copies).
describe('review-6-stacked-policies-add-up: policies from the ESM and CommonJS copies of a package', () => {
  const here = fileURLToPath(import.meta.url);
  // Run from the matrix's folder, where the static imports of the script resolve.
  const run = (script: string) => promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, here], { cwd: dirname(dirname(here)) });
  // Ends each script: serves its `app`, asks for a DELETE preflight from A, prints the status.
  const askPreflightFromA = `
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const reply = await fetch('http://127.0.0.1:' + server.address().port + '/admin/secret', {
      method: 'OPTIONS',
      headers: { origin: '${A}', 'access-control-request-method': 'DELETE' },
    });
    console.log(reply.status);
    server.close();`;
  const appWideOptions = `{ origin: ['${A}', '${B}'], credentials: true, methods: ['GET', 'POST', 'DELETE'] }`;
  const adminOptions = `{ origin: ['${B}'], credentials: true, methods: ['GET', 'DELETE'] }`;

  it('on express 5', async () => {
    const { stdout } = await run(`
      import { createRequire } from 'node:module';
      import { once } from 'node:events';
      import { cors as esmCors } from '@cors/express';
      const require = createRequire(process.argv[1]);
      const express = require('express5');
      const { cors: cjsCors } = require('@cors/express');
      if (esmCors === cjsCors) throw new Error('one copy only');
      const app = express();
      app.use(esmCors(${appWideOptions}));
      const admin = express.Router();
      admin.use(cjsCors(${adminOptions}));
      admin.delete('/secret', (req, res) => res.send('deleted'));
      app.use('/admin', admin);
      ${askPreflightFromA}
    `);
    expect(stdout.trim()).toBe('403');
  });

  it('on koa 3', async () => {
    const { stdout } = await run(`
      import { createRequire } from 'node:module';
      import { once } from 'node:events';
      import { cors as esmCors } from '@cors/koa';
      const require = createRequire(process.argv[1]);
      const Koa = require('koa3');
      const Router = require('@koa/router');
      const { cors: cjsCors } = require('@cors/koa');
      if (esmCors === cjsCors) throw new Error('one copy only');
      const app = new Koa();
      app.use(esmCors(${appWideOptions}));
      const admin = new Router({ prefix: '/admin' });
      admin.use(cjsCors(${adminOptions}));
      admin.delete('/secret', (ctx) => { ctx.body = 'deleted'; });
      app.use(admin.routes());
      ${askPreflightFromA}
    `);
    expect(stdout.trim()).toBe('403');
  });
});

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
