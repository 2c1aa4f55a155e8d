import { describe, it, expect, vi } from 'vitest';
import { createCorsPolicy, type CorsOptions, type RefusalReason } from '../src/index.js';
import { decideNow, headersOf } from './support.js';

const APP = 'https://app.example.com';

function actual(options: CorsOptions, origin: string | readonly string[] | undefined, method = 'GET') {
  return decideNow(createCorsPolicy(options), method, origin === undefined ? {} : { origin });
}

describe('an actual request from an allowed origin', () => {
  it('gets Access-Control-Allow-Origin with the exact request origin', () => {
    const decision = actual({ origin: APP }, APP);
    expect(decision).toEqual({
      kind: 'actual',
      allowed: true,
      headers: [['access-control-allow-origin', APP]],
      vary: ['Origin'],
      reason: null,
    });
  });

  it.each([
    ['https://*.example.com', 'https://a.example.com'],
    ['https://*.example.com', 'https://a.b.c.example.com'],
    ['https://*.example.com:8443', 'https://a.example.com:8443'],
    ['https://*.example.com:*', 'https://a.example.com'],
    ['https://*.example.com:*', 'https://a.example.com:1'],
    ['http://localhost:*', 'http://localhost'],
    ['http://localhost:*', 'http://localhost:5173'],
    ['http://[::1]:*', 'http://[::1]:8080'],
    ['HTTPS://APP.EXAMPLE.COM:443', APP],
    ['http://127.1:3000', 'http://127.0.0.1:3000'],
    ['https://bücher.de', 'https://xn--bcher-kva.de'],
    ['chrome-extension://abcdefghijklmnop', 'chrome-extension://abcdefghijklmnop'],
  ])('%s allows %s', (pattern, origin) => {
    expect(headersOf(actual({ origin: pattern }, origin))).toEqual({ 'access-control-allow-origin': origin });
  });

  it.each([
    ['https://*.example.com', 'https://example.com'],
    ['https://*.example.com', 'http://a.example.com'],
    ['https://*.example.com', 'https://a.example.com:8443'],
    ['https://*.example.com:8443', 'https://a.example.com'],
    ['https://app.example.com', 'https://app.example.com:8443'],
    ['https://app.example.com', 'http://app.example.com'],
    ['http://localhost:*', 'http://127.0.0.1:3000'],
    ['http://localhost:*', 'https://localhost'],
    ['http://localhost:3000', 'http://localhost:3001'],
  ])('%s does not allow %s', (pattern, origin) => {
    const decision = actual({ origin: pattern }, origin);
    expect(decision.allowed).toBe(false);
    expect(decision.headers).toEqual([]);
    expect(decision.reason?.code).toBe('origin-not-allowed');
  });

  it('adds Access-Control-Allow-Credentials: true with credentials', () => {
    expect(actual({ origin: APP, credentials: true }, APP).headers).toEqual([
      ['access-control-allow-origin', APP],
      ['access-control-allow-credentials', 'true'],
    ]);
  });

  it('adds Access-Control-Expose-Headers, lower-cased and de-duplicated', () => {
    const decision = actual({ origin: APP, credentials: true, exposedHeaders: ['X-Request-Id', 'x-trace', 'x-request-id'] }, APP);
    expect(headersOf(decision)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-request-id, x-trace',
    });
  });

  it("exposes '*' without credentials", () => {
    expect(headersOf(actual({ origin: APP, exposedHeaders: '*' }, APP))['access-control-expose-headers']).toBe('*');
  });

  it('never sends preflight-only headers', () => {
    const decision = actual({ origin: APP, methods: ['PUT'], allowedHeaders: ['x-a'], maxAge: 600, allowPrivateNetwork: true }, APP);
    expect(Object.keys(headersOf(decision))).toEqual(['access-control-allow-origin']);
  });
});

