// Checking what the caller asked for, before any request: a bad URL or origin is the caller's mistake, reported
// with a hint, never a request to some half-parsed address.
import { parseOrigin } from '@cors/core';

/** A mistake in what the doctor was asked to do (a bad URL, origin, method or header). */
export class DoctorUsageError extends Error {
  override readonly name = 'DoctorUsageError';
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** The URL, which must be absolute http(s). */
export function checkUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DoctorUsageError(`${JSON.stringify(value)} is not an absolute URL; write it with its scheme, e.g. https://api.example.com/items`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DoctorUsageError(`${value}: only http: and https: URLs can be fetched cross-origin`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new DoctorUsageError(`${value}: fetch() refuses a URL with a user name or password in it`);
  }
  url.hash = '';
  return url;
}

/**
 * The page's origin as a browser serialises it (`https://app.example.com`, `http://localhost:5173`, `null`).
 * A trailing slash or an upper-case letter is corrected with a hint rather than sent: no browser sends them.
 */
export function checkOrigin(value: string, what = '--origin'): string {
  if (value === 'null') return value;
  if (parseOrigin(value) !== null) return value;
  let hint = 'write scheme://host[:port], as a browser sends it';
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin !== 'null') hint = `did you mean ${url.origin}?`;
  } catch {
    /* keep the general hint */
  }
  throw new DoctorUsageError(`${what} ${JSON.stringify(value)} is not an origin a browser sends: ${hint}`);
}

/** Header lines given as `Name: value`. */
export function parseHeaderLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new DoctorUsageError(`--header ${JSON.stringify(line)}: write it as 'Name: value'`);
  const name = line.slice(0, colon).trim();
  const value = line.slice(colon + 1).trim();
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new DoctorUsageError(`--header ${JSON.stringify(line)}: ${JSON.stringify(name)} is not a header name`);
  if (/[\r\n\0]/.test(value)) throw new DoctorUsageError(`--header ${JSON.stringify(name)}: the value holds a line break or NUL`);
  return [name, value];
}

export function checkTimeout(ms: number | undefined, what = 'timeout'): number {
  if (ms === undefined) return DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(ms) || ms <= 0) throw new DoctorUsageError(`${what} must be a positive number of milliseconds, got ${ms}`);
  return ms;
}
