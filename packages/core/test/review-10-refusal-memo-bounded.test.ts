// Security review, finding 10: the refusal memo of exact-only policies kept the full raw Origin as its key, so
// 2 x 511 refused origins of about 15 KB cost some 15.6 MB per policy, and twenty per-route policies 310 MB.
// The memo is now bounded by bytes, and an Origin longer than any well-formed one is never remembered.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createCorsPolicy, type CorsDecision, type CorsPolicy } from '../src/index.js';
import { preflightHeaders } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Unique origins of `length` characters, as a scanner or a fuzzer would send them. */
function origins(count: number, length: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const head = `https://${tag}-${i}.`;
    out.push(head + 'a'.repeat(length - head.length - 4) + '.com');
  }
  return out;
}

/**
 * Sends `count` unique origins as actual requests and as many others as preflights, as the review did; each
 * string is fresh, as each request brings its own header value.
 */
function flood(policy: CorsPolicy, count: number, length: number, tag: string): void {
  for (const origin of origins(count, length, `${tag}a`)) {
    if ((policy.decide('GET', { origin }) as CorsDecision).allowed) throw new Error('expected a refusal');
  }
  for (const origin of origins(count, length, `${tag}p`)) {
    if ((policy.decide('OPTIONS', preflightHeaders(origin, 'GET')) as CorsDecision).allowed) throw new Error('expected a refusal');
  }
}

const MB = 1024 * 1024;

describe('review-10-refusal-memo-bounded', () => {
  it('20 per-route policies refusing 2 x 511 origins of 15 KB stay far below hundreds of MB', () => {
    const before = heapAfterGc();
    const policies: CorsPolicy[] = [];
    for (let route = 0; route < 20; route++) {
      const policy = createCorsPolicy({ origin: ['https://app.example.com', 'https://admin.example.com'], credentials: true });
      flood(policy, 511, 15_000, `r${route}`);
      policies.push(policy);
    }
    const grown = heapAfterGc() - before;
    expect(policies).toHaveLength(20); // kept alive until measured
    // Before the fix this was about 310 MB.
    expect(grown / MB).toBeLessThan(16);
  });

  it('well-formed origins just under the length limit are bounded by bytes too', () => {
    const before = heapAfterGc();
    const policies: CorsPolicy[] = [];
    for (let route = 0; route < 20; route++) {
      const policy = createCorsPolicy({ origin: 'https://app.example.com' });
      flood(policy, 511, 2_000, `w${route}`);
      policies.push(policy);
    }
    const grown = heapAfterGc() - before;
    expect(policies).toHaveLength(20);
    // Unbounded by bytes this was about 40 MB of keys alone (20 x 2 x 511 x 2 KB).
    expect(grown / MB).toBeLessThan(16);
  });

  it('a refused origin that repeats is still answered from the memo, with the same frozen reason', () => {
    const policy = createCorsPolicy({ origin: 'https://app.example.com' });
    const first = policy.decide('GET', { origin: 'https://evil.example.net' }) as CorsDecision;
    const second = policy.decide('GET', { origin: 'https://evil.example.net' }) as CorsDecision;
    expect(first.reason).toBe(second.reason);
    expect(Object.isFrozen(first.reason)).toBe(true);
  });

  it('an origin too long to be well-formed is refused as malformed every time, and never remembered', () => {
    const policy = createCorsPolicy({ origin: 'https://app.example.com' });
    const long = `https://${'a'.repeat(15_000)}.com`;
    const first = policy.decide('GET', { origin: long }) as CorsDecision;
    const second = policy.decide('GET', { origin: long }) as CorsDecision;
    expect(first.reason?.code).toBe('malformed-origin');
    expect(second.reason?.code).toBe('malformed-origin');
    expect(first.reason).not.toBe(second.reason);
    expect(first.reason!.origin.length).toBeLessThanOrEqual(203);
  });

  it('keeps classifying every origin correctly while the memo starts afresh under a flood', () => {
    const policy = createCorsPolicy({ origin: 'https://app.example.com' });
    for (let i = 0; i < 5_000; i++) {
      const origin = i % 2 === 0 ? `https://n${i}.example.net` : `https://N${i}.example.net`;
      const decision = policy.decide('GET', { origin }) as CorsDecision;
      expect(decision.reason?.code).toBe(i % 2 === 0 ? 'origin-not-allowed' : 'malformed-origin');
      if (i % 1000 === 0) expect((policy.decide('GET', { origin: 'https://app.example.com' }) as CorsDecision).allowed).toBe(true);
    }
  });
});
