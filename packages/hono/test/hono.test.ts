// @cors/hono on Hono 4, through app.request() (Hono's own request path, no server) and, for what only the wire
// shows, through @hono/node-server on a loopback port.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono, type Context } from 'hono';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { rawRequest } from '../../../framework-matrix/src/raw-http.js';
import { serveOnNode } from '../../../framework-matrix/src/servers/fetch.js';
import { cors, CorsConfigError, type RefusalReason } from '../src/index.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.com';
const POLICY = { origin: [APP], credentials: true, methods: ['GET', 'PUT'], allowedHeaders: ['content-type'], exposedHeaders: ['x-id'] };

function corsNames(res: Response): string[] {
  return [...res.headers.keys()].filter((n) => n.startsWith('access-control-'));
}

function get(app: Hono, path: string, origin?: string, extra: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(path, { headers: origin ? { origin, ...extra } : extra }));
}

function preflight(app: Hono, path: string, origin: string, method: string, headers?: string): Promise<Response> {
  const h: Record<string, string> = { origin, 'access-control-request-method': method };
  if (headers) h['access-control-request-headers'] = headers;
  return Promise.resolve(app.request(path, { method: 'OPTIONS', headers: h }));
}

function expectAllowed(res: Response, vary = 'Origin'): void {
  expect(res.headers.get('access-control-allow-origin')).toBe(APP);
  expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  expect(res.headers.get('access-control-expose-headers')).toBe('x-id');
  expect(res.headers.get('vary')).toBe(vary);
}

