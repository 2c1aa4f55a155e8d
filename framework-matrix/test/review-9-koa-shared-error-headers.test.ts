// Review finding 9: the same error object thrown by two concurrent requests, through a middleware before cors that
// awaits before rethrowing, carried the second request's CORS headers onto the first response. Nothing is written
// onto the error any more; each response gets its own decision's headers when its head is written.
import { afterEach, describe, expect, it } from 'vitest';
import { cors } from '@cors/koa';
import { rawRequest } from '../src/raw-http.js';
import { listenKoa, loadKoa } from '../src/servers/koa.js';
import type { RunningServer } from '../src/types.js';

const A = 'https://a.example.com';
const B = 'https://b.example.com';

for (const major of [2, 3]) {
  describe(`review-9-koa-shared-error-headers on koa ${major}`, () => {
    let running: RunningServer | undefined;
    afterEach(async () => {
      await running?.close();
      running = undefined;
    });

    it('two concurrent requests that throw one shared error each get their own CORS headers', async () => {
      const Koa = loadKoa(major);
      const app = new Koa();
      const shared = Object.assign(new Error('maintenance'), { status: 503, expose: true, headers: { 'Retry-After': '60', 'Access-Control-Allow-Origin': '*' } });
      let arrived = 0;
      let releaseBoth!: () => void;
      const bothThrown = new Promise<void>((resolve) => (releaseBoth = resolve));
      app.use(async (_ctx: any, next: () => Promise<unknown>) => {
        try {
          await next();
        } catch (error) {
          // Waits until both requests have thrown before rethrowing, as a logging middleware might.
          if (++arrived === 2) releaseBoth();
          await bothThrown;
          throw error;
        }
      });
      app.use(cors({ origin: [A, B], credentials: true }));
      app.use(() => {
        throw shared;
      });
      running = await listenKoa(app);
      const [fromA, fromB] = await Promise.all([
        rawRequest(running.url, 'GET', '/', [['Origin', A]]),
        rawRequest(running.url, 'GET', '/', [['Origin', B]]),
      ]);
      for (const [reply, origin] of [[fromA, A], [fromB, B]] as const) {
        expect(reply.status).toBe(503);
        expect(reply.header('retry-after')).toBe('60');
        expect(reply.header('access-control-allow-origin')).toBe(origin);
        expect(reply.header('access-control-allow-credentials')).toBe('true');
        expect(reply.header('vary')).toBe('Origin');
      }
      expect(shared.headers).toEqual({ 'Retry-After': '60', 'Access-Control-Allow-Origin': '*' });
    });
  });
}
