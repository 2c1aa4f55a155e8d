import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCorsPolicy, type CorsDecision, type CorsOptions } from '../src/index.js';

const APP = 'https://app.example.com';
const options: CorsOptions = { origin: [APP, async (o: string) => o === 'https://tenant.example'], methods: ['GET', 'PUT'], allowedHeaders: ['x-a'], debug: true };
const policy = createCorsPolicy(options);
const decide = async (method: string, headers: Record<string, string | string[]>) => (await policy.decide(method, headers)) as CorsDecision;
const preflight = (origin: string, method: string, extra: Record<string, string> = {}) => ({ origin, 'access-control-request-method': method, ...extra });

describe('the debug option', () => {
  it.each([
    ['an origin that is not allowed', 'GET', { origin: 'https://evil.example' }, 'origin-not-allowed; option=origin'],
    ['a malformed origin', 'GET', { origin: 'https://APP.example.com' }, 'malformed-origin'],
    ['two Origin headers', 'GET', { origin: [APP, APP] }, 'malformed-origin'],
    ['a method', 'OPTIONS', preflight(APP, 'PATCH'), 'method-not-allowed; method=PATCH; option=methods'],
    ['headers', 'OPTIONS', preflight(APP, 'PUT', { 'access-control-request-headers': 'x-a,x-b,x-c' }), 'header-not-allowed; header=x-b; header=x-c; option=allowedHeaders'],
    ['private network access', 'OPTIONS', preflight(APP, 'GET', { 'access-control-request-private-network': 'true' }), 'private-network-not-allowed; option=allowPrivateNetwork'],
  ])('answers a refusal of %s with one cors-refusal header and no Access-Control-* header', async (_, method, headers, value) => {
    const decision = await decide(method, headers as Record<string, string>);
    expect(decision.allowed).toBe(false);
    expect(decision.headers).toEqual([['cors-refusal', value]]);
  });

  it('says a failing validator refused, without echoing anything the request sent', async () => {
    const failing = createCorsPolicy({ origin: [() => { throw new Error('db down'); }], debug: true });
    const decision = (await failing.decide('GET', { origin: 'https://tenant.example' })) as CorsDecision;
    expect(decision.headers).toEqual([['cors-refusal', 'validator-error; option=origin']]);
  });

  it('adds nothing to allowed requests, or to requests without an Origin', async () => {
    expect((await decide('GET', { origin: APP })).headers.map(([n]) => n)).toEqual(['access-control-allow-origin']);
    expect((await decide('GET', { origin: 'https://tenant.example' })).headers.map(([n]) => n)).toEqual(['access-control-allow-origin']);
    expect((await decide('GET', {})).headers).toEqual([]);
  });

  it('is off by default', async () => {
    const quiet = createCorsPolicy({ origin: APP });
    expect(((await quiet.decide('GET', { origin: 'https://evil.example' })) as CorsDecision).headers).toEqual([]);
  });
});

describe('debug with NODE_ENV=production', () => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
    vi.restoreAllMocks();
  });

  it('logs one warning per process, and none outside production', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.resetModules();
    const fresh = await import('../src/index.js');
    process.env.NODE_ENV = 'development';
    fresh.createCorsPolicy({ origin: APP, debug: true });
    expect(warn).not.toHaveBeenCalled();
    process.env.NODE_ENV = 'production';
    fresh.createCorsPolicy({ origin: APP });
    expect(warn).not.toHaveBeenCalled();
    fresh.createCorsPolicy({ origin: APP, debug: true });
    fresh.createCorsPolicy({ origin: APP, debug: true });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('debug');
  });
});
