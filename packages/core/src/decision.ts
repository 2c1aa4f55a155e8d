import { NO_HEADERS, type CorsHeader } from './header-list.js';
import { isPreflight, type CorsRequestHeaders } from './request.js';
import { REFUSED_PREFLIGHT_STATUS, preflightContentLength } from './preflight-response.js';
import type { RefusalReason } from './refusal.js';
import { VARY_NONE } from './vary.js';

/**
 * What to do with a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): answer it with
 * `status`, `headers`, `Content-Length` as `contentLength` says, and an empty body. The application never sees it.
 *
 * @example
 * if (decision.kind === 'preflight') {
 *   res.statusCode = decision.status;
 *   for (const [name, value] of decision.headers) res.setHeader(name, value);
 *   if (decision.contentLength !== undefined) res.setHeader('content-length', decision.contentLength);
 *   res.end();
 * }
 */
export interface PreflightDecision {
  /** Tells a preflight decision from an actual-request one. */
  readonly kind: 'preflight';
  /** True when the origin, the method and every requested header are allowed. */
  readonly allowed: boolean;
  /** `preflightStatus` when allowed, 403 when refused. The body is always empty. */
  readonly status: number;
  /** The headers to set, names in lower case; no `Access-Control-*` header when refused. */
  readonly headers: readonly CorsHeader[];
  /** Tokens to merge into `Vary` (see `mergeVary`). */
  readonly vary: readonly string[];
  /** `Content-Length` for the empty body: `'0'`, or `undefined` (none at all) on a 204, as RFC 9110 (8.6) says. */
  readonly contentLength: '0' | undefined;
  /** Why it was refused, or `null`. */
  readonly reason: RefusalReason | null;
}

/**
 * What to do with any other request: set `headers`, merge `vary`, and let the application handle it as usual.
 *
 * @example
 * if (decision.kind === 'actual') {
 *   for (const [name, value] of decision.headers) res.setHeader(name, value);
 *   next();
 * }
 */
export interface ActualRequestDecision {
  /** Tells an actual-request decision from a preflight one. */
  readonly kind: 'actual';
  /** True when the response carries `Access-Control-Allow-Origin`. */
  readonly allowed: boolean;
  /** The headers to set, names in lower case; no `Access-Control-*` header unless allowed. */
  readonly headers: readonly CorsHeader[];
  /** Tokens to merge into `Vary` (see `mergeVary`), whether allowed or not. */
  readonly vary: readonly string[];
  /** Why it was refused, or `null` (also `null` when there was no `Origin` at all). */
  readonly reason: RefusalReason | null;
}

/**
 * The decision for one request: a {@link PreflightDecision} to answer, or an {@link ActualRequestDecision} to
 * pass on. Tell them apart by `kind`.
 *
 * @example
 * const decision = await policy.decide(req.method, req.headers, req);
 * if (!decision.allowed && decision.reason) log(decision.reason.code);
 */
export type CorsDecision = PreflightDecision | ActualRequestDecision;

const OFF_PREFLIGHT: PreflightDecision = Object.freeze({
  kind: 'preflight',
  allowed: false,
  status: REFUSED_PREFLIGHT_STATUS,
  headers: NO_HEADERS,
  vary: VARY_NONE,
  contentLength: preflightContentLength(REFUSED_PREFLIGHT_STATUS),
  reason: null,
});
const OFF_ACTUAL: ActualRequestDecision = Object.freeze({ kind: 'actual', allowed: false, headers: NO_HEADERS, vary: VARY_NONE, reason: null });

/**
 * The decision for a route that switched CORS off (Fastify's `config: { cors: false }`, say): its preflights are
 * refused, since no policy allows anything there, and any other request passes untouched, without `Vary`.
 *
 * @example
 * const decision = route.cors === false ? decideWithoutCors(req.method, req.headers) : policy.decide(req.method, req.headers, req);
 */
export function decideWithoutCors(method: string, headers: CorsRequestHeaders): CorsDecision {
  return isPreflight(method, headers) ? OFF_PREFLIGHT : OFF_ACTUAL;
}

/**
 * True for the headers only a CORS decision may write (`Access-Control-*`, any letter case). When an error
 * response is rebuilt, or a policy nearer to the route replaces an outer one, such headers come only from the
 * governing decision.
 *
 * @example
 * for (const name of Object.keys(error.headers)) if (isCorsHeader(name)) delete error.headers[name];
 */
export function isCorsHeader(name: string): boolean {
  return name.length > 15 && name.slice(0, 15).toLowerCase() === 'access-control-';
}

/**
 * Every response header name a decision may hold: what an adapter removes before a nearer policy writes.
 *
 * @example
 * for (const name of CORS_RESPONSE_HEADERS) res.removeHeader(name);
 */
export const CORS_RESPONSE_HEADERS: readonly string[] = Object.freeze([
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
  'access-control-expose-headers',
  'access-control-allow-private-network',
  'cors-refusal',
]);
