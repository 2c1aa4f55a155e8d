import { describe, it, expect } from 'vitest';
import type Koa from 'koa';
import { cors } from '../src/index.js';
import { APP, OTHER, rawRequest, serve } from './support.js';

const policy = { origin: APP, credentials: true, exposedHeaders: ['x-request-id'] };

/** cors, then a handler that runs `fail`; Koa's default error handling answers. */
async function failing(fail: Koa.Middleware, options: Parameters<typeof cors>[0] = policy) {
  return serve((app) => {
    app.use(cors(options));
    app.use(fail);
  });
}

describe('a downstream error', () => {
  it('keeps the CORS headers when a hand-written next throws instead of rejecting', async () => {
    const middleware = cors(policy);
    const served = await serve((app) => {
      app.use((ctx) =>
        middleware(ctx, () => {
          throw new Error('thrown by next');
        }),
      );
    });
    const res = await rawRequest(served.url, 'GET', '/', [['Origin', APP]]);
    expect(res.status).toBe(500);
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('vary')).toEqual(['Origin']);
    expect((served.errors[0] as Error).message).toBe('thrown by next');
  });

  it('goes on when a hand-written next returns no promise', async () => {
    const middleware = cors(policy);
    const served = await serve((app) => {
      app.use(async (ctx) => {
        await middleware(ctx, (() => {
          ctx.set('Vary', 'Accept');
          ctx.body = 'ok';
        }) as never);
      });
    });
    const res = await rawRequest(served.url, 'GET', '/', [['Origin', APP]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.header('vary')).toBe('Accept, Origin');
  });

  it('keeps the CORS headers and Vary on the 500 Koa answers', async () => {
    const served = await failing(() => {
      throw new Error('boom');
    });
    const res = await rawRequest(served.url, 'GET', '/', [['Origin', APP]]);
    expect(res.status).toBe(500);
    expect(res.body).toBe('Internal Server Error');
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('access-control-allow-credentials')).toBe('true');
    expect(res.header('access-control-expose-headers')).toBe('x-request-id');
    expect(res.headers.get('vary')).toEqual(['Origin']);
    expect(served.errors).toHaveLength(1);
    expect((served.errors[0] as Error).message).toBe('boom');
  });

  it('never carries one request\'s CORS answer to another through an error object thrown twice', async () => {
    const shared = Object.assign(new Error('maintenance'), { status: 503, expose: true, headers: { 'Retry-After': '30' } });
    const served = await failing(() => {
      throw shared;
    });
    const allowed = await rawRequest(served.url, 'GET', '/', [['Origin', APP]]);
    expect(allowed.status).toBe(503);
    expect(allowed.header('access-control-allow-origin')).toBe(APP);
    expect(allowed.header('retry-after')).toBe('30');
    for (const headers of [[['Origin', OTHER]], []] as Array<Array<[string, string]>>) {
      const res = await rawRequest(served.url, 'GET', '/', headers);
      expect(res.status).toBe(503);
      expect(res.corsHeaderNames()).toEqual([]);
      expect(res.header('retry-after')).toBe('30');
      expect(res.header('vary')).toBe('Origin');
    }
  });

  it('keeps the status of the error: ctx.throw(418) is still 418', async () => {
    const served = await failing((ctx) => ctx.throw(418, 'short and stout'));
    const res = await rawRequest(served.url, 'POST', '/', [['Origin', APP]]);
    expect(res.status).toBe(418);
    expect(res.body).toBe('short and stout');
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('vary')).toBe('Origin');
  });

  it('keeps the error\'s own headers, merging its Vary, without mutating its headers object', async () => {
    const shared = Object.freeze({ 'WWW-Authenticate': 'Basic realm="api"', vary: 'Accept' });
    const served = await failing(async (ctx) => {
      await Promise.resolve();
      ctx.throw(401, 'who are you', { headers: shared });
    });
    const res = await rawRequest(served.url, 'GET', '/', [['Origin', APP]]);
    expect(res.status).toBe(401);
    expect(res.header('www-authenticate')).toBe('Basic realm="api"');
    expect(res.headers.get('vary')).toEqual(['Accept, Origin']);
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(shared).toEqual({ 'WWW-Authenticate': 'Basic realm="api"', vary: 'Accept' });
  });

  it('takes the decision over CORS headers an error carries, whatever their case', async () => {
    const served = await failing((ctx) => ctx.throw(400, { headers: { 'access-control-allow-origin': 'https://evil.example', 'VARY': '*' } }));
    const res = await rawRequest(served.url, 'GET', '/', [['Origin', APP]]);
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toEqual([APP]);
    expect(res.headers.get('vary')).toEqual(['*']);
  });

  it('keeps Vary (and no Access-Control-* header) for a refused origin and for no Origin', async () => {
    const served = await failing(() => {
      throw new Error('boom');
    });
    for (const headers of [[['Origin', OTHER]], []] as Array<Array<[string, string]>>) {
      const res = await rawRequest(served.url, 'GET', '/', headers);
      expect(res.status).toBe(500);
      expect(res.corsHeaderNames()).toEqual([]);
      expect(res.header('vary')).toBe('Origin');
    }
  });

  it("keeps Allow-Origin * with a '*' policy", async () => {
    const served = await failing((ctx) => ctx.throw(503), { origin: '*' });
    const res = await rawRequest(served.url, 'GET', '/', [['Origin', OTHER]]);
    expect(res.status).toBe(503);
    expect(res.header('access-control-allow-origin')).toBe('*');
    expect(res.header('vary')).toBeUndefined();
  });

  it('is rethrown as the same object, so upstream error handlers see it and can answer', async () => {
    const thrown = Object.assign(new Error('teapot'), { status: 418, expose: true });
    let caught: unknown;
    const served = await serve((app) => {
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          caught = error;
          ctx.status = 422;
          ctx.body = 'handled';
        }
      });
      app.use(cors(policy));
      app.use(() => {
        throw thrown;
      });
    });
    const res = await rawRequest(served.url, 'GET', '/', [['Origin', APP]]);
    expect(caught).toBe(thrown);
    // Nothing is written onto the error: the application may throw one object for several requests at once.
    expect((thrown as Error & { headers?: unknown }).headers).toBeUndefined();
    // A handler that answers itself keeps the headers cors set on the response.
    expect(res.status).toBe(422);
    expect(res.body).toBe('handled');
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('vary')).toBe('Origin');
    expect(served.errors).toEqual([]);
  });

  it('is rethrown unchanged when it cannot carry headers', async () => {
    const readOnly = new Error('read-only');
    Object.defineProperty(readOnly, 'headers', { value: { 'X-Mine': 'kept' }, writable: false, enumerable: true });
    const served = await serve((app) => {
      app.use(cors(policy));
      app.use((ctx) => {
        if (ctx.path === '/read-only') throw readOnly;
        throw 'a string';
      });
    });
    const res = await rawRequest(served.url, 'GET', '/read-only', [['Origin', APP]]);
    expect(res.status).toBe(500);
    expect(res.header('x-mine')).toBe('kept');
    expect(served.errors[0]).toBe(readOnly);
    // Koa replaces a thrown non-Error with an Error of its own before answering: nothing can travel with it.
    const str = await rawRequest(served.url, 'GET', '/string', [['Origin', APP]]);
    expect(str.status).toBe(500);
    expect(served.errors).toHaveLength(2);
  });

  it('after an async validator, keeps the headers too', async () => {
    const served = await failing((ctx) => ctx.throw(418), { origin: [async (origin: string) => origin === APP] });
    const res = await rawRequest(served.url, 'GET', '/', [['Origin', APP]]);
    expect(res.status).toBe(418);
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('vary')).toBe('Origin');
  });
});
