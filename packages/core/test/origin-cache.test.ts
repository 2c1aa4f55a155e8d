// The validator cache (issue 14: an object the application holds and invalidates; issue 11 finding 1: keyed by
// everything the validator reads). Through real policies wherever the behaviour is the policy's.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CorsConfigError,
  createCorsPolicy,
  createOriginCache,
  isThenable,
  type CorsConfigProblem,
  type CorsDecision,
  type CorsOptions,
  type CorsPolicy,
  type OriginValidator,
} from '../src/index.js';
import { decideLater, decideNow, preflightHeaders } from './support.js';

const ACME = 'https://acme.example.com';
const GLOBEX = 'https://globex.example.com';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise reaction run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function problemsOf(make: () => unknown): CorsConfigProblem[] {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(CorsConfigError);
    return [...(error as CorsConfigError).problems];
  }
  return [];
}

const allowedOf = async (decision: CorsDecision | Promise<CorsDecision>): Promise<boolean> => (await decision).allowed;

afterEach(() => {
  vi.useRealTimers();
});

describe('createOriginCache', () => {
  it('has documented defaults: 1000 entries, 60 s, refusals for 10 s', () => {
    const cache = createOriginCache();
    expect([cache.maxEntries, cache.ttl, cache.refusedTtl]).toEqual([1000, 60, 10]);
    expect(cache.stats()).toEqual({ hits: 0, misses: 0, size: 0, maxEntries: 1000, evictions: 0 });
  });

  it('keeps refusals no longer than allowed answers unless told', () => {
    expect(createOriginCache({ ttl: 5 }).refusedTtl).toBe(5);
    expect(createOriginCache({ ttl: 300 }).refusedTtl).toBe(10);
    expect(createOriginCache({ ttl: 300, refusedTtl: 0 }).refusedTtl).toBe(0);
    expect(createOriginCache({ ttl: 1, refusedTtl: 30 }).refusedTtl).toBe(30);
  });

  it('refuses wrong options with CorsConfigError, every problem at once, each with a hint', () => {
    const problems = problemsOf(() =>
      createOriginCache({ maxEntries: 0, ttl: -1, refusedTtl: Number.NaN, key: 'host', size: 3 } as never),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'createOriginCache.maxEntries',
      'createOriginCache.ttl',
      'createOriginCache.refusedTtl',
      'createOriginCache.key',
      'createOriginCache.size',
    ]);
    for (const problem of problems) expect(problem.hint).not.toBe('');
  });

  it('reads only its options’ own properties', () => {
    const polluted = Object.create({ ttl: -5, maxEntries: 'lots' }) as object;
    const cache = createOriginCache(polluted);
    expect([cache.maxEntries, cache.ttl]).toEqual([1000, 60]);
  });
});

describe('the validatorCache option', () => {
  it.each([
    ['yes', 'validatorCache'],
    [null, 'validatorCache'],
    [[], 'validatorCache'],
    [{ maxEntries: 0 }, 'validatorCache.maxEntries'],
    [{ maxEntries: 1.5 }, 'validatorCache.maxEntries'],
    [{ ttl: 0 }, 'validatorCache.ttl'],
    [{ ttl: Infinity }, 'validatorCache.ttl'],
    [{ refusedTtl: -1 }, 'validatorCache.refusedTtl'],
    [{ key: 'hostname' }, 'validatorCache.key'],
    [{ size: 10 }, 'validatorCache.size'],
  ])('refuses %j at %s', (validatorCache, path) => {
    const problems = problemsOf(() => createCorsPolicy({ origin: (o: string) => o === ACME, validatorCache } as CorsOptions));
    expect(problems.map((p) => p.path)).toContain(path);
  });

  it.each([true, false, {}, { maxEntries: 10, ttl: 0.5, refusedTtl: 0 }, { key: () => '' }])('accepts %j', (validatorCache) => {
    expect(problemsOf(() => createCorsPolicy({ origin: (o: string) => o === ACME, validatorCache: validatorCache as never }))).toEqual([]);
  });

  describe('a validator that declares a request parameter (finding 1)', () => {
    const byHost = (origin: string, request: { hostname: string }) => origin === `https://${request.hostname}`;

    it.each([
      ['true', true],
      ['{ ttl: 60 }', { ttl: 60 }],
      ['a cache without key', createOriginCache({ ttl: 60 })],
    ])('is refused at start-up with %s, with a hint naming key', (_label, validatorCache) => {
      const problems = problemsOf(() => createCorsPolicy({ origin: ['https://static.example.com', byHost], validatorCache: validatorCache as never }));
      expect(problems).toHaveLength(1);
      expect(problems[0]!.path).toBe('validatorCache');
      expect(problems[0]!.message).toContain("'byHost'");
      expect(problems[0]!.hint).toContain('key: (origin, request) =>');
    });

    it('is accepted with a key, inline or on the cache, and without a cache', () => {
      const key = (_origin: string, request: { hostname: string }) => request.hostname;
      expect(problemsOf(() => createCorsPolicy({ origin: byHost, validatorCache: { ttl: 60, key } }))).toEqual([]);
      expect(problemsOf(() => createCorsPolicy({ origin: byHost, validatorCache: createOriginCache({ key }) }))).toEqual([]);
      expect(problemsOf(() => createCorsPolicy({ origin: byHost }))).toEqual([]);
    });
  });
});

