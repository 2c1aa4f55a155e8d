// Each block guards against a class of CORS bug seen in other libraries (named after the advisory or issue
// class, as jub0bs/cors names its tests). A failure here is a security regression, not a style issue.
import { describe, it, expect, vi } from 'vitest';
import { createCorsPolicy, type CorsOptions } from '../src/index.js';
import { decideLater, decideNow, headersOf } from './support.js';

function allows(options: CorsOptions, origin: string): boolean {
  const decision = decideNow(createCorsPolicy(options), 'GET', { origin });
  if (decision.allowed) expect(headersOf(decision)['access-control-allow-origin']).toBe(options.origin === '*' ? '*' : origin);
  else expect(decision.headers).toEqual([]);
  return decision.allowed;
}

describe('suffix confusion in the origin tree (jub0bs/cors GHSA 2024: barfoo.com allowed by foo.com + bar.com)', () => {
  const origin = ['https://foo.com', 'https://bar.com'];

  it.each(['https://barfoo.com', 'https://foobar.com', 'https://foo.combar.com', 'https://bar.foo.com', 'https://foo.bar.com', 'https://oo.com', 'https://ar.com'])(
    '%s is refused',
    (request) => {
      expect(allows({ origin }, request)).toBe(false);
      expect(allows({ origin: [...origin, 'https://*.baz.com'] }, request)).toBe(false);
    },
  );

  it('the configured origins are still allowed', () => {
    expect(allows({ origin }, 'https://foo.com')).toBe(true);
    expect(allows({ origin }, 'https://bar.com')).toBe(true);
  });

  it('suffix patterns over one another do not bleed', () => {
    const patterns = { origin: ['https://*.foo.com', 'https://*.bar.com', 'https://*.a.foo.com:8443'] };
    expect(allows(patterns, 'https://x.barfoo.com')).toBe(false);
    expect(allows(patterns, 'https://x.foo.com:8443')).toBe(false);
    expect(allows(patterns, 'https://x.a.foo.com:8443')).toBe(true);
    expect(allows(patterns, 'https://x.bar.com')).toBe(true);
  });
});

describe('configured origin as a prefix of an attacker domain (example.com.evil.com)', () => {
  it.each([
    ['https://example.com', 'https://example.com.evil.com'],
    ['https://*.example.com', 'https://a.example.com.evil.com'],
    ['https://*.example.com', 'https://example.com.evil.com'],
    ['https://example.com', 'https://example.com:443.evil.com'],
    ['https://example.com', 'https://example.com@evil.com'],
  ])('%s refuses %s', (configured, request) => {
    expect(allows({ origin: configured }, request)).toBe(false);
  });
});

describe('unanchored suffix match (evilexample.com)', () => {
  it.each(['https://evilexample.com', 'https://a.evilexample.com', 'https://evil-example.com', 'https://evil.com/example.com'])('%s is refused', (request) => {
    expect(allows({ origin: 'https://*.example.com' }, request)).toBe(false);
    expect(allows({ origin: 'https://example.com' }, request)).toBe(false);
  });
});

describe("apex not matched by '*.'", () => {
  it('https://example.com is not one of its own subdomains', () => {
    expect(allows({ origin: 'https://*.example.com' }, 'https://example.com')).toBe(false);
    expect(allows({ origin: 'https://*.example.com:*' }, 'https://example.com:8443')).toBe(false);
    expect(allows({ origin: 'http://*.localhost' }, 'http://localhost')).toBe(false);
  });
});

describe('normalised request origins (upper case, default port, trailing dot, userinfo) are not the configured origin', () => {
  const configured: CorsOptions = { origin: ['https://app.example.com', 'https://*.example.com', 'http://localhost:*'], credentials: false };

  it.each([
    'https://APP.example.com',
    'HTTPS://app.example.com',
    'https://A.example.com',
    'https://app.example.com:443',
    'https://a.example.com:443',
    'http://localhost:80',
    'https://app.example.com.',
    'https://a.example.com.',
    'http://localhost.:3000',
    'https://user@app.example.com',
    'https://user:pass@a.example.com',
    'https://app.example.com/',
    'https://app.example.com/path',
  ])('%s is refused as malformed', (request) => {
    const decision = decideNow(createCorsPolicy(configured), 'GET', { origin: request });
    expect(decision).toMatchObject({ allowed: false, headers: [], reason: { code: 'malformed-origin' } });
  });
});

describe('two origins in one Origin header', () => {
  it.each([
    'https://app.example.com, https://app.example.com',
    'https://app.example.com,https://evil.example.net',
    'https://evil.example.net https://app.example.com',
  ])('%s is refused', (origin) => {
    const policy = createCorsPolicy({ origin: ['https://app.example.com', 'https://evil.example.net', /^https:\/\/.*$/] });
    expect(decideNow(policy, 'GET', { origin })).toMatchObject({ allowed: false, headers: [], reason: { code: 'malformed-origin' } });
  });
});

describe('Origin header given as an array (several Origin lines)', () => {
  it('is refused when it holds more than one value', () => {
    const policy = createCorsPolicy({ origin: 'https://app.example.com', credentials: true });
    const decision = decideNow(policy, 'GET', { origin: ['https://app.example.com', 'https://evil.example.net'] });
    expect(decision).toMatchObject({ allowed: false, headers: [], reason: { code: 'malformed-origin' } });
    const preflight = decideNow(policy, 'OPTIONS', { origin: ['https://app.example.com', 'https://app.example.com'], 'access-control-request-method': 'GET' });
    expect(preflight).toMatchObject({ kind: 'preflight', allowed: false, status: 403, headers: [] });
  });
});

