import { describe, it, expect } from 'vitest';
import type Koa from 'koa';
import { cors } from '../src/index.js';
import { APP, OTHER, preflight, rawRequest, serve } from './support.js';

type Middleware = Koa.Middleware;

/** `upstream` runs before cors, `downstream` after it (then the handler answers `ok`). */
async function varyOf(
  { upstream, downstream, origin = APP }: { upstream?: Middleware; downstream?: Middleware; origin?: string },
  request: { method?: string; headers?: Array<[string, string]> } = {},
) {
  const served = await serve((app) => {
    if (upstream) app.use(upstream);
    app.use(cors({ origin: [APP] }));
    if (downstream) app.use(downstream);
    app.use((ctx) => {
      ctx.body = 'ok';
    });
  });
  const res = await rawRequest(served.url, request.method ?? 'GET', '/', request.headers ?? [['Origin', origin]]);
  // No case below may turn into a server error.
  expect(res.status).toBeLessThan(500);
  return res.headers.get('vary');
}

const setBefore = (value: string): Middleware => (ctx, next) => {
  ctx.set('Vary', value);
  return next();
};
const setAfter = (value: string): Middleware => async (ctx, next) => {
  await next();
  ctx.set('Vary', value);
};

describe('Vary', () => {
  it('is Origin when nothing else sets it, for allowed, refused and Origin-less requests', async () => {
    expect(await varyOf({})).toEqual(['Origin']);
    expect(await varyOf({ origin: OTHER })).toEqual(['Origin']);
    expect(await varyOf({}, { headers: [] })).toEqual(['Origin']);
  });

  it('merges with a Vary set upstream before cors runs', async () => {
    expect(await varyOf({ upstream: setBefore('Accept-Encoding') })).toEqual(['Accept-Encoding, Origin']);
  });

  it('is merged back in before upstream middleware that awaited next() looks at it', async () => {
    const seen: unknown[] = [];
    const look: Middleware = async (ctx, next) => {
      await next();
      seen.push(ctx.response.get('Vary'));
    };
    expect(await varyOf({ upstream: look, downstream: setBefore('Accept') })).toEqual(['Accept, Origin']);
    expect(await varyOf({ upstream: look, downstream: setAfter('Cookie'), origin: OTHER })).toEqual(['Cookie, Origin']);
    expect(seen).toEqual(['Accept, Origin', 'Cookie, Origin']);
  });

  it('survives downstream overwriting Vary with ctx.set', async () => {
    expect(await varyOf({ downstream: setBefore('Accept-Encoding') })).toEqual(['Accept-Encoding, Origin']);
    expect(await varyOf({ downstream: setBefore('Accept-Encoding') }, { headers: [] })).toEqual(['Accept-Encoding, Origin']);
    expect(await varyOf({ downstream: setAfter('Accept-Language') })).toEqual(['Accept-Language, Origin']);
  });

  it('is never repeated, whatever the case or the order', async () => {
    expect(await varyOf({ upstream: setBefore('origin') })).toEqual(['origin']);
    expect(await varyOf({ upstream: setBefore('Accept, Origin') })).toEqual(['Accept, Origin']);
    expect(await varyOf({ downstream: setBefore('ORIGIN, Accept') })).toEqual(['ORIGIN, Accept']);
    const appended: Middleware = (ctx, next) => {
      ctx.vary('Accept-Encoding');
      ctx.vary('Origin');
      return next();
    };
    expect(await varyOf({ downstream: appended })).toEqual(['Origin, Accept-Encoding']);
  });

  it('leaves Vary: * alone, set before or after', async () => {
    expect(await varyOf({ upstream: setBefore('*') })).toEqual(['*']);
    expect(await varyOf({ downstream: setBefore('*') })).toEqual(['*']);
    expect(await varyOf({ downstream: setAfter('*') })).toEqual(['*']);
  });

  it('is kept when downstream removes it', async () => {
    const remove: Middleware = async (ctx, next) => {
      await next();
      ctx.remove('Vary');
    };
    expect(await varyOf({ downstream: remove })).toEqual(['Origin']);
  });

  it('merges on preflights too', async () => {
    expect(await varyOf({ upstream: setBefore('Accept-Encoding') }, { method: 'OPTIONS', headers: preflight(APP, 'GET') })).toEqual([
      'Accept-Encoding, Origin',
    ]);
    expect(await varyOf({ upstream: setBefore('*') }, { method: 'OPTIONS', headers: preflight(OTHER, 'GET') })).toEqual(['*']);
  });

  it("is not added by a '*' policy, and an existing one is untouched", async () => {
    const served = await serve((app) => {
      app.use(cors({ origin: '*' }));
      app.use((ctx) => {
        if (ctx.path === '/accept') ctx.set('Vary', 'Accept');
        ctx.body = 'ok';
      });
    });
    expect((await rawRequest(served.url, 'GET', '/', [['Origin', OTHER]])).header('vary')).toBeUndefined();
    expect((await rawRequest(served.url, 'GET', '/accept', [['Origin', OTHER]])).headers.get('vary')).toEqual(['Accept']);
  });

  it('does not fail once downstream has already sent the headers', async () => {
    const served = await serve((app) => {
      app.use(cors({ origin: APP }));
      app.use((ctx) => {
        // Take over the response, as a proxy or an event stream does.
        ctx.respond = false;
        ctx.res.setHeader('Vary', 'Accept');
        ctx.res.writeHead(200, { 'Content-Type': 'text/plain' });
        ctx.res.end('raw');
      });
    });
    const res = await rawRequest(served.url, 'GET', '/', [['Origin', APP]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('raw');
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(served.errors).toEqual([]);

    const flushed = await serve((app) => {
      app.use(cors({ origin: APP }));
      app.use((ctx) => {
        ctx.set('Vary', 'Accept');
        ctx.body = 'streamed';
        ctx.flushHeaders();
      });
    });
    const streamed = await rawRequest(flushed.url, 'GET', '/', [['Origin', APP]]);
    expect(streamed.status).toBe(200);
    expect(streamed.body).toBe('streamed');
    expect(streamed.header('access-control-allow-origin')).toBe(APP);
    expect(flushed.errors).toEqual([]);
  });
});
