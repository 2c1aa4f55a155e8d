// An async decision that completes after someone else answered the response writes nothing, on every adapter
// built on @cors/node: one rule (isAnswered / writeLateDecision), not one per adapter.
import { afterEach, describe, expect, it } from 'vitest';
import { cors as expressCors } from '@cors/express';
import { cors as koaCors } from '@cors/koa';
import type { CorsOptions } from '@cors/core';
import { rawRequest } from '../src/raw-http.js';
import { expressOf, listenExpress, type ExpressRequest, type ExpressResponse } from '../src/servers/express.js';
import { listenKoa, loadKoa } from '../src/servers/koa.js';
import type { RunningServer } from '../src/types.js';

const TENANT = 'https://tenant.example.com';
const slowValidator = (): CorsOptions => ({ origin: [async (o: string) => (await new Promise((r) => setTimeout(r, 80)), o === TENANT)] });
const errors: unknown[] = [];
const record = (error: unknown) => errors.push(error);

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  process.off('uncaughtException', record);
  errors.length = 0;
});

async function expectAnsweredByOther(reached: string[]): Promise<void> {
  process.on('uncaughtException', record);
  const reply = await rawRequest(running!.url, 'GET', '/', [['Origin', TENANT]]);
  expect(reply.status).toBe(503);
  expect(reply.body).toBe('timed out');
  expect(reply.corsHeaderNames()).toEqual([]);
  await new Promise((r) => setTimeout(r, 150));
  expect(reached).toEqual([]);
  expect(errors).toEqual([]);
}

for (const major of [4, 5]) {
  describe(`express ${major}: a late decision after a timeout answered`, () => {
    it('writes nothing and calls no handler', async () => {
      const express = expressOf(major);
      const app = express();
      const reached: string[] = [];
      app.use((_req: ExpressRequest, res: ExpressResponse, next: () => void) => {
        setTimeout(() => {
          res.statusCode = 503;
          res.end('timed out');
        }, 20);
        next();
      });
      app.use(expressCors(slowValidator()));
      app.get('/', (_req: ExpressRequest, res: ExpressResponse) => {
        reached.push('handler');
        res.send('late');
      });
      running = await listenExpress(app);
      await expectAnsweredByOther(reached);
    });
  });
}

for (const major of [2, 3]) {
  describe(`koa ${major}: a late decision after a timeout answered`, () => {
    it('writes nothing and runs nothing downstream', async () => {
      const Koa = loadKoa(major);
      const app = new Koa();
      const reached: string[] = [];
      app.use(async (ctx: any, next: () => Promise<unknown>) => {
        setTimeout(() => {
          ctx.res.statusCode = 503;
          ctx.res.end('timed out');
        }, 20);
        await next();
      });
      app.use(koaCors(slowValidator()));
      app.use((ctx: any) => {
        reached.push('downstream');
        ctx.body = 'late';
      });
      running = await listenKoa(app);
      await expectAnsweredByOther(reached);
    });
  });
}
