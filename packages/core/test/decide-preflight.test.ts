import { describe, it, expect, vi } from 'vitest';
import { createCorsPolicy, type CorsOptions, type CorsRequestHeaders } from '../src/index.js';
import { decideNow, headersOf, preflightHeaders } from './support.js';

const APP = 'https://app.example.com';

function preflight(options: CorsOptions, headers: CorsRequestHeaders) {
  return decideNow(createCorsPolicy(options), 'OPTIONS', headers);
}

describe('an allowed preflight', () => {
  it('answers with the default status and methods, and no other header unless configured', () => {
    expect(preflight({ origin: APP }, preflightHeaders(APP, 'POST'))).toEqual({
      kind: 'preflight',
      allowed: true,
      status: 204,
      headers: [
        ['access-control-allow-origin', APP],
        ['access-control-allow-methods', 'GET, HEAD, POST'],
      ],
      vary: ['Origin'],
      reason: null,
    });
  });

  it('sends every configured header', () => {
    const decision = preflight(
      {
        origin: APP,
        credentials: true,
        methods: ['GET', 'PUT', 'DELETE'],
        allowedHeaders: ['Content-Type', 'authorization', 'X-Trace'],
        exposedHeaders: ['x-request-id'],
        maxAge: 600,
        preflightStatus: 200,
        allowPrivateNetwork: true,
      },
      preflightHeaders(APP, 'PUT', 'content-type,x-trace', { 'access-control-request-private-network': 'true' }),
    );
    expect(decision).toMatchObject({ kind: 'preflight', allowed: true, status: 200, vary: ['Origin'], reason: null });
    expect(decision.headers[0]).toEqual(['access-control-allow-origin', APP]);
    expect(headersOf(decision)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, PUT, DELETE',
      'access-control-allow-headers': 'content-type, authorization, x-trace',
      'access-control-max-age': '600',
      'access-control-allow-private-network': 'true',
    });
  });

  it('never lists Expose-Headers', () => {
    expect(headersOf(preflight({ origin: APP, exposedHeaders: ['x-a'] }, preflightHeaders(APP, 'GET')))).not.toHaveProperty('access-control-expose-headers');
  });

  it('sends Max-Age 0 when configured as 0, and none when unset', () => {
    expect(headersOf(preflight({ origin: APP, maxAge: 0 }, preflightHeaders(APP, 'GET')))['access-control-max-age']).toBe('0');
    expect(headersOf(preflight({ origin: APP }, preflightHeaders(APP, 'GET')))).not.toHaveProperty('access-control-max-age');
  });

  it.each([200, 204, 299])('uses preflightStatus %i', (preflightStatus) => {
    expect(preflight({ origin: APP, preflightStatus }, preflightHeaders(APP, 'GET'))).toMatchObject({ status: preflightStatus });
  });

  it("answers the '*' policy with * and no Vary", () => {
    const decision = preflight({ origin: '*', methods: '*', allowedHeaders: '*' }, preflightHeaders('https://any.example.net', 'PATCH', 'x-a'));
    expect(decision).toMatchObject({ allowed: true, vary: [] });
    expect(headersOf(decision)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': '*',
      'access-control-allow-headers': '*',
    });
  });

  it('answers a subdomain pattern with the request origin', () => {
    const decision = preflight({ origin: 'https://*.example.com', credentials: true }, preflightHeaders('https://a.b.example.com', 'GET'));
    expect(headersOf(decision)['access-control-allow-origin']).toBe('https://a.b.example.com');
  });
});

describe('methods match case-sensitively', () => {
  const options: CorsOptions = { origin: APP, methods: ['GET', 'PATCH', 'purge'] };

  it.each(['GET', 'PATCH', 'purge'])('%s is allowed', (method) => {
    expect(preflight(options, preflightHeaders(APP, method)).allowed).toBe(true);
  });

  it.each(['patch', 'Patch', 'PURGE', 'get', 'POST', 'DELETE'])('%s is refused', (method) => {
    const decision = preflight(options, preflightHeaders(APP, method));
    expect(decision).toMatchObject({ kind: 'preflight', allowed: false, status: 403, headers: [], vary: ['Origin'] });
    expect(decision.reason).toMatchObject({ code: 'method-not-allowed', method, preflight: true, origin: APP });
    expect(decision.reason?.hint).toContain('case-sensitively');
  });

  it('defaults to GET, HEAD, POST', () => {
    for (const method of ['GET', 'HEAD', 'POST']) expect(preflight({ origin: APP }, preflightHeaders(APP, method)).allowed).toBe(true);
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) expect(preflight({ origin: APP }, preflightHeaders(APP, method)).allowed).toBe(false);
  });

  it("'*' allows any method", () => {
    expect(preflight({ origin: APP, methods: '*' }, preflightHeaders(APP, 'PROPFIND')).allowed).toBe(true);
  });

  it('cuts a long method in the reason', () => {
    const method = 'X'.repeat(1000);
    const reason = preflight({ origin: APP }, preflightHeaders(APP, method)).reason;
    expect(reason?.code === 'method-not-allowed' && reason.method).toBe(`${'X'.repeat(64)}...`);
  });
});