describe("the '*' policy", () => {
  it.each([APP, 'http://localhost:3000', 'null', 'https://anything.example.net'])('answers %s with *', (origin) => {
    expect(actual({ origin: '*' }, origin)).toEqual({
      kind: 'actual',
      allowed: true,
      headers: [['access-control-allow-origin', '*']],
      vary: [],
      reason: null,
    });
  });

  it('wins over other entries in the list', () => {
    expect(headersOf(actual({ origin: [APP, '*'] }, 'https://other.example.net'))).toEqual({ 'access-control-allow-origin': '*' });
    expect(headersOf(actual({ origin: [APP, '*'] }, APP))).toEqual({ 'access-control-allow-origin': '*' });
  });

  it('gives every actual request the same answer, without an Origin too, and does not vary', () => {
    const answer = actual({ origin: '*', exposedHeaders: ['x-id'] }, 'https://app.example.com');
    expect(headersOf(answer)).toEqual({ 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-id' });
    expect(answer.vary).toEqual([]);
    expect(actual({ origin: '*', exposedHeaders: ['x-id'] }, undefined)).toEqual(answer);
  });

  it('answers a malformed Origin as any other, since the answer never depends on it', () => {
    expect(actual({ origin: '*' }, 'https://APP.example.com')).toMatchObject({ allowed: true, headers: [['access-control-allow-origin', '*']], vary: [], reason: null });
  });
});

describe("the 'null' origin", () => {
  it('is allowed only when listed, and answered with null', () => {
    expect(headersOf(actual({ origin: [APP, 'null'] }, 'null'))).toEqual({ 'access-control-allow-origin': 'null' });
  });

  it('is refused otherwise, with a hint about opaque origins', () => {
    const decision = actual({ origin: [APP, 'https://*.example.com', 'http://localhost:*'] }, 'null');
    expect(decision).toMatchObject({ allowed: false, headers: [], reason: { code: 'origin-not-allowed', origin: 'null' } });
    expect(decision.reason?.hint).toContain("'null'");
  });

  it.each(['Null', 'NULL', ' null', 'null '])('%j is not the opaque origin', (origin) => {
    expect(actual({ origin: 'null' }, origin)).toMatchObject({ allowed: false, reason: { code: 'malformed-origin' } });
  });
});

describe('refused, malformed and absent origins get no Access-Control-* header', () => {
  it('refused', () => {
    expect(actual({ origin: APP, credentials: true, exposedHeaders: ['x-a'] }, 'https://evil.example.net')).toEqual({
      kind: 'actual',
      allowed: false,
      headers: [],
      vary: ['Origin'],
      reason: expect.objectContaining({ code: 'origin-not-allowed', origin: 'https://evil.example.net', preflight: false }),
    });
  });

  it.each(['https://APP.example.com', 'https://app.example.com:443', 'https://app.example.com.', 'https://user@app.example.com', `${APP}/`, '', ' '])(
    'malformed %j',
    (origin) => {
      expect(actual({ origin: APP, credentials: true }, origin)).toMatchObject({
        allowed: false,
        headers: [],
        vary: ['Origin'],
        reason: { code: 'malformed-origin', preflight: false },
      });
    },
  );

  it('absent', () => {
    expect(actual({ origin: APP, credentials: true }, undefined)).toEqual({ kind: 'actual', allowed: false, headers: [], vary: ['Origin'], reason: null });
  });

  it('cuts a long origin to 200 characters in the reason', () => {
    const origin = `https://${'a'.repeat(300)}.example.com`;
    const reason = actual({ origin: APP }, origin).reason!;
    expect(reason.origin).toBe(`${origin.slice(0, 200)}...`);
  });
});

describe('Vary: Origin on every response when the answer depends on the origin', () => {
  const policies: [string, CorsOptions][] = [
    ['exact', { origin: APP }],
    ['pattern', { origin: 'https://*.example.com' }],
    ['RegExp', { origin: /^https:\/\/app\.example\.com$/ }],
    ['validator', { origin: (o: string) => o === APP }],
    ['null', { origin: 'null' }],
  ];
  const requests: [string, string, Record<string, string | string[]>][] = [
    ['allowed', 'GET', { origin: APP }],
    ['refused', 'GET', { origin: 'https://evil.example.net' }],
    ['malformed', 'GET', { origin: 'https://APP.example.com' }],
    ['two origins', 'GET', { origin: [APP, APP] }],
    ['no Origin', 'GET', {}],
    ['OPTIONS without ACRM', 'OPTIONS', { origin: APP }],
    ['allowed preflight', 'OPTIONS', { origin: APP, 'access-control-request-method': 'GET' }],
    ['refused preflight', 'OPTIONS', { origin: APP, 'access-control-request-method': 'DELETE' }],
  ];
  for (const [policyName, options] of policies) {
    it.each(requests)(`${policyName} policy, %s request`, (_, method, headers) => {
      const decision = decideNow(createCorsPolicy(options), method, headers);
      expect(decision.vary).toEqual(['Origin']);
    });
  }
});

describe('which requests are actual requests', () => {
  const policy = createCorsPolicy({ origin: APP, methods: ['GET', 'PUT'] });

  it.each(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'options', 'PROPFIND'])('%s with Origin', (method) => {
    expect(decideNow(policy, method, { origin: APP, 'access-control-request-method': 'PUT' })).toMatchObject({ kind: 'actual', allowed: true });
  });

  it('OPTIONS without Access-Control-Request-Method reaches the application', () => {
    expect(decideNow(policy, 'OPTIONS', { origin: APP })).toEqual({
      kind: 'actual',
      allowed: true,
      headers: [['access-control-allow-origin', APP]],
      vary: ['Origin'],
      reason: null,
    });
  });

  it.each([
    ['empty', ''],
    ['a space inside', 'GE T'],
    ['a list', 'GET, PUT'],
    ['a trailing space', 'PUT '],
    ['non-ASCII', 'PÜT'],
    ['two header lines', ['PUT', 'GET']],
  ])('OPTIONS with a malformed Access-Control-Request-Method (%s) is an actual request', (_, acrm) => {
    expect(decideNow(policy, 'OPTIONS', { origin: APP, 'access-control-request-method': acrm })).toMatchObject({ kind: 'actual', allowed: true });
  });
});

describe('an Origin header given as an array', () => {
  it('of one value is that value', () => {
    expect(headersOf(actual({ origin: APP }, [APP]))).toEqual({ 'access-control-allow-origin': APP });
  });

  it.each([
    ['two equal values', [APP, APP]],
    ['two values', [APP, 'https://evil.example.net']],
    ['no value', []],
  ])('of %s is malformed', (_, origin) => {
    expect(actual({ origin: APP }, origin)).toMatchObject({ allowed: false, headers: [], reason: { code: 'malformed-origin' } });
  });
});

describe('onRefused', () => {
  it('receives the reason and the request for every refusal, and nothing else', () => {
    const seen: [RefusalReason, unknown][] = [];
    const policy = createCorsPolicy<{ id: number }>({ origin: APP, onRefused: (reason, request) => seen.push([reason, request]) });
    policy.decide('GET', { origin: APP }, { id: 1 });
    policy.decide('GET', {}, { id: 2 });
    policy.decide('GET', { origin: 'https://evil.example.net' }, { id: 3 });
    policy.decide('GET', { origin: 'https://APP.example.com' }, { id: 4 });
    policy.decide('GET', { origin: 'null' }, { id: 5 });
    expect(seen.map(([r, req]) => [r.code, r.origin, req])).toEqual([
      ['origin-not-allowed', 'https://evil.example.net', { id: 3 }],
      ['malformed-origin', 'https://APP.example.com', { id: 4 }],
      ['origin-not-allowed', 'null', { id: 5 }],
    ]);
    for (const [reason] of seen) {
      expect(reason.message.length).toBeGreaterThan(0);
      expect(reason.hint.length).toBeGreaterThan(0);
      expect(reason.preflight).toBe(false);
    }
  });

  it('gives the same reason as the decision', () => {
    const onRefused = vi.fn();
    const decision = decideNow(createCorsPolicy({ origin: APP, onRefused }), 'GET', { origin: 'https://evil.example.net' });
    expect(onRefused).toHaveBeenCalledWith(decision.reason, undefined);
  });

  it('is ignored when it throws', () => {
    const policy = createCorsPolicy({
      origin: APP,
      onRefused: () => {
        throw new Error('logger down');
      },
    });
    expect(decideNow(policy, 'GET', { origin: 'https://evil.example.net' })).toMatchObject({ allowed: false, headers: [], reason: { code: 'origin-not-allowed' } });
  });
});

describe('Access-Control-Allow-Origin is only ever * or the exact request origin', () => {
  it('never echoes a different spelling', () => {
    const policy = createCorsPolicy({ origin: ['HTTPS://App.Example.com:443', 'https://*.Example.com'], credentials: true });
    for (const origin of [APP, 'https://a.example.com', 'https://App.example.com', 'https://a.example.com:443']) {
      const acao = headersOf(decideNow(policy, 'GET', { origin }))['access-control-allow-origin'];
      if (acao !== undefined) expect(acao).toBe(origin);
    }
  });

  it('returns fresh decisions, not shared mutable state', () => {
    const policy = createCorsPolicy({ origin: ['https://a.example.com', 'https://b.example.com'] });
    const a = decideNow(policy, 'GET', { origin: 'https://a.example.com' });
    const b = decideNow(policy, 'GET', { origin: 'https://b.example.com' });
    expect(headersOf(a)['access-control-allow-origin']).toBe('https://a.example.com');
    expect(headersOf(b)['access-control-allow-origin']).toBe('https://b.example.com');
  });
});