describe('answers through a policy', () => {
  it('remembers an allowed and a refused answer, answering synchronously once settled, and counts', async () => {
    const validator = vi.fn(async (origin: string) => origin === ACME);
    const cache = createOriginCache({ ttl: 60 });
    const policy = createCorsPolicy({ origin: validator, validatorCache: cache });
    expect(await allowedOf(decideLater(policy, 'GET', { origin: ACME }))).toBe(true);
    expect(await allowedOf(decideLater(policy, 'GET', { origin: GLOBEX }))).toBe(false);
    expect(decideNow(policy, 'GET', { origin: ACME }).allowed).toBe(true);
    expect(decideNow(policy, 'OPTIONS', preflightHeaders(ACME, 'POST')).allowed).toBe(true);
    expect(decideNow(policy, 'GET', { origin: GLOBEX }).allowed).toBe(false);
    expect(validator).toHaveBeenCalledTimes(2);
    expect(cache.stats()).toMatchObject({ hits: 3, misses: 2, size: 2, evictions: 0 });
  });

  it('shares one call between concurrent requests, counted as hits', async () => {
    const gate = deferred<boolean>();
    const validator = vi.fn(() => gate.promise);
    const cache = createOriginCache();
    const policy = createCorsPolicy({ origin: validator, validatorCache: cache });
    const pending = [policy.decide('GET', { origin: ACME }), policy.decide('OPTIONS', preflightHeaders(ACME, 'GET'))];
    expect(validator).toHaveBeenCalledTimes(1);
    gate.resolve(true);
    expect(await Promise.all(pending.map(allowedOf))).toEqual([true, true]);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('never remembers a failure, thrown or rejected', async () => {
    let calls = 0;
    const cache = createOriginCache();
    const policy = createCorsPolicy({
      origin: (origin: string) => {
        calls++;
        if (calls === 1) throw new Error('db down');
        if (calls === 2) return Promise.reject(new Error('db down'));
        return origin === ACME;
      },
      validatorCache: cache,
    });
    expect(decideNow(policy, 'GET', { origin: ACME }).reason?.code).toBe('validator-error');
    expect((await decideLater(policy, 'GET', { origin: ACME })).reason?.code).toBe('validator-error');
    await settled();
    expect(cache.stats().size).toBe(0);
    expect(decideNow(policy, 'GET', { origin: ACME }).allowed).toBe(true);
    expect(decideNow(policy, 'GET', { origin: ACME }).allowed).toBe(true);
    expect(calls).toBe(3);
  });

  it('keeps allowed answers for ttl and refusals for refusedTtl', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const validator = vi.fn((origin: string) => origin === ACME);
    const policy = createCorsPolicy({ origin: validator, validatorCache: { ttl: 60, refusedTtl: 5 } });
    decideNow(policy, 'GET', { origin: ACME });
    decideNow(policy, 'GET', { origin: GLOBEX });
    vi.setSystemTime(1_000_000 + 4_999);
    decideNow(policy, 'GET', { origin: ACME });
    decideNow(policy, 'GET', { origin: GLOBEX });
    expect(validator).toHaveBeenCalledTimes(2);
    vi.setSystemTime(1_000_000 + 5_000);
    decideNow(policy, 'GET', { origin: GLOBEX }); // the refusal expired
    decideNow(policy, 'GET', { origin: ACME });
    expect(validator.mock.calls.map(([o]) => o)).toEqual([ACME, GLOBEX, GLOBEX]);
    vi.setSystemTime(1_000_000 + 60_000);
    decideNow(policy, 'GET', { origin: ACME });
    expect(validator.mock.calls.map(([o]) => o)).toEqual([ACME, GLOBEX, GLOBEX, ACME]);
  });

  it('with refusedTtl: 0 remembers no refusal, sync or async', async () => {
    const sync = vi.fn(() => false);
    const cache = createOriginCache({ refusedTtl: 0 });
    const policy = createCorsPolicy({ origin: sync, validatorCache: cache });
    decideNow(policy, 'GET', { origin: ACME });
    decideNow(policy, 'GET', { origin: ACME });
    expect(sync).toHaveBeenCalledTimes(2);
    const later = vi.fn(async () => false);
    const asyncPolicy = createCorsPolicy({ origin: later, validatorCache: cache });
    await decideLater(asyncPolicy, 'GET', { origin: ACME });
    await settled();
    await decideLater(asyncPolicy, 'GET', { origin: ACME });
    expect(later).toHaveBeenCalledTimes(2);
    expect(cache.stats().size).toBe(0);
  });

  it('runs validators in order and remembers the combined answer', () => {
    const first = vi.fn(() => false);
    const second = vi.fn((origin: string) => origin === ACME);
    const policy = createCorsPolicy({ origin: [first, second], validatorCache: true });
    for (let i = 0; i < 3; i++) expect(decideNow(policy, 'GET', { origin: ACME }).allowed).toBe(true);
    expect([first.mock.calls.length, second.mock.calls.length]).toEqual([1, 1]);
  });
});

describe('keys: a cached answer is reused only for the same inputs (finding 1)', () => {
  interface Req {
    hostname: string;
  }
  const tenants: Record<string, string> = { 'acme.api.test': ACME, 'globex.api.test': GLOBEX };
  const isTenantOrigin = vi.fn(async (origin: string, request: Req) => tenants[request.hostname] === origin);

  function policyWith(validatorCache: CorsOptions<Req>['validatorCache']): CorsPolicy<Req> {
    isTenantOrigin.mockClear();
    return createCorsPolicy<Req>({ origin: [isTenantOrigin], credentials: true, validatorCache });
  }

  it.each([
    ['inline', () => ({ ttl: 60, key: (_o: string, r: Req) => r.hostname })],
    ['on a shared cache', () => createOriginCache<Req>({ ttl: 60, key: (_o, r) => r.hostname })],
  ])('%s: one host’s cached yes is not another host’s, nor the other way round', async (_label, make) => {
    const policy = policyWith(make());
    const globex = { hostname: 'globex.api.test' };
    const acme = { hostname: 'acme.api.test' };
    expect(await allowedOf(policy.decide('GET', { origin: GLOBEX }, globex))).toBe(true);
    expect(await allowedOf(policy.decide('GET', { origin: GLOBEX }, acme))).toBe(false);
    expect(await allowedOf(policy.decide('GET', { origin: ACME }, acme))).toBe(true);
    // Each (origin, host) is now cached: answered synchronously, and still right.
    expect(decideNow(policy, 'GET', { origin: GLOBEX }, globex).allowed).toBe(true);
    expect(decideNow(policy, 'GET', { origin: GLOBEX }, acme).allowed).toBe(false);
    expect(decideNow(policy, 'GET', { origin: ACME }, acme).allowed).toBe(true);
    expect(isTenantOrigin).toHaveBeenCalledTimes(3);
  });

  it('delete(origin) forgets the origin under every key', async () => {
    const cache = createOriginCache<Req>({ key: (_o, r) => r.hostname });
    const policy = policyWith(cache);
    for (const hostname of ['acme.api.test', 'globex.api.test', 'initech.api.test']) await policy.decide('GET', { origin: GLOBEX }, { hostname });
    await policy.decide('GET', { origin: ACME }, { hostname: 'acme.api.test' });
    await settled();
    expect(cache.stats().size).toBe(4);
    expect(cache.delete(GLOBEX)).toBe(true);
    expect(cache.stats().size).toBe(1);
    expect(cache.delete(GLOBEX)).toBe(false);
    expect(isThenable(policy.decide('GET', { origin: GLOBEX }, { hostname: 'globex.api.test' }))).toBe(true);
    expect(decideNow(policy, 'GET', { origin: ACME }, { hostname: 'acme.api.test' }).allowed).toBe(true);
  });

  it('a key that throws or returns no string refuses the origin (validator-error) and caches nothing', () => {
    const validator = vi.fn(() => true);
    const cache = createOriginCache({ key: (_o, r: Req | undefined) => r!.hostname });
    const policy = createCorsPolicy<Req | undefined>({ origin: validator, validatorCache: cache });
    expect(decideNow(policy, 'GET', { origin: ACME }, undefined).reason?.code).toBe('validator-error');
    const odd = createCorsPolicy({ origin: validator, validatorCache: { key: (() => 42) as never } });
    expect(decideNow(odd, 'GET', { origin: ACME }).reason?.code).toBe('validator-error');
    expect(validator).not.toHaveBeenCalled();
    expect(cache.stats().size).toBe(0);
  });
});

describe('one cache, several policies', () => {
  it('policies with the same validators share answers', async () => {
    const validator = vi.fn(async (origin: string) => origin === ACME);
    const cache = createOriginCache();
    const api = createCorsPolicy({ origin: validator, validatorCache: cache, credentials: true });
    const route = createCorsPolicy({ origin: validator, validatorCache: cache, methods: ['PUT'] });
    expect(await allowedOf(decideLater(api, 'GET', { origin: ACME }))).toBe(true);
    expect(decideNow(route, 'OPTIONS', preflightHeaders(ACME, 'PUT')).allowed).toBe(true);
    expect(validator).toHaveBeenCalledTimes(1);
  });

  it('policies with other validators never see each other’s answers', () => {
    const tenants = vi.fn((origin: string) => origin === ACME);
    const admins = vi.fn((origin: string) => origin === GLOBEX);
    const cache = createOriginCache();
    const api = createCorsPolicy({ origin: tenants, validatorCache: cache });
    const admin = createCorsPolicy({ origin: admins, validatorCache: cache });
    const both = createCorsPolicy({ origin: [tenants, admins], validatorCache: cache });
    expect(decideNow(api, 'GET', { origin: ACME }).allowed).toBe(true);
    expect(decideNow(admin, 'GET', { origin: ACME }).allowed).toBe(false);
    expect(decideNow(admin, 'GET', { origin: GLOBEX }).allowed).toBe(true);
    expect(decideNow(api, 'GET', { origin: GLOBEX }).allowed).toBe(false);
    expect(decideNow(both, 'GET', { origin: GLOBEX }).allowed).toBe(true);
    expect(cache.stats().size).toBe(5);
    cache.delete(ACME);
    expect(cache.stats().size).toBe(3);
  });
});

describe('exact invalidation', () => {
  it('after delete(origin) a later request asks the validator again; other origins stay', () => {
    const db = new Set([ACME, GLOBEX]);
    const validator = vi.fn((origin: string) => db.has(origin));
    const cache = createOriginCache({ ttl: 300 });
    const policy = createCorsPolicy({ origin: validator, validatorCache: cache });
    decideNow(policy, 'GET', { origin: ACME });
    decideNow(policy, 'GET', { origin: GLOBEX });
    db.delete(ACME);
    expect(decideNow(policy, 'GET', { origin: ACME }).allowed).toBe(true); // not told yet: the cached answer
    expect(cache.delete(ACME)).toBe(true);
    expect(decideNow(policy, 'GET', { origin: ACME }).allowed).toBe(false);
    expect(decideNow(policy, 'GET', { origin: GLOBEX }).allowed).toBe(true);
    expect(validator.mock.calls.map(([o]) => o)).toEqual([ACME, GLOBEX, ACME]);
  });

  it('delete accepts a spelling browsers never send, and forgets the one they do', () => {
    const validator = vi.fn(() => true);
    const cache = createOriginCache();
    const policy = createCorsPolicy({ origin: validator, validatorCache: cache });
    decideNow(policy, 'GET', { origin: ACME });
    expect(cache.delete('HTTPS://ACME.example.com:443/')).toBe(true);
    expect(cache.stats().size).toBe(0);
    expect(cache.delete('not an origin')).toBe(false);
  });

  it('clear() forgets everything', () => {
    const validator = vi.fn(() => true);
    const cache = createOriginCache();
    const policy = createCorsPolicy({ origin: validator, validatorCache: cache });
    decideNow(policy, 'GET', { origin: ACME });
    decideNow(policy, 'GET', { origin: GLOBEX });
    cache.clear();
    expect(cache.stats().size).toBe(0);
    decideNow(policy, 'GET', { origin: ACME });
    expect(validator).toHaveBeenCalledTimes(3);
  });

  it.each(['delete', 'clear'] as const)('%s while a call is in flight: its answer is not stored, and later requests do not share it', async (how) => {
    const calls: ReturnType<typeof deferred<boolean>>[] = [];
    const validator = vi.fn(() => {
      const call = deferred<boolean>();
      calls.push(call);
      return call.promise;
    });
    const cache = createOriginCache({ ttl: 300 });
    const policy = createCorsPolicy({ origin: validator, validatorCache: cache });

    const before = policy.decide('GET', { origin: ACME }); // starts call 0: the tenant is still there
    if (how === 'delete') cache.delete(ACME);
    else cache.clear();
    const after = policy.decide('GET', { origin: ACME }); // must not share call 0
    expect(validator).toHaveBeenCalledTimes(2);

    calls[0]!.resolve(true); // the stale "yes" arrives first
    expect(await allowedOf(before)).toBe(true); // the request that started before the delete may see it
    await settled();
    expect(isThenable(policy.decide('GET', { origin: ACME }))).toBe(true); // it was not stored: call 1 is shared
    expect(validator).toHaveBeenCalledTimes(2);

    calls[1]!.resolve(false);
    expect(await allowedOf(after)).toBe(false);
    await settled();
    expect(decideNow(policy, 'GET', { origin: ACME }).allowed).toBe(false);
    expect(validator).toHaveBeenCalledTimes(2);
  });

  it('a delete while a synchronous validator runs stores nothing', () => {
    const cache = createOriginCache();
    let reentered = false;
    const validator = vi.fn((origin: string) => {
      if (!reentered) {
        reentered = true;
        cache.delete(origin); // the application invalidates from inside (an event handler, say)
      }
      return true;
    });
    const policy = createCorsPolicy({ origin: validator, validatorCache: cache });
    decideNow(policy, 'GET', { origin: ACME });
    decideNow(policy, 'GET', { origin: ACME });
    expect(validator).toHaveBeenCalledTimes(2);
  });

  // Model: a table of origins that the validator reads when a call starts and answers some time later; the
  // application changes a row and then calls delete(origin) (or changes several and calls clear()). Requests,
  // completions, rejections, changes and evictions interleave at random. Whatever the order, every request must get
  // the row as it was when the request started (or a validator-error from a failed call), through two policies
  // sharing the cache.
  it('races: every request sees the table as it was when it started', async () => {
    const origins = [ACME, GLOBEX, 'https://initech.example.com'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), origin: fc.nat(2), policy: fc.nat(1) }),
      fc.record({ kind: fc.constant('resolve' as const), pick: fc.nat(), fail: fc.boolean() }),
      fc.record({ kind: fc.constant('change' as const), origin: fc.nat(2), value: fc.boolean() }),
      fc.record({ kind: fc.constant('clear' as const), value: fc.boolean() }),
      fc.record({ kind: fc.constant('tick' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), fc.integer({ min: 2, max: 5 }), async (ops, maxEntries) => {
        const table = new Map(origins.map((o) => [o, false]));
        const inFlight: { answer: boolean; call: ReturnType<typeof deferred<boolean>> }[] = [];
        const validator: OriginValidator = (origin) => {
          const call = deferred<boolean>();
          inFlight.push({ answer: table.get(origin)!, call });
          return call.promise;
        };
        const cache = createOriginCache({ maxEntries, ttl: 300, refusedTtl: 300 });
        const policies = [
          createCorsPolicy({ origin: validator, validatorCache: cache }),
          createCorsPolicy({ origin: validator, validatorCache: cache, credentials: true }),
        ];
        const checks: Promise<void>[] = [];
        const request = (origin: string, policy: CorsPolicy) => {
          const expected = table.get(origin)!;
          const decision = policy.decide('GET', { origin });
          checks.push(
            Promise.resolve(decision).then((d) => {
              if (d.reason?.code === 'validator-error') return;
              if (d.allowed !== expected) throw new Error(`${origin}: got ${d.allowed}, the table said ${expected} when the request started`);
            }),
          );
        };
        for (const step of ops) {
          if (step.kind === 'request') request(origins[step.origin]!, policies[step.policy]!);
          else if (step.kind === 'resolve' && inFlight.length > 0) {
            const [done] = inFlight.splice(step.pick % inFlight.length, 1);
            if (step.fail) done!.call.reject(new Error('db down'));
            else done!.call.resolve(done!.answer);
          } else if (step.kind === 'change') {
            table.set(origins[step.origin]!, step.value);
            cache.delete(origins[step.origin]!);
          } else if (step.kind === 'clear') {
            for (const o of origins) table.set(o, step.value);
            cache.clear();
          } else if (step.kind === 'tick') await settled();
        }
        while (inFlight.length > 0) {
          const done = inFlight.shift()!;
          done.call.resolve(done.answer);
          await settled();
        }
        await Promise.all(checks);
        for (const origin of origins) request(origin, policies[0]!);
        while (inFlight.length > 0) {
          const done = inFlight.shift()!;
          done.call.resolve(done.answer);
        }
        await Promise.all(checks);
        expect(cache.stats().size).toBeLessThanOrEqual(maxEntries);
      }),
      { numRuns: 300 },
    );
  });
});

