import { describe, it, expect } from 'vitest';
import type Koa from 'koa';
import { cors, type RefusalReason } from '../src/index.js';
import { APP, OTHER, preflight, rawRequest, serve } from './support.js';

/** An app behind `cors(options)` whose only handler records what reached it and answers 200 `ok`. */
async function appBehind(options: Parameters<typeof cors<Koa.Context>>[0]) {
  const reached: string[] = [];
  const served = await serve((app) => {
    app.use(cors(options));
    app.use((ctx) => {
      reached.push(`${ctx.method} ${ctx.path}`);
      ctx.set('X-Handler', 'yes');
      ctx.body = 'ok';
    });
  });
  return { ...served, reached };
}

describe('actual requests', () => {
  it('writes ordinary response headers: the app sees them, and changing them changes no other response', async () => {
    const seen: unknown[] = [];
    const app = await serve((koa) => {
      koa.use(cors({ origin: APP, credentials: true, exposedHeaders: ['x-request-id'] }));
      koa.use((ctx) => {
        seen.push({ ...ctx.response.headers }, ctx.res.hasHeader('Access-Control-Allow-Origin'));
        if (ctx.query.change === '1') {
          // Node's appendHeader changes a header entry in place.
          ctx.res.appendHeader('access-control-expose-headers', 'x-extra');
          ctx.append('Vary', 'Accept');
        }
        ctx.body = 'ok';
      });
    });
    const changed = await rawRequest(app.url, 'GET', '/r?change=1', [['Origin', APP]]);
    expect(changed.header('access-control-expose-headers')).toBe('x-request-id, x-extra');
    expect(seen[0]).toMatchObject({ 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' });
    expect(seen[1]).toBe(true);
    const next = await rawRequest(app.url, 'GET', '/r', [['Origin', APP]]);
    expect(next.header('access-control-expose-headers')).toBe('x-request-id');
    expect(next.header('vary')).toBe('Origin');
  });

  it('allowed: sets Allow-Origin, -Credentials, -Expose-Headers and Vary, and reaches the app', async () => {
    const app = await appBehind({ origin: APP, credentials: true, exposedHeaders: ['x-handler'] });
    const res = await rawRequest(app.url, 'GET', '/data', [['Origin', APP]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('access-control-allow-credentials')).toBe('true');
    expect(res.header('access-control-expose-headers')).toBe('x-handler');
    expect(res.header('vary')).toBe('Origin');
    expect(res.header('x-handler')).toBe('yes');
    expect(app.reached).toEqual(['GET /data']);
  });

  it('refused: no Access-Control-* header, Vary: Origin, the app still answers, the reason reaches onRefused with the ctx', async () => {
    const refusals: Array<[RefusalReason, string]> = [];
    const app = await appBehind({ origin: APP, onRefused: (reason, ctx) => refusals.push([reason, ctx.path]) });
    const res = await rawRequest(app.url, 'POST', '/data', [['Origin', OTHER]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.corsHeaderNames()).toEqual([]);
    expect(res.header('vary')).toBe('Origin');
    expect(app.reached).toEqual(['POST /data']);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]![0]).toMatchObject({ code: 'origin-not-allowed', origin: OTHER, preflight: false });
    expect(refusals[0]![1]).toBe('/data');
  });

  it('without Origin: no Access-Control-* header but Vary: Origin', async () => {
    const app = await appBehind({ origin: APP });
    const res = await rawRequest(app.url, 'GET', '/data');
    expect(res.status).toBe(200);
    expect(res.corsHeaderNames()).toEqual([]);
    expect(res.header('vary')).toBe('Origin');
  });

  it("with '*': Allow-Origin * and no Vary", async () => {
    const app = await appBehind({ origin: '*' });
    const res = await rawRequest(app.url, 'GET', '/data', [['Origin', OTHER]]);
    expect(res.header('access-control-allow-origin')).toBe('*');
    expect(res.header('vary')).toBeUndefined();
  });

  it('an origin that is not byte for byte the configured one is refused', async () => {
    const app = await appBehind({ origin: APP });
    for (const origin of ['https://APP.example.com', `${APP}:443`, `${APP}.`, `${APP}/`]) {
      const res = await rawRequest(app.url, 'GET', '/data', [['Origin', origin]]);
      expect(res.status, origin).toBe(200);
      expect(res.corsHeaderNames(), origin).toEqual([]);
    }
  });

  it('OPTIONS without Access-Control-Request-Method reaches the app', async () => {
    const app = await appBehind({ origin: APP });
    const res = await rawRequest(app.url, 'OPTIONS', '/data', [['Origin', APP]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('access-control-allow-methods')).toBeUndefined();
    expect(app.reached).toEqual(['OPTIONS /data']);
  });

  it('HEAD gets the same headers with no body', async () => {
    const app = await appBehind({ origin: APP });
    const res = await rawRequest(app.url, 'HEAD', '/data', [['Origin', APP]]);
    expect(res.status).toBe(200);
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('vary')).toBe('Origin');
  });
});

describe('preflights', () => {
  it('allowed: preflightStatus, every configured header, empty body, and the app never sees it', async () => {
    const app = await appBehind({
      origin: APP,
      credentials: true,
      methods: ['GET', 'PUT'],
      allowedHeaders: ['content-type', 'x-token'],
      maxAge: 600,
    });
    const res = await rawRequest(app.url, 'OPTIONS', '/data', preflight(APP, 'PUT', 'X-Token, content-type'));
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('access-control-allow-credentials')).toBe('true');
    expect(res.header('access-control-allow-methods')).toBe('GET, PUT');
    expect(res.header('access-control-allow-headers')).toBe('content-type, x-token');
    expect(res.header('access-control-max-age')).toBe('600');
    expect(res.header('vary')).toBe('Origin');
    expect(res.header('content-type')).toBeUndefined();
    expect(res.header('x-handler')).toBeUndefined();
    expect(app.reached).toEqual([]);
  });

  it('refused: 403, empty body, no Access-Control-* header, Vary kept, reason reported, app not reached', async () => {
    const refusals: RefusalReason[] = [];
    const app = await appBehind({ origin: APP, methods: ['GET'], onRefused: (reason) => refusals.push(reason) });
    const cases: Array<[Array<[string, string]>, string]> = [
      [preflight(OTHER, 'GET'), 'origin-not-allowed'],
      [preflight(APP, 'DELETE'), 'method-not-allowed'],
      [preflight(APP, 'GET', 'x-secret'), 'header-not-allowed'],
    ];
    for (const [headers, code] of cases) {
      const res = await rawRequest(app.url, 'OPTIONS', '/data', headers);
      expect(res.status, code).toBe(403);
      expect(res.body, code).toBe('');
      expect(res.header('content-length'), code).toBe('0');
      expect(res.header('content-type'), code).toBeUndefined();
      expect(res.corsHeaderNames(), code).toEqual([]);
      expect(res.header('vary'), code).toBe('Origin');
    }
    expect(refusals.map((r) => r.code)).toEqual(cases.map(([, code]) => code));
    expect(refusals.every((r) => r.preflight)).toBe(true);
    expect(app.reached).toEqual([]);
  });

  it('a 2xx preflightStatus other than 204 still has an empty body and no Content-Type', async () => {
    const app = await appBehind({ origin: APP, preflightStatus: 200 });
    const res = await rawRequest(app.url, 'OPTIONS', '/data', preflight(APP, 'GET'));
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(res.header('content-length')).toBe('0');
    expect(res.header('content-type')).toBeUndefined();
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(app.reached).toEqual([]);
  });

  it('answers Private Network Access preflights only when allowed', async () => {
    const pna: [string, string] = ['Access-Control-Request-Private-Network', 'true'];
    const on = await appBehind({ origin: APP, allowPrivateNetwork: true });
    const allowed = await rawRequest(on.url, 'OPTIONS', '/data', [...preflight(APP, 'GET'), pna]);
    expect(allowed.status).toBe(204);
    expect(allowed.header('access-control-allow-private-network')).toBe('true');
    const off = await appBehind({ origin: APP });
    const refused = await rawRequest(off.url, 'OPTIONS', '/data', [...preflight(APP, 'GET'), pna]);
    expect(refused.status).toBe(403);
    expect(refused.corsHeaderNames()).toEqual([]);
  });

  it('the answer goes back through upstream middleware like any Koa response', async () => {
    const served = await serve((app) => {
      app.use(async (ctx, next) => {
        await next();
        ctx.set('X-Response-Time', '1ms');
      });
      app.use(cors({ origin: APP }));
      app.use((ctx) => {
        ctx.body = 'never';
      });
    });
    const res = await rawRequest(served.url, 'OPTIONS', '/data', preflight(OTHER, 'GET'));
    expect(res.status).toBe(403);
    expect(res.body).toBe('');
    expect(res.header('x-response-time')).toBe('1ms');
  });
});

describe('origin validators', () => {
  const tenantOrigin = 'https://tenant.example.net';

  it('receive the Koa context as request; an async true allows, with no 500 and the request going on', async () => {
    const seen: unknown[] = [];
    const served = await serve((app) => {
      app.use((ctx, next) => {
        ctx.state.tenant = 'acme';
        return next();
      });
      app.use(
        cors<Koa.Context>({
          origin: [APP, async (origin, ctx) => {
            seen.push(ctx);
            await new Promise((resolve) => setTimeout(resolve, 5));
            return origin === tenantOrigin && ctx.state.tenant === 'acme';
          }],
          credentials: true,
        }),
      );
      app.use((ctx) => {
        seen.push(ctx);
        ctx.body = 'ok';
      });
    });
    const res = await rawRequest(served.url, 'GET', '/t', [['Origin', tenantOrigin]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.header('access-control-allow-origin')).toBe(tenantOrigin);
    expect(res.header('access-control-allow-credentials')).toBe('true');
    expect(res.header('vary')).toBe('Origin');
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);

    const pre = await rawRequest(served.url, 'OPTIONS', '/t', preflight(tenantOrigin, 'POST'));
    expect(pre.status).toBe(204);
    expect(pre.header('access-control-allow-origin')).toBe(tenantOrigin);
    expect(seen).toHaveLength(3);
    // Static entries never reach the validator: only the handler adds to `seen`.
    await rawRequest(served.url, 'GET', '/t', [['Origin', APP]]);
    expect(seen).toHaveLength(4);
  });

  it('an async false refuses: no CORS headers, the app still answers, the reason is reported', async () => {
    const refusals: RefusalReason[] = [];
    const app = await appBehind({ origin: async () => false, onRefused: (reason) => refusals.push(reason) });
    const res = await rawRequest(app.url, 'GET', '/t', [['Origin', tenantOrigin]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.corsHeaderNames()).toEqual([]);
    expect(res.header('vary')).toBe('Origin');
    expect(refusals.map((r) => r.code)).toEqual(['origin-not-allowed']);
    const pre = await rawRequest(app.url, 'OPTIONS', '/t', preflight(tenantOrigin, 'GET'));
    expect(pre.status).toBe(403);
    expect(pre.corsHeaderNames()).toEqual([]);
    expect(app.reached).toEqual(['GET /t']);
  });

  it('a rejecting validator refuses without a 500: the request goes on and onRefused gets the error', async () => {
    const failure = new Error('database down');
    const refusals: RefusalReason[] = [];
    const app = await appBehind({
      origin: async () => {
        throw failure;
      },
      onRefused: (reason) => refusals.push(reason),
    });
    const res = await rawRequest(app.url, 'PUT', '/t', [['Origin', tenantOrigin]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.corsHeaderNames()).toEqual([]);
    expect(res.header('vary')).toBe('Origin');
    expect(app.reached).toEqual(['PUT /t']);
    expect(app.errors).toEqual([]);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ code: 'validator-error', origin: tenantOrigin, preflight: false });
    expect((refusals[0] as RefusalReason & { error: unknown }).error).toBe(failure);

    const pre = await rawRequest(app.url, 'OPTIONS', '/t', preflight(tenantOrigin, 'GET'));
    expect(pre.status).toBe(403);
    expect(pre.body).toBe('');
    expect(refusals[1]).toMatchObject({ code: 'validator-error', preflight: true });
  });

  it('a validator that throws synchronously refuses the same way', async () => {
    const refusals: RefusalReason[] = [];
    const app = await appBehind({
      origin: () => {
        throw new Error('bad lookup');
      },
      onRefused: (reason) => refusals.push(reason),
    });
    const res = await rawRequest(app.url, 'GET', '/t', [['Origin', tenantOrigin]]);
    expect(res.status).toBe(200);
    expect(res.corsHeaderNames()).toEqual([]);
    expect(refusals.map((r) => r.code)).toEqual(['validator-error']);
  });

  it('an onRefused hook that throws does not turn a refusal into an error', async () => {
    const app = await appBehind({
      origin: APP,
      onRefused: () => {
        throw new Error('logger broke');
      },
    });
    const res = await rawRequest(app.url, 'GET', '/t', [['Origin', OTHER]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(app.errors).toEqual([]);
  });
});
