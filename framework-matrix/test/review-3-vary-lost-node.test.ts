// Review finding 3 (Koa, Express, node:http): Vary: Origin was lost while Access-Control-Allow-Origin is per
// origin, so a shared cache could serve one origin's answer to another. The merge now happens where Node writes
// the head, whoever writes Vary and however late.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cors as expressCors } from '@cors/express';
import { cors as koaCors } from '@cors/koa';
import { withCors } from '@cors/node';
import { rawRequest } from '../src/raw-http.js';
import { expressOf, listenExpress, type ExpressRequest, type ExpressResponse } from '../src/servers/express.js';
import { listenKoa, loadKoa } from '../src/servers/koa.js';
import type { RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function varyOf(path = '/'): Promise<string | undefined> {
  const reply = await rawRequest(running!.url, 'GET', path, [['Origin', APP]]);
  expect(reply.header('access-control-allow-origin')).toBe(APP);
  return reply.header('vary');
}

for (const major of [2, 3]) {
  describe(`review-3-vary-lost on koa ${major}`, () => {
    const Koa = loadKoa(major);

    it('ctx.flushHeaders() after ctx.set("Vary", "Accept")', async () => {
      const app = new Koa();
      app.use(koaCors({ origin: APP }));
      app.use((ctx: any) => {
        ctx.set('Vary', 'Accept');
        ctx.flushHeaders();
        ctx.body = 'ok';
      });
      running = await listenKoa(app);
      expect(await varyOf()).toBe('Accept, Origin');
    });

    it('ctx.respond = false and Vary written through ctx.res.writeHead', async () => {
      const app = new Koa();
      app.use(koaCors({ origin: APP }));
      app.use((ctx: any) => {
        ctx.respond = false;
        ctx.res.writeHead(200, { Vary: 'Accept' });
        ctx.res.end('raw');
      });
      running = await listenKoa(app);
      expect(await varyOf()).toBe('Accept, Origin');
    });

    it('a middleware registered before cors sets Vary after await next()', async () => {
      const app = new Koa();
      app.use(async (ctx: any, next: () => Promise<unknown>) => {
        await next();
        ctx.set('Vary', 'Accept-Language');
      });
      app.use(koaCors({ origin: APP }));
      app.use((ctx: any) => {
        ctx.body = 'ok';
      });
      running = await listenKoa(app);
      expect(await varyOf()).toBe('Accept-Language, Origin');
    });
  });
}

for (const major of [4, 5]) {
  describe(`review-3-vary-lost on express ${major}`, () => {
    it('on the first request after start-up, an earlier middleware wraps res.writeHead and replaces Vary', async () => {
      const express = expressOf(major);
      const app = express();
      app.use((_req: ExpressRequest, res: ExpressResponse, next: () => void) => {
        const writeHead = res.writeHead;
        res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
          this.setHeader('Vary', 'Accept');
          return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
        } as unknown as ExpressResponse['writeHead'];
        next();
      });
      app.use(expressCors({ origin: APP }));
      app.get('/', (_req: ExpressRequest, res: ExpressResponse) => {
        res.send('ok');
      });
      running = await listenExpress(app);
      expect(await varyOf()).toBe('Accept, Origin');
      expect(await varyOf()).toBe('Accept, Origin');
    });
  });
}

describe('review-3-vary-lost on node:http', () => {
  it('a listener that sets Vary through writeHead, appendHeader or after flushHeaders keeps Origin', async () => {
    const server = createServer(
      withCors({ origin: APP }, (req: IncomingMessage, res: ServerResponse) => {
        if (req.url === '/write-head') res.writeHead(200, { Vary: 'Accept' });
        else if (req.url === '/append') res.appendHeader('Vary', 'Accept');
        else {
          res.setHeader('Vary', 'Accept');
          res.flushHeaders();
        }
        res.end('ok');
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    running = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, port: 0, close: () => new Promise((r) => server.close(() => r())) };
    expect(await varyOf('/write-head')).toBe('Accept, Origin');
    expect(await varyOf('/append')).toBe('Origin, Accept');
    expect(await varyOf('/flush')).toBe('Accept, Origin');
  });
});
