// Security review, finding 5: a validator that throws a value which cannot be turned into a string made
// `decide` throw (or reject), which adapters turned into a 500. No value thrown by user code may escape `decide`.
import { describe, expect, it } from 'vitest';
import { createCorsPolicy, isThenable, type CorsDecision, type OriginValidator, type RefusalReason } from '../src/index.js';
import { preflightHeaders } from './support.js';

const TENANT = 'https://tenant.example.org';

/** The values the review threw, each made fresh (a revoked Proxy cannot be un-revoked). */
export const UNPRINTABLE: ReadonlyArray<readonly [string, () => unknown]> = [
  ['Object.create(null)', () => Object.create(null)],
  [
    'an object whose toString throws',
    () => ({
      toString() {
        throw new Error('toString refuses');
      },
    }),
  ],
  [
    'a revoked Proxy',
    () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    },
  ],
  [
    "an Error whose message getter throws",
    () => {
      const error = new Error('hidden');
      Object.defineProperty(error, 'message', {
        get() {
          throw new Error('message getter refuses');
        },
      });
      return error;
    },
  ],
  ['a Proxy whose every trap throws', () => new Proxy({}, new Proxy({}, { get: () => () => { throw new Error('trap'); } }))],
  ['a Symbol', () => Symbol('thrown')],
];

function expectValidatorRefusal(decision: CorsDecision, reasons: RefusalReason[], preflight: boolean): void {
  expect(decision.allowed).toBe(false);
  expect(decision.headers).toEqual([]);
  expect(decision.vary).toEqual(['Origin']);
  expect(decision.reason?.code).toBe('validator-error');
  expect(decision.reason?.preflight).toBe(preflight);
  // Every text of the reason can still be read, logged and serialised.
  expect(decision.reason!.message).toMatch(/^An origin validator failed for https:\/\/tenant\.example\.org/);
  expect(typeof decision.reason!.hint).toBe('string');
  expect(() => JSON.stringify(decision.reason)).not.toThrow();
  expect(reasons).toEqual([decision.reason]);
  if (preflight) expect(decision).toMatchObject({ kind: 'preflight', status: 403 });
}

describe('review-5-validator-throws-unprintable', () => {
  describe.each(UNPRINTABLE)('a validator that throws %s', (_, make) => {
    it.each([false, true])('refuses synchronously with validator-error (preflight: %s)', (preflight) => {
      const reasons: RefusalReason[] = [];
      const validator: OriginValidator = () => {
        throw make();
      };
      const policy = createCorsPolicy({ origin: [validator], credentials: true, onRefused: (reason) => reasons.push(reason) });
      let decision: CorsDecision | Promise<CorsDecision> | undefined;
      expect(() => {
        decision = preflight ? policy.decide('OPTIONS', preflightHeaders(TENANT, 'GET')) : policy.decide('GET', { origin: TENANT });
      }).not.toThrow();
      expect(isThenable(decision)).toBe(false);
      expectValidatorRefusal(decision as CorsDecision, reasons, preflight);
    });

    it.each([false, true])('refuses asynchronously with validator-error, never rejecting (preflight: %s)', async (preflight) => {
      const reasons: RefusalReason[] = [];
      const validator: OriginValidator = async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw make();
      };
      const policy = createCorsPolicy({ origin: [validator], onRefused: (reason) => reasons.push(reason) });
      const decision = preflight ? policy.decide('OPTIONS', preflightHeaders(TENANT, 'GET')) : policy.decide('GET', { origin: TENANT });
      expect(isThenable(decision)).toBe(true);
      const settled = await (decision as Promise<CorsDecision>).then(
        (value) => value,
        (error: unknown) => ({ rejected: error }),
      );
      expect(settled).not.toHaveProperty('rejected');
      expectValidatorRefusal(settled as CorsDecision, reasons, preflight);
    });

    it('refuses when a validator returns a promise rejected with it, and the next validator still runs', async () => {
      const policy = createCorsPolicy({ origin: [() => Promise.reject(make()), (origin: string) => origin === 'https://b.example.org'] });
      await expect(policy.decide('GET', { origin: 'https://b.example.org' })).resolves.toMatchObject({ allowed: false, reason: { code: 'validator-error' } });
    });
  });

  it('says what was thrown when it can, and cuts a huge message', () => {
    const thrown = (value: unknown) =>
      createCorsPolicy({
        origin: () => {
          throw value;
        },
      }).decide('GET', { origin: TENANT }) as CorsDecision;
    expect(thrown(new Error('tenant database is down')).reason!.message).toBe(`An origin validator failed for ${TENANT}: tenant database is down`);
    expect(thrown('plain string').reason!.message).toBe(`An origin validator failed for ${TENANT}: plain string`);
    expect(thrown(Object.create(null)).reason!.message).toBe(`An origin validator failed for ${TENANT}: a value that cannot be turned into a string`);
    const long = thrown(new Error('x'.repeat(100_000))).reason!.message;
    expect(long.length).toBeLessThan(400);
    // The thrown value itself is kept for the application's own logging.
    const error = new Error('kept');
    expect((thrown(error).reason as Extract<RefusalReason, { code: 'validator-error' }>).error).toBe(error);
  });

  it('a validator that returns a revoked Proxy (whose then cannot be read) refuses too', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const decision = createCorsPolicy({ origin: (() => proxy) as unknown as OriginValidator }).decide('GET', { origin: TENANT }) as CorsDecision;
    expect(decision).toMatchObject({ allowed: false, reason: { code: 'validator-error' } });
    expect(() => JSON.stringify(decision.reason)).not.toThrow();
  });
});
