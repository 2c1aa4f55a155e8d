import { findRefusedHeaders } from './allow-headers.js';
import { isThenable, type OriginVerdict } from './allow-origin.js';
import { REQUEST_PRIVATE_NETWORK } from './allow-private-network.js';
import { ALLOW_ORIGIN, type CompiledPolicy } from './compile-policy.js';
import { refusalHeader } from './debug-header.js';
import type { CorsDecision, PreflightDecision } from './decision.js';
import { NO_HEADERS, type CorsHeader } from './header-list.js';
import { REFUSED_PREFLIGHT_STATUS, preflightContentLength } from './preflight-response.js';
import { headerNotAllowed, malformedOrigin, methodNotAllowed, privateNetworkNotAllowed, type RefusalReason } from './refusal.js';
import { isPreflight, singleValue, type CorsRequestHeaders } from './request.js';

export type Decide<Request> = (method: string, headers: CorsRequestHeaders, request?: Request) => CorsDecision | Promise<CorsDecision>;

/**
 * Makes the `decide` function of a compiled policy. It follows the Fetch standard's CORS checks in their order:
 * the origin, then for a preflight the method, the request headers and private network access. Each step
 * either refuses, with a reason, or goes on; only the origin step can wait for a validator.
 */
export function createDecide<Request>(policy: CompiledPolicy<Request>): Decide<Request> {
  const { matcher, methods, allowedHeaders, allowPrivateNetwork, preflightStatus, debug, onRefused, vary } = policy;
  const { actualTail, preflightTail, preflightTailWithPrivateNetwork, noOrigin, star, exactActual, exactPreflight } = policy;
  const allowedContentLength = preflightContentLength(preflightStatus);
  const refusedContentLength = preflightContentLength(REFUSED_PREFLIGHT_STATUS);

  const report = (reason: RefusalReason, request: Request | undefined): void => {
    if (onRefused === undefined) return;
    try {
      const result = onRefused(reason, request as Request);
      // A hook that returns a rejected promise must not become an unhandled rejection.
      if (isThenable(result)) Promise.resolve(result).then(undefined, ignore);
    } catch {
      // A logging hook must not turn a refusal into a server error.
    }
  };

  const refuse = (preflight: boolean, reason: RefusalReason, request: Request | undefined): CorsDecision => {
    report(reason, request);
    const headers = debug ? [refusalHeader(reason)] : NO_HEADERS;
    return preflight
      ? { kind: 'preflight', allowed: false, status: REFUSED_PREFLIGHT_STATUS, headers, vary, contentLength: refusedContentLength, reason }
      : { kind: 'actual', allowed: false, headers, vary, reason };
  };

  /** Steps after the origin is allowed: an actual request is answered; a preflight goes on to its own checks. */
  const afterOrigin = (
    verdict: OriginVerdict,
    origin: string,
    preflight: boolean,
    headers: CorsRequestHeaders,
    request: Request | undefined,
    shared?: PreflightDecision,
  ): CorsDecision => {
    if (verdict !== true) return refuse(preflight, verdict, request);
    const allowOrigin: CorsHeader = [ALLOW_ORIGIN, matcher.any ? '*' : origin];
    if (!preflight) return { kind: 'actual', allowed: true, headers: [allowOrigin, ...actualTail], vary, reason: null };

    // The method: matched case-sensitively, as browsers send it.
    const method = headers['access-control-request-method'] as string;
    if (!methods.allows(method)) return refuse(true, methodNotAllowed(origin, method), request);

    // The request headers: several header lines form one comma-separated list, and none may be skipped.
    const rawRequested = headers['access-control-request-headers'];
    const requested = rawRequested === undefined || typeof rawRequested === 'string' ? rawRequested : rawRequested.join(',');
    if (requested !== undefined && requested !== '') {
      const refused = findRefusedHeaders(requested, allowedHeaders.names, allowedHeaders.any);
      if (refused) return refuse(true, headerNotAllowed(origin, refused), request);
    }

    // Private network access (legacy).
    let tail = preflightTail;
    if (singleValue(headers[REQUEST_PRIVATE_NETWORK]) === 'true') {
      if (!allowPrivateNetwork) return refuse(true, privateNetworkNotAllowed(origin), request);
      tail = preflightTailWithPrivateNetwork;
    } else if (shared !== undefined) {
      return shared;
    }
    return { kind: 'preflight', allowed: true, status: preflightStatus, headers: [allowOrigin, ...tail], vary, contentLength: allowedContentLength, reason: null };
  };

  return (method, headers, request) => {
    const preflight = isPreflight(method, headers);
    // The '*' policy answers every actual request alike, Origin or not, so a shared cache can store any copy.
    if (star !== undefined && !preflight) return star;
    const rawOrigin = headers.origin;
    if (rawOrigin === undefined) return noOrigin;
    const origin = singleValue(rawOrigin);
    // Several Origin headers: the request is malformed, never allowed.
    if (origin === undefined) return refuse(preflight, malformedOrigin((rawOrigin as readonly string[]).join(', '), preflight), request);
    if (!preflight) {
      const shared = exactActual.get(origin);
      if (shared !== undefined) return shared;
    } else {
      const shared = exactPreflight.get(origin);
      if (shared !== undefined) return afterOrigin(true, origin, true, headers, request, shared);
    }
    const verdict = matcher.matchInexact(origin, preflight, request);
    if (isThenable(verdict)) return verdict.then((v) => afterOrigin(v, origin, preflight, headers, request));
    return afterOrigin(verdict, origin, preflight, headers, request);
  };
}

function ignore(): void {}