describe('Access-Control-Request-Headers', () => {
  const options: CorsOptions = { origin: APP, allowedHeaders: ['content-type', 'X-Trace'] };

  it.each([
    ['browser form', 'content-type,x-trace'],
    ['any case', 'Content-Type, X-TRACE'],
    ['spaces after commas', 'content-type, x-trace'],
    ['spaces around', '  content-type ,   x-trace  '],
    ['tabs', '\tcontent-type\t,\tx-trace'],
    ['empty elements', ',,content-type,,,x-trace,'],
    ['only separators', ' , ,, '],
    ['empty', ''],
    ['one name', 'x-trace'],
    ['repeated names', 'x-trace,X-Trace,x-trace'],
    ['two header lines', ['content-type', 'x-trace']],
  ])('tolerates %s', (_, requested) => {
    const headers = { ...preflightHeaders(APP, 'GET'), 'access-control-request-headers': requested };
    const decision = preflight(options, headers);
    expect(decision).toMatchObject({ allowed: true, status: 204 });
    expect(headersOf(decision)['access-control-allow-headers']).toBe('content-type, x-trace');
  });

  it.each([
    ['one unlisted name', 'content-type,x-secret', ['x-secret']],
    ['names in any case, reported lower-case once', 'X-Secret, x-secret, X-OTHER', ['x-secret', 'x-other']],
    ['authorization, not listed', 'authorization', ['authorization']],
    ['a name hidden in a second header line', ['content-type', 'x-secret'], ['x-secret']],
  ])('refuses %s', (_, requested, refused) => {
    const headers = { ...preflightHeaders(APP, 'GET'), 'access-control-request-headers': requested };
    const decision = preflight(options, headers);
    expect(decision).toMatchObject({ kind: 'preflight', allowed: false, status: 403, headers: [], vary: ['Origin'] });
    expect(decision.reason).toMatchObject({ code: 'header-not-allowed', headers: refused, preflight: true });
  });

  it('is refused when no header is allowed at all', () => {
    const decision = preflight({ origin: APP }, preflightHeaders(APP, 'GET', 'content-type'));
    expect(decision.reason).toMatchObject({ code: 'header-not-allowed', headers: ['content-type'] });
  });

  it('reports at most 16 refused names', () => {
    const names = Array.from({ length: 40 }, (_, i) => `x-h${i}`);
    const reason = preflight({ origin: APP }, preflightHeaders(APP, 'GET', names.join(','))).reason;
    expect(reason?.code === 'header-not-allowed' && reason.headers).toEqual(names.slice(0, 16));
  });

  it('never reflects the requested names', () => {
    const decision = preflight(options, preflightHeaders(APP, 'GET', 'x-trace'));
    expect(headersOf(decision)['access-control-allow-headers']).toBe('content-type, x-trace');
    expect(headersOf(preflight({ origin: APP }, preflightHeaders(APP, 'GET', '')))).not.toHaveProperty('access-control-allow-headers');
  });

  it('treats a value that is not a list of tokens as absent: nothing is allowed beyond the configured list', () => {
    for (const requested of ['x-a;b', 'x a', 'x-trace, x-é', 'x-trace\n', '"x-trace"']) {
      const decision = preflight(options, preflightHeaders(APP, 'GET', requested));
      expect(decision.allowed, requested).toBe(true);
      expect(headersOf(decision)['access-control-allow-headers']).toBe('content-type, x-trace');
    }
  });
});

describe("allowedHeaders: '*'", () => {
  const options: CorsOptions = { origin: APP, allowedHeaders: '*' };

  it('allows any name and answers *', () => {
    const decision = preflight(options, preflightHeaders(APP, 'GET', 'x-anything, content-type, X-Other'));
    expect(decision.allowed).toBe(true);
    expect(headersOf(decision)['access-control-allow-headers']).toBe('*');
  });

  it.each(['authorization', 'Authorization', 'x-a, AUTHORIZATION', ' authorization '])('never covers %j', (requested) => {
    const decision = preflight(options, preflightHeaders(APP, 'GET', requested));
    expect(decision).toMatchObject({ allowed: false, status: 403, headers: [] });
    expect(decision.reason).toMatchObject({ code: 'header-not-allowed', headers: ['authorization'] });
    expect(decision.reason?.hint).toContain("'*' never covers authorization");
  });

  it('allows authorization when listed by name', () => {
    const decision = preflight({ origin: APP, credentials: true, allowedHeaders: ['authorization'] }, preflightHeaders(APP, 'GET', 'Authorization'));
    expect(decision.allowed).toBe(true);
    expect(headersOf(decision)['access-control-allow-headers']).toBe('authorization');
  });
});