describe('bounded memory, constant-time answers', () => {
  it('drops the least recently used answer first, and counts evictions', () => {
    const validator = vi.fn(() => true);
    const cache = createOriginCache({ maxEntries: 2 });
    const policy = createCorsPolicy({ origin: validator, validatorCache: cache });
    const a = 'https://a.example.com';
    const b = 'https://b.example.com';
    const c = 'https://c.example.com';
    decideNow(policy, 'GET', { origin: a });
    decideNow(policy, 'GET', { origin: b });
    decideNow(policy, 'GET', { origin: a }); // a is now the most recent
    decideNow(policy, 'GET', { origin: c }); // b goes
    expect(cache.stats()).toMatchObject({ size: 2, evictions: 1 });
    decideNow(policy, 'GET', { origin: a });
    decideNow(policy, 'GET', { origin: c });
    expect(validator).toHaveBeenCalledTimes(3);
    decideNow(policy, 'GET', { origin: b });
    expect(validator).toHaveBeenCalledTimes(4);
  });

  it('bounds many keys under one origin as well', () => {
    const cache = createOriginCache<{ hostname: string }>({ maxEntries: 10, key: (_o, r) => r.hostname });
    const policy = createCorsPolicy<{ hostname: string }>({ origin: (_o: string, _r: { hostname: string }) => true, validatorCache: cache });
    for (let i = 0; i < 1000; i++) decideNow(policy, 'GET', { origin: ACME }, { hostname: `h${i}.api.test` });
    expect(cache.stats()).toMatchObject({ size: 10, evictions: 990, misses: 1000 });
    decideNow(policy, 'GET', { origin: ACME }, { hostname: 'h999.api.test' });
    expect(cache.stats().hits).toBe(1);
  });

  it('holds at most maxEntries under 1,000,000 unique origins: the heap stops growing', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = (): number => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const cache = createOriginCache({ maxEntries: 10_000, ttl: 300 });
    const policy = createCorsPolicy({ origin: (origin: string) => origin.length % 2 === 0, validatorCache: cache });
    const flood = (from: number, to: number) => {
      for (let i = from; i < to; i++) policy.decide('GET', { origin: `https://t${i}.tenants.example.com` });
    };
    const empty = heap();
    flood(0, 100_000); // the cache is full from here on
    const full = heap();
    flood(100_000, 1_000_000);
    const after = heap();
    expect(cache.stats()).toMatchObject({ size: 10_000, misses: 1_000_000, evictions: 990_000 });
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(`origin cache heap: ${mb(full - empty)} MB when full (10,000 answers), +${mb(after - full)} MB after 900,000 more origins`);
    expect(full - empty).toBeLessThan(16 * 1024 * 1024);
    expect(after - full).toBeLessThan(2 * 1024 * 1024);
  }, 60_000);
});
