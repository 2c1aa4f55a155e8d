// Helpers shared by the @cors/core tests (not a test file itself).
import { expect } from 'vitest';
import { isThenable, type CorsDecision, type CorsHeader, type CorsPolicy, type CorsRequestHeaders } from '../src/index.js';

/** Decides a request and insists the answer is synchronous. */
export function decideNow<R>(policy: CorsPolicy<R>, method: string, headers: CorsRequestHeaders, request?: R): CorsDecision {
  const decision = policy.decide(method, headers, request);
  if (isThenable(decision)) throw new Error('expected a synchronous decision, got a promise');
  return decision;
}

/** Decides a request that must be asynchronous, and awaits it. */
export async function decideLater<R>(policy: CorsPolicy<R>, method: string, headers: CorsRequestHeaders, request?: R): Promise<CorsDecision> {
  const decision = policy.decide(method, headers, request);
  expect(isThenable(decision), 'expected a promise').toBe(true);
  return decision;
}

/** The decision's headers as an object, checking that no name appears twice. */
export function headersOf(decision: { readonly headers: readonly CorsHeader[] }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of decision.headers) {
    expect(out, `header ${name} set twice`).not.toHaveProperty(name);
    out[name] = value;
  }
  return out;
}

/** Request headers of a preflight. */
export function preflightHeaders(
  origin: string,
  method: string,
  requestHeaders?: string,
  extra: Record<string, string> = {},
): CorsRequestHeaders {
  const headers: Record<string, string> = { origin, 'access-control-request-method': method, ...extra };
  if (requestHeaders !== undefined) headers['access-control-request-headers'] = requestHeaders;
  return headers;
}