describe('private network access', () => {
  it('is answered when allowed', () => {
    const decision = preflight({ origin: APP, allowPrivateNetwork: true }, preflightHeaders(APP, 'GET', undefined, { 'access-control-request-private-network': 'true' }));
    expect(headersOf(decision)['access-control-allow-private-network']).toBe('true');
  });

  it('is refused when not allowed', () => {
    const decision = preflight({ origin: APP }, preflightHeaders(APP, 'GET', undefined, { 'access-control-request-private-network': 'true' }));
    expect(decision).toMatchObject({ allowed: false, status: 403, headers: [], reason: { code: 'private-network-not-allowed', preflight: true } });
  });

  it.each([undefined, 'false', 'TRUE', ''])('is not mentioned when the request asks %j', (value) => {
    const extra: Record<string, string> = value === undefined ? {} : { 'access-control-request-private-network': value };
    const decision = preflight({ origin: APP, allowPrivateNetwork: true }, preflightHeaders(APP, 'GET', undefined, extra));
    expect(decision.allowed).toBe(true);
    expect(headersOf(decision)).not.toHaveProperty('access-control-allow-private-network');
  });

  it('is never sent on actual requests', () => {
    const decision = decideNow(createCorsPolicy({ origin: APP, allowPrivateNetwork: true }), 'GET', { origin: APP, 'access-control-request-private-network': 'true' });
    expect(headersOf(decision)).toEqual({ 'access-control-allow-origin': APP });
  });
});

describe('a refused preflight is 403 with no Access-Control-* header', () => {
  const options: CorsOptions = { origin: APP, credentials: true, allowedHeaders: ['x-a'], maxAge: 600, allowPrivateNetwork: true };

  it.each([
    ['origin not allowed', preflightHeaders('https://evil.example.net', 'GET'), 'origin-not-allowed'],
    ['malformed origin', preflightHeaders('https://app.example.com/', 'GET'), 'malformed-origin'],
    ['upper-case origin', preflightHeaders('https://APP.example.com', 'GET'), 'malformed-origin'],
    ['null origin', preflightHeaders('null', 'GET'), 'origin-not-allowed'],
    ['two origins', { origin: [APP, APP], 'access-control-request-method': 'GET' }, 'malformed-origin'],
    ['method', preflightHeaders(APP, 'PUT'), 'method-not-allowed'],
    ['header', preflightHeaders(APP, 'GET', 'x-b'), 'header-not-allowed'],
  ])('%s', (_, headers, code) => {
    const onRefused = vi.fn();
    const decision = preflight({ ...options, onRefused }, headers);
    expect(decision).toEqual({ kind: 'preflight', allowed: false, status: 403, headers: [], vary: ['Origin'], contentLength: '0', reason: expect.objectContaining({ code, preflight: true }) });
    expect(onRefused).toHaveBeenCalledTimes(1);
    expect(onRefused.mock.calls[0]![0]).toBe(decision.reason);
  });

  it('passes the request to onRefused, and ignores it throwing', () => {
    const request = { url: '/x' };
    const seen: unknown[] = [];
    const policy = createCorsPolicy<typeof request>({
      origin: APP,
      onRefused: (_reason, req) => {
        seen.push(req);
        throw new Error('boom');
      },
    });
    expect(decideNow(policy, 'OPTIONS', preflightHeaders(APP, 'DELETE'), request)).toMatchObject({ allowed: false, status: 403 });
    expect(seen).toEqual([request]);
  });
});

describe('OPTIONS without a preflight', () => {
  const policy = createCorsPolicy({ origin: APP });

  it('without Origin is not a preflight even with Access-Control-Request-Method', () => {
    expect(decideNow(policy, 'OPTIONS', { 'access-control-request-method': 'GET' })).toEqual({ kind: 'actual', allowed: false, headers: [], vary: ['Origin'], reason: null });
  });

  it('with a malformed Access-Control-Request-Method is an actual request, so its headers are not checked', () => {
    const decision = decideNow(policy, 'OPTIONS', { origin: APP, 'access-control-request-method': 'GET PUT', 'access-control-request-headers': 'x-secret' });
    expect(decision).toMatchObject({ kind: 'actual', allowed: true });
    expect(headersOf(decision)).toEqual({ 'access-control-allow-origin': APP });
  });
});
