import type { ProblemList } from './errors.js';

/** The status of a refused preflight. Browsers fail any preflight without an ok (2xx) status. */
export const REFUSED_PREFLIGHT_STATUS = 403;

/**
 * Compiles `preflightStatus`: the status of an allowed preflight, 200 to 299 (default 204).
 *
 * Permitted: `204`, `200` (for very old clients). Refused: `301`, `404`, `'204'`.
 */
export function compilePreflightStatus(value: unknown, problems: ProblemList): number {
  if (value === undefined) return 204;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 200 || value > 299) {
    problems.add('preflightStatus', `must be an integer from 200 to 299, got ${JSON.stringify(value) ?? String(value)}`, 'use 204 (the default), or 200 for very old clients');
    return 204;
  }
  return value;
}

/**
 * The `Content-Length` that goes with a preflight's empty body: none on a 204, which RFC 9110 (section 8.6)
 * forbids to carry one, and `'0'` on any other status, so a keep-alive client does not wait for a body.
 */
export function preflightContentLength(status: number): '0' | undefined {
  return status === 204 ? undefined : '0';
}