describe('/g RegExp lastIndex alternation (every second request fails)', () => {
  it('a g or y flag is refused at start-up', () => {
    expect(() => createCorsPolicy({ origin: /^https:\/\/app\.example\.com$/g })).toThrow("'g' flag");
    expect(() => createCorsPolicy({ origin: /^https:\/\/app\.example\.com$/y })).toThrow("'y' flag");
  });

  it('an accepted RegExp gives the same answer every time, and its lastIndex is not ours', () => {
    const re = /^https:\/\/pr-\d+\.example\.com$/;
    const policy = createCorsPolicy({ origin: re });
    re.lastIndex = 5;
    for (let i = 0; i < 10; i++) {
      expect(decideNow(policy, 'GET', { origin: 'https://pr-1.example.com' }).allowed).toBe(true);
      expect(decideNow(policy, 'GET', { origin: 'https://pr-x.example.com' }).allowed).toBe(false);
    }
  });
});

describe('RegExp anchored only at its ends (/^a|b$/ is ^a or b$)', () => {
  it.each([
    ['https://app.example.com.evil.net', /^https:\/\/app\.example\.com|https:\/\/admin\.example\.com$/],
    ['https://evil.net?https://admin.example.com', /^https:\/\/app\.example\.com|https:\/\/admin\.example\.com$/],
    ['https://evilhttps-admin.example.com', /^https:\/\/app\.example\.com|https-admin\.example\.com$/],
  ])('%s is refused by %s', (origin, re) => {
    expect(allows({ origin: re }, origin)).toBe(false);
  });

  it('each alternative still matches as a whole origin', () => {
    const re = /^https:\/\/app\.example\.com|https:\/\/admin\.example\.com$/;
    expect(allows({ origin: re }, 'https://app.example.com')).toBe(true);
    expect(allows({ origin: re }, 'https://admin.example.com')).toBe(true);
  });
});

describe('a validator or RegExp never sees a null or malformed origin', () => {
  const bad = [
    'null',
    'https://APP.example.com',
    'https://app.example.com:443',
    'https://app.example.com.',
    'https://user@app.example.com',
    'https://app.example.com, https://app.example.com',
    'https://app.example.com/',
    'https://app.example.com/path',
    ' https://app.example.com',
    'https://app.example.com\n',
    '',
    'http://127.1',
    'http://[0:0:0:0:0:0:0:1]',
    `https://${'a'.repeat(3000)}.com`,
  ];

  it.each(bad)('%j', (origin) => {
    const validator = vi.fn(() => true);
    const re = /^.*$/;
    const test = vi.spyOn(RegExp.prototype, 'test');
    try {
      const policy = createCorsPolicy({ origin: [re, validator] });
      const decision = decideNow(policy, 'GET', { origin });
      const preflight = decideNow(policy, 'OPTIONS', { origin, 'access-control-request-method': 'GET' });
      expect(decision).toMatchObject({ allowed: false, headers: [] });
      expect(preflight).toMatchObject({ allowed: false, status: 403, headers: [] });
      expect(validator).not.toHaveBeenCalled();
      expect(test).not.toHaveBeenCalled();
    } finally {
      test.mockRestore();
    }
  });

  it('nor several Origin values', () => {
    const validator = vi.fn(() => true);
    const policy = createCorsPolicy({ origin: validator });
    decideNow(policy, 'GET', { origin: ['https://a.example.com', 'https://b.example.com'] });
    expect(validator).not.toHaveBeenCalled();
  });

  it('but does see a well-formed origin, as sent', async () => {
    const validator = vi.fn(async (origin: string) => origin === 'https://tenant.example.org');
    const policy = createCorsPolicy({ origin: validator });
    expect((await decideLater(policy, 'GET', { origin: 'https://tenant.example.org' })).allowed).toBe(true);
    expect(validator).toHaveBeenCalledWith('https://tenant.example.org', undefined);
  });
});

describe("reflecting every origin with credentials ('*', true, 'null')", () => {
  it.each([
    ['*', { origin: '*', credentials: true }],
    ['* in a list', { origin: ['https://app.example.com', '*'], credentials: true }],
    ['true', { origin: true, credentials: true }],
    ['true without credentials', { origin: true }],
    ['null', { origin: 'null', credentials: true }],
    ['an unanchored RegExp', { origin: /.*/, credentials: true }],
  ])('%s is refused at start-up', (_, options) => {
    expect(() => createCorsPolicy(options as unknown as CorsOptions)).toThrow('Invalid CORS configuration');
  });

  it("'*' is never sent beside Allow-Credentials", () => {
    const decision = decideNow(createCorsPolicy({ origin: '*' }), 'GET', { origin: 'https://a.example.com' });
    expect(headersOf(decision)).toEqual({ 'access-control-allow-origin': '*' });
  });
});

describe('a disallowed origin turned into a server error by the origin callback', () => {
  it('a throwing validator refuses the origin and the request goes on', () => {
    const policy = createCorsPolicy({
      origin: () => {
        throw new Error('db down');
      },
    });
    expect(decideNow(policy, 'GET', { origin: 'https://a.example.com' })).toMatchObject({ allowed: false, reason: { code: 'validator-error' } });
  });
});

describe('Vary copied from the request or dropped', () => {
  it("the decision's vary never depends on request headers", () => {
    const policy = createCorsPolicy({ origin: 'https://app.example.com' });
    expect(decideNow(policy, 'GET', { origin: 'https://app.example.com', vary: 'Cookie' }).vary).toEqual(['Origin']);
  });
});
