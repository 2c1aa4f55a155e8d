// withCors and the lower-level pieces, called directly with the Fetch API's own Request and Response (Node's).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCorsPolicy, type RefusalReason } from '@cors/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  applyDecision,
  CorsConfigError,
  corsRequestHeaders,
  decideRequest,
  preflightResponse,
  withCors,
  type ActualRequestDecision,
  type PreflightDecision,
} from '../src/index.js';

const APP = 'https://app.example.com';
const ok = () => new Response('ok');

function request(method: string, headers: Record<string, string> = {}, path = '/'): Request {
  return new Request(`http://api.test${path}`, { method, headers });
}

describe('withCors: configuration', () => {
  it('a wrong configuration throws CorsConfigError at once, listing every problem', () => {
    let error: unknown;
    try {
      withCors({ origin: true, credentials: true, allowHeaders: ['x'] } as never, ok);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorsConfigError);
    const paths = (error as CorsConfigError).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['origin', 'allowHeaders']));
    expect((error as CorsConfigError).problems.find((p) => p.path === 'allowHeaders')?.hint).toBe("did you mean 'allowedHeaders'?");
  });

  it('no origin is an error: nothing defaults to *', () => {
    expect(() => withCors({} as never, ok)).toThrow(CorsConfigError);
  });

  it('a handler that is not a function is a TypeError', () => {
    expect(() => withCors({ origin: APP }, 'nope' as never)).toThrow(TypeError);
  });
});

describe('withCors: requests', () => {
  it('passes whatever follows the request to the handler (Workers env and ctx, route params)', async () => {
    const seen: unknown[] = [];
    const handler = withCors({ origin: APP }, (req: Request, env: { name: string }, ctx: number) => {
      seen.push(req.url, env, ctx);
      return ok();
    });
    expectTypeOf(handler).parameters.toEqualTypeOf<[Request, { name: string }, number]>();
    const res = await handler(request('GET', { origin: APP }), { name: 'env' }, 7);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(seen).toEqual(['http://api.test/', { name: 'env' }, 7]);
  });

  it('answers synchronously when neither the handler nor a validator returns a promise', () => {
    const res = withCors({ origin: APP }, ok)(request('GET', { origin: APP }));
    expect(res).toBeInstanceOf(Response);
    expect((res as Response).headers.get('vary')).toBe('Origin');
  });

  it('validators and onRefused receive the Request; a throwing validator refuses and the handler still runs', async () => {
    const reasons: RefusalReason[] = [];
    const got: unknown[] = [];
    const handler = withCors(
      {
        origin: [
          async (origin, req) => {
            got.push(req);
            if (origin === 'https://throws.example.net') throw new Error('database down');
            return origin === 'https://tenant.example.net';
          },
        ],
        onRefused: (reason, req) => {
          reasons.push(reason);
          got.push(req);
        },
      },
      ok,
    );
    const tenant = request('GET', { origin: 'https://tenant.example.net' });
    const allowed = await handler(tenant);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://tenant.example.net');
    expect(got[0]).toBe(tenant);
    const broken = await handler(request('GET', { origin: 'https://throws.example.net' }));
    expect(broken.status).toBe(200);
    expect(await broken.text()).toBe('ok');
    expect(broken.headers.get('access-control-allow-origin')).toBeNull();
    expect(reasons.map((r) => r.code)).toEqual(['validator-error']);
  });

  it('a thrown error and a rejection propagate unchanged', async () => {
    const boom = new Error('boom');
    expect(() =>
      withCors({ origin: APP }, () => {
        throw boom;
      })(request('GET', { origin: APP })),
    ).toThrow(boom);
    await expect(withCors({ origin: APP }, async () => Promise.reject(boom))(request('GET', { origin: APP }))).rejects.toBe(boom);
  });

  it('a preflight never reaches the handler; with preflightStatus 200 it carries Content-Length: 0', async () => {
    let calls = 0;
    const handler = withCors({ origin: APP, methods: ['PUT'], preflightStatus: 200 }, () => {
      calls++;
      return ok();
    });
    const res = await handler(request('OPTIONS', { origin: APP, 'access-control-request-method': 'PUT' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('0');
    expect(await res.text()).toBe('');
    expect(calls).toBe(0);
  });

  it('debug: a refused request carries Cors-Refusal, never an Access-Control-* header', async () => {
    const handler = withCors({ origin: APP, debug: true }, ok);
    const res = await handler(request('OPTIONS', { origin: APP, 'access-control-request-method': 'PATCH' }));
    expect(res.status).toBe(403);
    expect(res.headers.get('cors-refusal')).toBe('method-not-allowed; method=PATCH; option=methods');
    expect([...res.headers.keys()].filter((n) => n.startsWith('access-control-'))).toEqual([]);
  });
});

describe('the lower-level pieces', () => {
  const policy = createCorsPolicy<Request>({ origin: APP, credentials: true });

  it('corsRequestHeaders reads Origin alone unless the method is OPTIONS', () => {
    expect(corsRequestHeaders(request('GET', { origin: APP, 'access-control-request-method': 'PUT' }))).toEqual({ origin: APP });
    expect(corsRequestHeaders(request('OPTIONS', { origin: APP, 'access-control-request-method': 'PUT' }))).toEqual({
      origin: APP,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': undefined,
      'access-control-request-private-network': undefined,
    });
    expect(corsRequestHeaders(request('GET'))).toEqual({ origin: undefined });
  });

  it('decideRequest gives the decision; preflightResponse answers it', async () => {
    const decision = (await decideRequest(policy, request('OPTIONS', { origin: APP, 'access-control-request-method': 'GET' }))) as PreflightDecision;
    expect(decision.kind).toBe('preflight');
    const res = preflightResponse(decision);
    expect(res.status).toBe(204);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('vary')).toBe('Origin');
    // The same shared decision, answered twice, gives two independent responses.
    const again = preflightResponse(decision);
    again.headers.set('x-mine', '1');
    expect(preflightResponse(decision).headers.get('x-mine')).toBeNull();
  });

  it('applyDecision copies a Response.redirect() (immutable headers) and keeps the original intact', async () => {
    const decision = (await decideRequest(policy, request('GET', { origin: APP }))) as ActualRequestDecision;
    const original = Response.redirect('https://elsewhere.example/', 302);
    const res = applyDecision(original, decision);
    expect(res).not.toBe(original);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://elsewhere.example/');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(original.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("applyDecision removes the response's own access-giving CORS headers for a refused origin", async () => {
    const decision = (await decideRequest(policy, request('GET', { origin: 'https://evil.example' }))) as ActualRequestDecision;
    const res = applyDecision(new Response('x', { headers: { 'Access-Control-Allow-Origin': '*', 'access-control-expose-headers': 'x-a', 'set-cookie': 'a=1' } }), decision);
    expect([...res.headers.keys()]).toEqual(['content-type', 'set-cookie', 'vary']);
  });

  it("applyDecision keeps every Set-Cookie of a fetch() response (immutable headers), and its body", async () => {
    const server = createServer((_req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end('upstream');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const decision = (await decideRequest(policy, request('GET', { origin: APP }))) as ActualRequestDecision;
      const upstream = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(() => upstream.headers.set('x', '1')).toThrow(TypeError);
      const res = applyDecision(upstream, decision);
      expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(await res.text()).toBe('upstream');
    } finally {
      server.close();
    }
  });
});
