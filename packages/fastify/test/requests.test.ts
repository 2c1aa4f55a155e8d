import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import type { FastifyRequest } from 'fastify';
import type { RefusalReason } from '@cors/core';
import { cors, type FastifyCorsOptions } from '../src/index.js';
import { APP, OTHER, preflight, rawRequest, serve, varyTokens } from './support.js';

const TENANT = 'https://tenant.example.net';

describe('async origin validators', () => {
  let unhandled: unknown[];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  async function tenantApp(extra: Partial<FastifyCorsOptions> = {}) {
    const reasons: RefusalReason[] = [];
    const seenBy: string[] = [];
    const url = await serve(async (app) => {
      await app.register(cors, {
        origin: [
          APP,
          async (origin: string, request: FastifyRequest) => {
            seenBy.push(request.url);
            await new Promise((resolve) => setTimeout(resolve, 5));
            if (origin === 'https://rejects.example.net') throw new Error('tenant lookup failed');
            return origin === TENANT;
          },
          (origin: string) => {
            if (origin === 'https://throws.example.net') throw new Error('tenant database is down');
            return false;
          },
        ],
        methods: ['GET', 'PUT'],
        onRefused: (reason) => reasons.push(reason),
        ...extra,
      });
      app.get('/r', async () => 'ok');
      app.put('/r', async () => 'put');
    });
    return { url, reasons, seenBy };
  }

  it('an origin the validator resolves true is allowed, on actual requests and preflights', async () => {
    const { url, seenBy } = await tenantApp();
    const actual = await rawRequest(url, 'GET', '/r', [['Origin', TENANT]]);
    expect(actual.status).toBe(200);
    expect(actual.body).toBe('ok');
    expect(actual.header('access-control-allow-origin')).toBe(TENANT);
    const pre = await rawRequest(url, 'OPTIONS', '/r', preflight(TENANT, 'PUT'));
    expect(pre.status).toBe(204);
    expect(pre.header('access-control-allow-origin')).toBe(TENANT);
    expect(pre.header('access-control-allow-methods')).toBe('GET, PUT');
    // The validator is given the Fastify request.
    expect(seenBy).toEqual(['/r', '/r']);
  });

  it('an origin the validator resolves false is refused and the request goes on', async () => {
    const { url, reasons } = await tenantApp();
    const res = await rawRequest(url, 'GET', '/r', [['Origin', OTHER]]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.corsHeaderNames()).toEqual([]);
    expect(varyTokens(res)).toEqual(['origin']);
    expect(reasons.map((r) => r.code)).toEqual(['origin-not-allowed']);
    const pre = await rawRequest(url, 'OPTIONS', '/r', preflight(OTHER, 'PUT'));
    expect(pre.status).toBe(403);
    expect(pre.corsHeaderNames()).toEqual([]);
  });

  it('a rejecting validator refuses the origin: no 500, no unhandled rejection', async () => {
    const { url, reasons } = await tenantApp();
    const res = await rawRequest(url, 'GET', '/r', [['Origin', 'https://rejects.example.net']]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.corsHeaderNames()).toEqual([]);
    const pre = await rawRequest(url, 'OPTIONS', '/r', preflight('https://rejects.example.net', 'PUT'));
    expect(pre.status).toBe(403);
    expect(pre.corsHeaderNames()).toEqual([]);
    expect(reasons.map((r) => r.code)).toEqual(['validator-error', 'validator-error']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });

  it('a throwing validator refuses the origin and the request goes on', async () => {
    const { url, reasons } = await tenantApp();
    const res = await rawRequest(url, 'PUT', '/r', [['Origin', 'https://throws.example.net']]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('put');
    expect(res.corsHeaderNames()).toEqual([]);
    expect(reasons[0]?.code).toBe('validator-error');
    expect(unhandled).toEqual([]);
  });

  it('a static entry answers without waiting for the validator', async () => {
    const { url, seenBy } = await tenantApp();
    const res = await rawRequest(url, 'GET', '/r', [['Origin', APP]]);
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(seenBy).toEqual([]);
  });
});

describe('preflights are answered in onRequest', () => {
  async function guardedApp() {
    const seen: string[] = [];
    const url = await serve(async (app) => {
      await app.register(cors, { origin: APP, methods: ['GET', 'PUT'], allowedHeaders: ['authorization'] });
      // The application's own authentication, registered after the plugin: it refuses anything unauthenticated.
      app.addHook('onRequest', async (request, reply) => {
        seen.push(`auth ${request.method} ${request.url}`);
        if (request.headers.authorization !== 'Bearer ok') await reply.code(401).send('no');
      });
      app.addHook('preHandler', async (request) => {
        seen.push(`preHandler ${request.method} ${request.url}`);
      });
      app.put('/x', async (request) => {
        seen.push(`handler ${request.method} ${request.url}`);
        return 'put';
      });
      app.options('/x', async (request) => {
        seen.push(`handler ${request.method} ${request.url}`);
        return 'own';
      });
    });
    return { url, seen };
  }

  it('an allowed preflight never reaches a later auth hook, other hooks or handlers', async () => {
    const { url, seen } = await guardedApp();
    const res = await rawRequest(url, 'OPTIONS', '/x', preflight(APP, 'PUT', ['Access-Control-Request-Headers', 'authorization']));
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('access-control-allow-headers')).toBe('authorization');
    expect(seen).toEqual([]);
  });

  it('a refused preflight does not reach them either', async () => {
    const { url, seen } = await guardedApp();
    for (const headers of [preflight(OTHER, 'PUT'), preflight(APP, 'DELETE'), preflight(APP, 'PUT', ['Access-Control-Request-Headers', 'x-secret'])]) {
      const res = await rawRequest(url, 'OPTIONS', '/x', headers);
      expect(res.status).toBe(403);
      expect(res.body).toBe('');
      expect(res.corsHeaderNames()).toEqual([]);
    }
    expect(seen).toEqual([]);
  });

  it('a preflight to an unknown path is answered before the auth hook too', async () => {
    const { url, seen } = await guardedApp();
    const res = await rawRequest(url, 'OPTIONS', '/nowhere', preflight(APP, 'GET'));
    expect(res.status).toBe(204);
    expect(seen).toEqual([]);
  });

  it('a non-preflight OPTIONS goes through the hooks to the handler', async () => {
    const { url, seen } = await guardedApp();
    const refused = await rawRequest(url, 'OPTIONS', '/x', [['Origin', APP]]);
    expect(refused.status).toBe(401);
    // The 401 is a response the page may read.
    expect(refused.header('access-control-allow-origin')).toBe(APP);
    const res = await rawRequest(url, 'OPTIONS', '/x', [['Origin', APP], ['Authorization', 'Bearer ok']]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('own');
    expect(seen).toEqual(['auth OPTIONS /x', 'auth OPTIONS /x', 'preHandler OPTIONS /x', 'handler OPTIONS /x']);
  });

  it('an OPTIONS request with a malformed Access-Control-Request-Method is not a preflight', async () => {
    const { url, seen } = await guardedApp();
    const res = await rawRequest(url, 'OPTIONS', '/x', [['Origin', APP], ['Access-Control-Request-Method', 'P(UT'], ['Authorization', 'Bearer ok']]);
    expect(res.status).toBe(200);
    expect(res.body).toBe('own');
    expect(seen).toContain('handler OPTIONS /x');
  });

  it('the actual request behind an allowed preflight runs the hooks as usual', async () => {
    const { url, seen } = await guardedApp();
    const res = await rawRequest(url, 'PUT', '/x', [['Origin', APP], ['Authorization', 'Bearer ok']]);
    expect(res.status).toBe(200);
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(seen).toEqual(['auth PUT /x', 'preHandler PUT /x', 'handler PUT /x']);
  });
});

describe('routes declared before the plugin loaded', () => {
  it('still get the plugin’s headers and preflights (their config.cors is not seen)', async () => {
    const url = await serve(async (app) => {
      app.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
      app.put('/early', async () => 'early');
    });
    const res = await rawRequest(url, 'PUT', '/early', [['Origin', APP]]);
    expect(res.body).toBe('early');
    expect(res.header('access-control-allow-origin')).toBe(APP);
    const pre = await rawRequest(url, 'OPTIONS', '/early', preflight(APP, 'PUT'));
    expect(pre.status).toBe(204);
    expect(pre.header('access-control-allow-methods')).toBe('GET, PUT');
  });
});

describe('Vary', () => {
  async function varyApp(options: FastifyCorsOptions = { origin: APP }) {
    return serve(async (app) => {
      app.addHook('onRequest', (request, reply, done) => {
        // Set before the plugin runs.
        if (request.url === '/early') reply.header('Vary', 'Accept-Language');
        done();
      });
      await app.register(cors, options);
      app.get('/early', async () => 'ok');
      app.get('/plain', async () => 'ok');
      app.get('/own', async (_request, reply) => {
        reply.header('Vary', 'Accept-Encoding');
        return 'ok';
      });
      app.get('/own-origin', async (_request, reply) => {
        reply.header('Vary', 'origin, Accept');
        return 'ok';
      });
      app.get('/star', async (_request, reply) => {
        reply.header('Vary', '*');
        return 'ok';
      });
    });
  }

  it('Vary: Origin is sent with and without an Origin, allowed or refused', async () => {
    const url = await varyApp();
    for (const headers of [[['Origin', APP]], [['Origin', OTHER]], []] as Array<Array<[string, string]>>) {
      expect(varyTokens(await rawRequest(url, 'GET', '/plain', headers))).toEqual(['origin']);
    }
    expect(varyTokens(await rawRequest(url, 'OPTIONS', '/plain', preflight(APP, 'GET')))).toEqual(['origin']);
    expect(varyTokens(await rawRequest(url, 'OPTIONS', '/plain', preflight(OTHER, 'GET')))).toEqual(['origin']);
  });

  it("survives a route that replaces Vary with its own value", async () => {
    const url = await varyApp();
    const res = await rawRequest(url, 'GET', '/own', [['Origin', APP]]);
    expect(res.headers.get('vary')).toEqual(['Accept-Encoding, Origin']);
    expect(res.header('access-control-allow-origin')).toBe(APP);
  });

  it('is merged with a Vary set before the plugin ran', async () => {
    const url = await varyApp();
    expect(varyTokens(await rawRequest(url, 'GET', '/early', [['Origin', APP]]))).toEqual(['accept-language', 'origin']);
  });

  it('is never repeated, whatever the case of the route’s own token', async () => {
    const url = await varyApp();
    const res = await rawRequest(url, 'GET', '/own-origin', [['Origin', APP]]);
    expect(varyTokens(res)).toEqual(['origin', 'accept']);
  });

  it('Vary: * is left alone', async () => {
    const url = await varyApp();
    const res = await rawRequest(url, 'GET', '/star', [['Origin', APP]]);
    expect(res.headers.get('vary')).toEqual(['*']);
  });

  it("the '*' policy does not vary by origin", async () => {
    const url = await varyApp({ origin: '*' });
    const res = await rawRequest(url, 'GET', '/plain', [['Origin', APP]]);
    expect(res.header('access-control-allow-origin')).toBe('*');
    expect(res.header('vary')).toBeUndefined();
    expect((await rawRequest(url, 'GET', '/own', [['Origin', APP]])).header('vary')).toBe('Accept-Encoding');
  });
});

describe('error responses keep the CORS headers', () => {
  const options: FastifyCorsOptions = { origin: APP, credentials: true, exposedHeaders: ['x-request-id'] };
  async function failingApp() {
    return serve(async (app) => {
      await app.register(cors, options);
      app.addHook('onRequest', async (request) => {
        if (request.headers['x-fail'] === 'hook') throw Object.assign(new Error('denied'), { statusCode: 401 });
      });
      app.get('/throws', async () => {
        throw new Error('boom');
      });
      app.post('/schema', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => 'ok');
      app.get('/ok', async () => 'ok');
    });
  }

  function expectAllowed(res: Awaited<ReturnType<typeof rawRequest>>) {
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('access-control-allow-credentials')).toBe('true');
    expect(res.header('access-control-expose-headers')).toBe('x-request-id');
    expect(varyTokens(res)).toEqual(['origin']);
  }

  it('a thrown error (500)', async () => {
    const res = await rawRequest(await failingApp(), 'GET', '/throws', [['Origin', APP]]);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 500, message: 'boom' });
    expectAllowed(res);
  });

  it('a 404', async () => {
    const res = await rawRequest(await failingApp(), 'GET', '/nowhere', [['Origin', APP]]);
    expect(res.status).toBe(404);
    expectAllowed(res);
  });

  it('a schema validation failure (400)', async () => {
    const url = await failingApp();
    const res = await rawRequest(url, 'POST', '/schema', [['Origin', APP], ['Content-Type', 'application/json']], '{}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 400 });
    expectAllowed(res);
    const ok = await rawRequest(url, 'POST', '/schema', [['Origin', APP], ['Content-Type', 'application/json']], '{"name":"a"}');
    expect(ok.status).toBe(200);
    expectAllowed(ok);
  });

  it('an error thrown by a later onRequest hook', async () => {
    const res = await rawRequest(await failingApp(), 'GET', '/ok', [['Origin', APP], ['X-Fail', 'hook']]);
    expect(res.status).toBe(401);
    expectAllowed(res);
  });

  it("the application's own not-found handler", async () => {
    const url = await serve(async (app) => {
      app.setNotFoundHandler((_request, reply) => {
        reply.code(404).send('custom 404');
      });
      await app.register(cors, options);
    });
    const res = await rawRequest(url, 'GET', '/nowhere', [['Origin', APP]]);
    expect(res.status).toBe(404);
    expect(res.body).toBe('custom 404');
    expectAllowed(res);
    const pre = await rawRequest(url, 'OPTIONS', '/nowhere', [['Origin', APP], ['Access-Control-Request-Method', 'GET']]);
    expect(pre.status).toBe(204);
    expect(pre.body).toBe('');
  });

  it('a refused origin gets no CORS headers on errors either, but Vary', async () => {
    const res = await rawRequest(await failingApp(), 'GET', '/throws', [['Origin', OTHER]]);
    expect(res.status).toBe(500);
    expect(res.corsHeaderNames()).toEqual([]);
    expect(varyTokens(res)).toEqual(['origin']);
  });
});
