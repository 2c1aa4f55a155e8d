import { describe, it, expect, vi, afterEach } from 'vitest';
import { createCorsPolicy, isThenable, type OriginValidator, type RefusalReason } from '../src/index.js';
import { decideLater, decideNow, headersOf, preflightHeaders } from './support.js';

const APP = 'https://app.example.com';
const TENANT = 'https://tenant.example.org';

/** A promise with its resolve and reject exposed. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('synchronous validators', () => {
  it('allow with a synchronous decision, receiving the origin and the request', () => {
    const validator = vi.fn((origin: string, request: { host: string }) => origin === TENANT && request.host === 'api');
    const policy = createCorsPolicy<{ host: string }>({ origin: [APP, validator] });
    expect(policy.mayBeAsync).toBe(true);
    const decision = decideNow(policy, 'GET', { origin: TENANT }, { host: 'api' });
    expect(headersOf(decision)).toEqual({ 'access-control-allow-origin': TENANT });
    expect(validator).toHaveBeenCalledExactlyOnceWith(TENANT, { host: 'api' });
  });

  it('refuse with a synchronous decision', () => {
    const policy = createCorsPolicy({ origin: () => false });
    expect(decideNow(policy, 'GET', { origin: TENANT })).toMatchObject({ allowed: false, headers: [], reason: { code: 'origin-not-allowed' } });
  });

  it.each([1, 'yes', {}, [], null, undefined])('only true allows: %j refuses', (value) => {
    const policy = createCorsPolicy({ origin: (() => value) as unknown as OriginValidator });
    expect(decideNow(policy, 'GET', { origin: TENANT }).allowed).toBe(false);
  });

  it('decide a preflight too, before its method and headers are checked', () => {
    const policy = createCorsPolicy({ origin: (o: string) => o === TENANT, methods: ['PUT'], allowedHeaders: ['x-a'] });
    expect(decideNow(policy, 'OPTIONS', preflightHeaders(TENANT, 'PUT', 'x-a'))).toMatchObject({ kind: 'preflight', allowed: true, status: 204 });
    expect(decideNow(policy, 'OPTIONS', preflightHeaders(TENANT, 'DELETE'))).toMatchObject({ allowed: false, reason: { code: 'method-not-allowed' } });
    expect(decideNow(policy, 'OPTIONS', preflightHeaders('https://other.example.org', 'PUT'))).toMatchObject({ allowed: false, reason: { code: 'origin-not-allowed' } });
  });
});

describe('decide returns a promise only when needed', () => {
  const slow = vi.fn(async (origin: string) => origin === TENANT);
  const policy = createCorsPolicy({ origin: [APP, 'https://*.example.com', /^https:\/\/pr-\d+\.example\.net$/, slow] });

  it.each([
    ['an exact entry', APP],
    ['a pattern', 'https://a.example.com'],
    ['a RegExp', 'https://pr-1.example.net'],
  ])('is synchronous when %s matched, and the validator is not called', (_, origin) => {
    slow.mockClear();
    expect(decideNow(policy, 'GET', { origin }).allowed).toBe(true);
    expect(slow).not.toHaveBeenCalled();
  });

  it.each([
    ['no Origin', {}],
    ['the null origin', { origin: 'null' }],
    ['a malformed origin', { origin: 'https://TENANT.example.org' }],
  ])('is synchronous for %s', (_, headers) => {
    expect(decideNow(policy, 'GET', headers).allowed).toBe(false);
  });

  it('is a promise when the validator returns one', async () => {
    expect(await decideLater(policy, 'GET', { origin: TENANT })).toMatchObject({ allowed: true, headers: [['access-control-allow-origin', TENANT]] });
    expect(await decideLater(policy, 'GET', { origin: 'https://other.example.org' })).toMatchObject({ allowed: false, reason: { code: 'origin-not-allowed' } });
  });

  it('is never a promise without validators', () => {
    const plain = createCorsPolicy({ origin: [APP, 'https://*.example.com'] });
    expect(plain.mayBeAsync).toBe(false);
    expect(isThenable(plain.decide('GET', { origin: TENANT }))).toBe(false);
  });

  it('resolves preflights with the whole decision', async () => {
    const decision = await decideLater(policy, 'OPTIONS', preflightHeaders(TENANT, 'POST'));
    expect(decision).toMatchObject({ kind: 'preflight', allowed: true, status: 204 });
  });
});

describe('validator order', () => {
  it('runs validators in order until one allows', async () => {
    const calls: string[] = [];
    const first = vi.fn(async () => (calls.push('first'), false));
    const second = vi.fn(() => (calls.push('second'), true));
    const third = vi.fn(() => (calls.push('third'), true));
    const policy = createCorsPolicy({ origin: [first, second, third] });
    expect((await decideLater(policy, 'GET', { origin: TENANT })).allowed).toBe(true);
    expect(calls).toEqual(['first', 'second']);
  });

  it('stays synchronous while every validator answers synchronously', () => {
    const calls: string[] = [];
    const policy = createCorsPolicy({ origin: [() => (calls.push('a'), false), () => (calls.push('b'), false), () => (calls.push('c'), true)] });
    expect(decideNow(policy, 'GET', { origin: TENANT }).allowed).toBe(true);
    expect(calls).toEqual(['a', 'b', 'c']);
  });

  it('refuses when every validator refuses', async () => {
    const policy = createCorsPolicy({ origin: [async () => false, () => false, async () => false] });
    expect(await decideLater(policy, 'GET', { origin: TENANT })).toMatchObject({ allowed: false, reason: { code: 'origin-not-allowed' } });
  });

  it('accepts a thenable that is not a Promise', async () => {
    const thenable = { then: (resolve: (v: boolean) => void) => resolve(true) };
    const policy = createCorsPolicy({ origin: (() => thenable) as unknown as OriginValidator });
    expect((await decideLater(policy, 'GET', { origin: TENANT })).allowed).toBe(true);
  });
});

describe('failing validators refuse with validator-error and never reject', () => {
  const boom = new Error('db down');

  it.each<[string, OriginValidator[]]>([
    [
      'throws',
      [
        () => {
          throw boom;
        },
      ],
    ],
    ['rejects', [async () => Promise.reject(boom)]],
    [
      'throws after an async refusal',
      [
        async () => false,
        () => {
          throw boom;
        },
      ],
    ],
    ['rejects after a sync refusal', [() => false, () => Promise.reject(boom)]],
  ])('a validator that %s', async (_, validators) => {
    const reasons: RefusalReason[] = [];
    const policy = createCorsPolicy({ origin: validators, credentials: true, onRefused: (r) => reasons.push(r) });
    let result: unknown;
    expect(() => (result = policy.decide('GET', { origin: TENANT }))).not.toThrow();
    const decision = await result;
    expect(decision).toMatchObject({ kind: 'actual', allowed: false, headers: [], vary: ['Origin'], reason: { code: 'validator-error', origin: TENANT, error: boom } });
    expect((decision as { reason: RefusalReason }).reason.message).toContain('db down');
    expect(reasons.map((r) => r.code)).toEqual(['validator-error']);
  });

  it('a throwing validator refuses a preflight with 403', async () => {
    const policy = createCorsPolicy({ origin: [async () => Promise.reject('nope')] });
    const decision = await decideLater(policy, 'OPTIONS', preflightHeaders(TENANT, 'GET'));
    expect(decision).toMatchObject({ kind: 'preflight', allowed: false, status: 403, headers: [], reason: { code: 'validator-error', preflight: true, error: 'nope' } });
  });

  it('a validator that throws after allowing an earlier origin does not affect it', () => {
    const policy = createCorsPolicy({
      origin: [
        APP,
        () => {
          throw boom;
        },
      ],
    });
    expect(decideNow(policy, 'GET', { origin: APP }).allowed).toBe(true);
    expect(decideNow(policy, 'GET', { origin: TENANT }).reason?.code).toBe('validator-error');
  });

  it('an onRefused that throws on a rejected validator does not reject the decision', async () => {
    const policy = createCorsPolicy({
      origin: async () => Promise.reject(boom),
      onRefused: () => {
        throw new Error('logger down');
      },
    });
    await expect(policy.decide('GET', { origin: TENANT })).resolves.toMatchObject({ allowed: false, reason: { code: 'validator-error' } });
  });
});

describe('validatorCache through the policy', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('remembers a result, and answers synchronously once it settled', async () => {
    const validator = vi.fn(async (origin: string) => origin === TENANT);
    const policy = createCorsPolicy({ origin: validator, validatorCache: true });
    expect((await decideLater(policy, 'GET', { origin: TENANT })).allowed).toBe(true);
    expect(decideNow(policy, 'GET', { origin: TENANT }).allowed).toBe(true);
    expect((await decideLater(policy, 'GET', { origin: 'https://other.example.org' })).allowed).toBe(false);
    expect(decideNow(policy, 'GET', { origin: 'https://other.example.org' }).allowed).toBe(false);
    expect(validator).toHaveBeenCalledTimes(2);
  });

  it('shares one call between concurrent requests from one origin', async () => {
    const gate = deferred<boolean>();
    const validator = vi.fn(() => gate.promise);
    const policy = createCorsPolicy({ origin: validator, validatorCache: { maxEntries: 10, ttl: 60 } });
    const first = policy.decide('GET', { origin: TENANT });
    const second = policy.decide('OPTIONS', preflightHeaders(TENANT, 'GET'));
    expect(validator).toHaveBeenCalledTimes(1);
    gate.resolve(true);
    expect(await first).toMatchObject({ kind: 'actual', allowed: true });
    expect(await second).toMatchObject({ kind: 'preflight', allowed: true });
  });

  it('does not cache failures', async () => {
    let attempt = 0;
    const validator = vi.fn(async () => {
      attempt++;
      if (attempt === 1) throw new Error('flaky');
      return true;
    });
    const policy = createCorsPolicy({ origin: validator, validatorCache: true });
    expect((await decideLater(policy, 'GET', { origin: TENANT })).reason?.code).toBe('validator-error');
    expect((await decideLater(policy, 'GET', { origin: TENANT })).allowed).toBe(true);
    expect(decideNow(policy, 'GET', { origin: TENANT }).allowed).toBe(true);
    expect(validator).toHaveBeenCalledTimes(2);
  });

  it('does not cache synchronous throws', () => {
    let calls = 0;
    const policy = createCorsPolicy({
      origin: () => {
        calls++;
        if (calls === 1) throw new Error('flaky');
        return true;
      },
      validatorCache: true,
    });
    expect(decideNow(policy, 'GET', { origin: TENANT }).reason?.code).toBe('validator-error');
    expect(decideNow(policy, 'GET', { origin: TENANT }).allowed).toBe(true);
    expect(calls).toBe(2);
  });

  it('asks again after the ttl', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const validator = vi.fn(() => true);
    const policy = createCorsPolicy({ origin: validator, validatorCache: { ttl: 10 } });
    decideNow(policy, 'GET', { origin: TENANT });
    vi.setSystemTime(1_000_000 + 9_999);
    decideNow(policy, 'GET', { origin: TENANT });
    expect(validator).toHaveBeenCalledTimes(1);
    vi.setSystemTime(1_000_000 + 10_000);
    decideNow(policy, 'GET', { origin: TENANT });
    expect(validator).toHaveBeenCalledTimes(2);
  });

  it('is keyed by origin only', () => {
    const validator = vi.fn((origin: string) => origin === TENANT);
    const policy = createCorsPolicy({ origin: validator, validatorCache: true });
    for (const origin of [TENANT, 'https://b.example.org', TENANT, 'https://b.example.org']) decideNow(policy, 'GET', { origin });
    expect(validator.mock.calls.map(([o]) => o)).toEqual([TENANT, 'https://b.example.org']);
  });

  it('is off by default', () => {
    const validator = vi.fn(() => true);
    const policy = createCorsPolicy({ origin: validator });
    decideNow(policy, 'GET', { origin: TENANT });
    decideNow(policy, 'GET', { origin: TENANT });
    expect(validator).toHaveBeenCalledTimes(2);
  });
});