describe('whatever response comes back gets the CORS headers and Vary: Origin', () => {
  const app = new Hono();
  app.use('*', cors(POLICY));
  app.get('/json', (c) => c.json({ ok: true }));
  app.get('/text', (c) => c.text('ok', 201));
  app.get('/own', () => new Response('own', { status: 202, headers: { vary: 'Accept' } }));
  app.get('/redirect', () => Response.redirect('https://elsewhere.example/', 302));
  app.get('/not-found', (c) => c.notFound());
  app.get('/vary', (c) => {
    c.header('Vary', 'Accept-Encoding');
    return c.text('ok');
  });
  app.get('/throws', (c) => {
    // Set by the route before it fails: the error answer's CORS headers come from the decision alone.
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Access-Control-Allow-Methods', 'DELETE');
    throw new Error('boom');
  });
  app.onError((_error, c) => c.text('handled', 500));

  it('c.json and c.text', async () => {
    const json = await get(app, '/json', APP);
    expect(await json.json()).toEqual({ ok: true });
    expectAllowed(json);
    const text = await get(app, '/text', APP);
    expect(text.status).toBe(201);
    expectAllowed(text);
  });

  it("a Response the route returned, its own Vary kept", async () => {
    const res = await get(app, '/own', APP);
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('own');
    expectAllowed(res, 'Accept, Origin');
  });

  it('a Response.redirect() (immutable headers): copied, status and Location kept', async () => {
    const res = await get(app, '/redirect', APP);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://elsewhere.example/');
    expectAllowed(res);
  });

  it('a fetch() response a route returned (immutable headers): copied, body streamed, upstream CORS headers replaced', async () => {
    const upstream = createServer((_req, res) => {
      res.writeHead(203, { 'access-control-allow-origin': '*', vary: 'Accept-Language', 'x-up': 'yes' });
      res.end('from upstream');
    });
    await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
    try {
      const proxy = new Hono();
      proxy.use('*', cors(POLICY));
      proxy.get('/proxy', () => fetch(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`));
      const allowed = await get(proxy, '/proxy', APP);
      expect(allowed.status).toBe(203);
      expect(allowed.headers.get('x-up')).toBe('yes');
      expect(await allowed.text()).toBe('from upstream');
      expectAllowed(allowed, 'Accept-Language, Origin');
      const refused = await get(proxy, '/proxy', EVIL);
      expect(corsNames(refused)).toEqual([]);
      expect(await refused.text()).toBe('from upstream');
    } finally {
      upstream.close();
    }
  });

  it('c.notFound(), and a path no route matches', async () => {
    for (const path of ['/not-found', '/nowhere']) {
      const res = await get(app, path, APP);
      expect(res.status, path).toBe(404);
      expectAllowed(res);
    }
  });

  it("an error answered by app.onError keeps the decision's headers, and only those", async () => {
    const res = await get(app, '/throws', APP);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('handled');
    expectAllowed(res);
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    const refused = await get(app, '/throws', EVIL);
    expect(corsNames(refused)).toEqual([]);
    expect(refused.headers.get('vary')).toBe('Origin');
  });

  it("a route's own c.header('Vary', ...) gets Origin merged back in", async () => {
    expectAllowed(await get(app, '/vary', APP), 'Accept-Encoding, Origin');
    const none = await get(app, '/vary');
    expect(corsNames(none)).toEqual([]);
    expect(none.headers.get('vary')).toBe('Accept-Encoding, Origin');
  });

  it('a refused origin is served without any CORS header', async () => {
    const res = await get(app, '/json', EVIL);
    expect(await res.json()).toEqual({ ok: true });
    expect(corsNames(res)).toEqual([]);
    expect(res.headers.get('vary')).toBe('Origin');
  });
});

describe('preflights', () => {
  const seen: string[] = [];
  const app = new Hono();
  app.use('*', cors(POLICY));
  app.use('*', async (c, next) => {
    seen.push(`${c.req.method} ${c.req.path}`);
    await next();
  });
  app.put('/resource', (c) => c.text('put'));
  app.options('/own-options', (c) => c.text('own'));

  it('answered by the middleware, never reaching later middleware or routes', async () => {
    seen.length = 0;
    const res = await preflight(app, '/resource', APP, 'PUT', 'content-type');
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, PUT');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(res.headers.get('vary')).toBe('Origin');
    const refused = await preflight(app, '/resource', APP, 'DELETE');
    expect(refused.status).toBe(403);
    expect(corsNames(refused)).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('OPTIONS without Access-Control-Request-Method reaches the route', async () => {
    seen.length = 0;
    const res = await app.request('/own-options', { method: 'OPTIONS', headers: { origin: APP } });
    expect(await res.text()).toBe('own');
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(seen).toEqual(['OPTIONS /own-options']);
  });

  it('on the wire: a 204 has no Content-Length, a 200 (preflightStatus) has Content-Length: 0', async () => {
    const app200 = new Hono();
    app200.use('*', cors({ ...POLICY, preflightStatus: 200 }));
    for (const [target, status, length] of [
      [app, 204, undefined],
      [app200, 200, '0'],
    ] as const) {
      const server = await serveOnNode(target.fetch);
      try {
        const res = await rawRequest(server.url, 'OPTIONS', '/resource', [
          ['Origin', APP],
          ['Access-Control-Request-Method', 'PUT'],
        ]);
        expect(res.status).toBe(status);
        expect(res.header('content-length')).toBe(length);
        expect(res.body).toBe('');
      } finally {
        await server.close();
      }
    }
  });
});

describe('on a path, and the nearest policy governs', () => {
  const outerRefused: RefusalReason[] = [];
  const adminRefused: RefusalReason[] = [];
  const seen: string[] = [];
  const app = new Hono();
  app.use('*', cors({ origin: ['https://a.example.com', 'https://b.example.com'], credentials: true, methods: ['GET', 'DELETE'], onRefused: (r) => outerRefused.push(r) }));
  // Authentication between the two policies: a preflight carries no credentials, so it must never get here.
  app.use('/admin/*', async (c, next) => {
    seen.push(`${c.req.method} ${c.req.path}`);
    await next();
  });
  app.use('/admin/*', cors({ origin: ['https://b.example.com'], credentials: true, methods: ['GET'], onRefused: (r) => adminRefused.push(r) }));
  app.use('/public/*', cors({ origin: '*' }));
  app.get('/admin/secret', (c) => c.text('secret'));
  app.delete('/admin/secret', (c) => c.text('deleted'));
  app.get('/public/data', (c) => c.text('data'));
  app.get('/home', (c) => c.text('home'));

  const scoped = new Hono();
  scoped.use('/api/*', cors(POLICY));
  scoped.get('/api/x', (c) => c.text('x'));
  scoped.get('/other', (c) => c.text('other'));

  it('app.use(path, cors(...)) covers that path only', async () => {
    expectAllowed(await get(scoped, '/api/x', APP));
    const other = await get(scoped, '/other', APP);
    expect(corsNames(other)).toEqual([]);
    expect(other.headers.get('vary')).toBeNull();
  });

  it("an actual request: the route's own policy decides alone, and only its onRefused hears of it", async () => {
    outerRefused.length = 0;
    adminRefused.length = 0;
    const refused = await get(app, '/admin/secret', 'https://a.example.com');
    expect(await refused.text()).toBe('secret');
    expect(corsNames(refused)).toEqual([]);
    expect(refused.headers.get('vary')).toBe('Origin');
    expect(adminRefused.map((r) => r.code)).toEqual(['origin-not-allowed']);
    expect(outerRefused).toEqual([]);
    const allowed = await get(app, '/admin/secret', 'https://b.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://b.example.com');
    // Elsewhere the app-wide policy still decides.
    const home = await get(app, '/home', 'https://a.example.com');
    expect(home.headers.get('access-control-allow-origin')).toBe('https://a.example.com');
  });

  it("a preflight is answered with the route's own policy, before any middleware in between", async () => {
    seen.length = 0;
    const fromA = await preflight(app, '/admin/secret', 'https://a.example.com', 'GET');
    expect(fromA.status).toBe(403);
    expect(corsNames(fromA)).toEqual([]);
    const deleteFromB = await preflight(app, '/admin/secret', 'https://b.example.com', 'DELETE');
    expect(deleteFromB.status).toBe(403);
    const getFromB = await preflight(app, '/admin/secret', 'https://b.example.com', 'GET');
    expect(getFromB.status).toBe(204);
    expect(getFromB.headers.get('access-control-allow-methods')).toBe('GET');
    expect(seen).toEqual([]);
  });

  it("an inner '*' under a credentialed app-wide policy never sends credentials beside *", async () => {
    const res = await get(app, '/public/data', 'https://a.example.com');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toBeNull();
  });

  it("a sub-app's own policy governs its routes", async () => {
    const sub = new Hono();
    sub.use('*', cors({ origin: ['https://b.example.com'] }));
    sub.get('/x', (c) => c.text('sub'));
    sub.onError((_e, c) => c.text('sub error', 500));
    const parent = new Hono();
    parent.use('*', cors({ origin: ['https://a.example.com'], credentials: true }));
    parent.route('/sub', sub);
    const fromA = await get(parent, '/sub/x', 'https://a.example.com');
    expect(corsNames(fromA)).toEqual([]);
    const fromB = await get(parent, '/sub/x', 'https://b.example.com');
    expect(fromB.headers.get('access-control-allow-origin')).toBe('https://b.example.com');
    expect(fromB.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('validators', () => {
  it("receive Hono's Context; async ones too; a throwing one refuses and the route still answers", async () => {
    const app = new Hono<{ Variables: { tenant: string } }>();
    app.use('*', async (c, next) => {
      c.set('tenant', c.req.header('x-tenant') ?? '');
      await next();
    });
    const contexts: unknown[] = [];
    app.use(
      '*',
      cors<{ Variables: { tenant: string } }>({
        origin: [
          (origin, c) => {
            expectTypeOf(c).toEqualTypeOf<Context<{ Variables: { tenant: string } }>>();
            contexts.push(c);
            return c.get('tenant') === 'acme' && origin === 'https://acme.example.net';
          },
          async (origin) => {
            await new Promise((r) => setTimeout(r, 1));
            if (origin === 'https://throws.example.net') throw new Error('tenant database down');
            return origin === 'https://async.example.net';
          },
        ],
      }),
    );
    app.get('/x', (c) => c.text(`tenant ${c.get('tenant')}`));
    const acme = await app.request('/x', { headers: { origin: 'https://acme.example.net', 'x-tenant': 'acme' } });
    expect(acme.headers.get('access-control-allow-origin')).toBe('https://acme.example.net');
    expect(contexts[0]).toBeDefined();
    expect(typeof (contexts[0] as Context).req.header).toBe('function');
    const other = await app.request('/x', { headers: { origin: 'https://acme.example.net', 'x-tenant': 'globex' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const async_ = await app.request('/x', { headers: { origin: 'https://async.example.net' } });
    expect(async_.headers.get('access-control-allow-origin')).toBe('https://async.example.net');
    const broken = await app.request('/x', { headers: { origin: 'https://throws.example.net' } });
    expect(broken.status).toBe(200);
    expect(await broken.text()).toBe('tenant ');
    expect(corsNames(broken)).toEqual([]);
  });
});

describe("configuration: hono/cors users get told what to write", () => {
  function problems(options: unknown): Array<{ path: string; hint: string }> {
    try {
      cors(options as never);
    } catch (error) {
      expect(error).toBeInstanceOf(CorsConfigError);
      return (error as CorsConfigError).problems.map(({ path, hint }) => ({ path, hint }));
    }
    throw new Error('cors() accepted the options');
  }

  it("hono/cors option names get a did-you-mean", () => {
    const found = problems({ origin: APP, allowHeaders: ['x-a'], allowMethods: ['GET'], exposeHeaders: ['x-b'] });
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 'allowHeaders', hint: "did you mean 'allowedHeaders'?" },
        { path: 'allowMethods', hint: "did you mean 'methods'?" },
        { path: 'exposeHeaders', hint: "did you mean 'exposedHeaders'?" },
      ]),
    );
  });

  it("no origin is an error, not hono/cors's default '*'", () => {
    expect(problems({ credentials: true }).map((p) => p.path)).toContain('origin');
    expect(problems(undefined)).toEqual([{ path: 'origin', hint: "list who may call, e.g. origin: 'https://app.example.com' (use '*' for a public API)" }]);
  });

  it("'*' with credentials (what hono/cors once reflected for any origin) is refused", () => {
    expect(problems({ origin: '*', credentials: true }).map((p) => p.path)).toContain('origin');
  });
});
