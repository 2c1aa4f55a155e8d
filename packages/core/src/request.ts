import { isToken } from './tokens.js';

/**
 * Request headers keyed by lower-case name, as Node's `IncomingMessage#headers` gives them. Only `origin` and
 * the `access-control-request-*` headers are read. A Fetch adapter builds it from `request.headers.get(...)`.
 *
 * @example
 * const headers: CorsRequestHeaders = { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' };
 */
export type CorsRequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Whether a request is a CORS preflight: `OPTIONS` with an `Origin` and a well-formed
 * `Access-Control-Request-Method` (a malformed one counts as absent). Adapters use it to route preflights;
 * `decide` applies the same rule.
 *
 * @example
 * isPreflight('OPTIONS', { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' }); // true
 * isPreflight('OPTIONS', { origin: 'https://app.example.com' }); // false: the application's own OPTIONS
 */
export function isPreflight(method: string, headers: CorsRequestHeaders): boolean {
  if (method !== 'OPTIONS' || headers.origin === undefined) return false;
  const requestMethod = headers['access-control-request-method'];
  return typeof requestMethod === 'string' && isToken(requestMethod);
}

/** A header's one value; `undefined` when absent or when it came as several lines. */
export function singleValue(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return value.length === 1 ? value[0] : undefined;
}
