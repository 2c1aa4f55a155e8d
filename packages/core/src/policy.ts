import { OriginMatcher, isThenable, type OriginVerdict } from './allow-origin.js';
import { ProblemList } from './errors.js';
import { OPTION_NAMES, suggestOption, type CorsOptions } from './options.js';
import { findRefusedHeaders } from './request-headers.js';
import { headerNotAllowed, malformedOrigin, methodNotAllowed, privateNetworkNotAllowed, type RefusalReason } from './refusal.js';
import { isToken } from './tokens.js';
import { checkedHeaderList } from './node-headers.js';
import { compileAllowedHeaders, compileExposedHeaders, compileMethods, compileMaxAge, compilePreflightStatus } from './settings.js';

/**
 * A response header to set: `[name, value]`, the name in lower case (Node keeps names lower-case, so this costs least).
 *
 * @example
 * for (const [name, value] of decision.headers) res.setHeader(name, value);
 */
export type CorsHeader = readonly [name: string, value: string];

/**
 * Request headers keyed by lower-case name, as Node's `IncomingMessage#headers` gives them.
 *
 * @example
 * const headers: CorsRequestHeaders = { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' };
 */
export type CorsRequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * What to do with a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): answer it with
 * `status`, `headers` and an empty body. The application never sees it.
 *
 * @example
 * if (decision.kind === 'preflight') {
 *   res.statusCode = decision.status;
 *   for (const [name, value] of decision.headers) res.setHeader(name, value);
 *   res.end();
 * }
 */
export interface PreflightDecision {
  /** Tells a preflight decision from an actual-request one. */
  readonly kind: 'preflight';
  /** True when the origin, the method and every requested header are allowed. */
  readonly allowed: boolean;
  /** `preflightStatus` when allowed, 403 when refused. */
  readonly status: number;
  /** `Access-Control-*` headers to set; empty when refused. */
  readonly headers: readonly CorsHeader[];
  /** Tokens to merge into `Vary` (see `mergeVary`). */
  readonly vary: readonly string[];
  /** Why it was refused, or `null`. */
  readonly reason: RefusalReason | null;
}

/**
 * What to do with any other request: set `headers` (empty unless allowed), merge `vary`, and let the
 * application handle it as usual.
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
  /** True only when the request had an `Origin` that is allowed. */
  readonly allowed: boolean;
  /** `Access-Control-*` headers to set; empty unless allowed. */
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

/**
 * A compiled, immutable CORS policy, made by `createCorsPolicy`. Adapters call `decide` once per request.
 *
 * @example
 * const policy = createCorsPolicy({ origin: 'https://app.example.com' });
 * const decision = policy.decide('GET', { origin: 'https://app.example.com' });
 */
export interface CorsPolicy<Request = unknown> {
  /**
   * Decides one request. Returns the decision synchronously, or a promise only when an origin validator
   * returned one. Never throws and never rejects, whatever the headers hold.
   *
   * @param method the request method, as received (`'OPTIONS'`)
   * @param headers the request headers keyed by lower-case name
   * @param request the framework's request object, passed to validators and `onRefused`
   *
   * @example
   * const decision = policy.decide(req.method, req.headers, req);
   * if (decision instanceof Promise) { ... } // only with async validators
   */
  decide(method: string, headers: CorsRequestHeaders, request?: Request): CorsDecision | Promise<CorsDecision>;
  /**
   * True when `decide` may return a promise (an origin validator is configured).
   * @example
   * if (!policy.mayBeAsync) app.use(syncOnlyMiddleware(policy)); // no promise to await, ever
   */
  readonly mayBeAsync: boolean;
  /**
   * The options after defaults, frozen.
   * @example
   * createCorsPolicy({ origin: '*' }).options.preflightStatus; // 204
   */
  readonly options: Readonly<Required<Pick<CorsOptions, 'credentials' | 'preflightStatus' | 'allowPrivateNetwork'>>> & Readonly<CorsOptions<Request>>;
}

const VARY_ORIGIN: readonly string[] = Object.freeze(['Origin']);
const VARY_NONE: readonly string[] = Object.freeze([]);
const NO_HEADERS: readonly CorsHeader[] = Object.freeze([]);

const ACAO = 'access-control-allow-origin';
const ACAC: CorsHeader = ['access-control-allow-credentials', 'true'];

/**
 * Compiles options into a policy, validating everything up front. Throws `CorsConfigError` listing every
 * problem when the configuration is wrong.
 *
 * @example
 * const policy = createCorsPolicy({ origin: 'https://app.example.com', credentials: true });
 * const decision = policy.decide('GET', { origin: 'https://app.example.com' });
 * // decision.headers: [['access-control-allow-origin', 'https://app.example.com'], ['access-control-allow-credentials', 'true']]
 */
export function createCorsPolicy<Request = unknown>(options: CorsOptions<Request>): CorsPolicy<Request> {
  const problems = new ProblemList();
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    problems.add('options', `must be an object, got ${options === null ? 'null' : typeof options}`, "pass e.g. { origin: 'https://app.example.com' }");
    problems.throwIfAny();
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) problems.add(key, 'is not an option', suggestOption(key));
  }
  const credentials = booleanOption(options, 'credentials', problems);
  const allowPrivateNetwork = booleanOption(options, 'allowPrivateNetwork', problems);
  const dangerouslyAllowInsecureOrigins = booleanOption(options, 'dangerouslyAllowInsecureOrigins', problems);
  const dangerouslyAllowWildcardOverPublicSuffix = booleanOption(options, 'dangerouslyAllowWildcardOverPublicSuffix', problems);
  const onRefused = options.onRefused;
  if (onRefused !== undefined && typeof onRefused !== 'function') {
    problems.add('onRefused', 'must be a function', 'pass (reason, request) => { ... }');
  }
  const cacheOption = options.validatorCache;
  let validatorCache: { maxEntries?: number; ttl?: number } | undefined;
  if (cacheOption === true) validatorCache = {};
  else if (cacheOption !== undefined && cacheOption !== false) {
    if (typeof cacheOption !== 'object' || cacheOption === null) {
      problems.add('validatorCache', 'must be true, false or { maxEntries, ttl }', 'e.g. validatorCache: { maxEntries: 1000, ttl: 60 }');
    } else {
      const { maxEntries, ttl, ...extra } = cacheOption;
      if (maxEntries !== undefined && !(Number.isInteger(maxEntries) && maxEntries > 0)) {
        problems.add('validatorCache.maxEntries', 'must be a positive integer', 'e.g. 1000');
      }
      if (ttl !== undefined && !(typeof ttl === 'number' && ttl > 0 && Number.isFinite(ttl))) {
        problems.add('validatorCache.ttl', 'must be a positive number of seconds', 'e.g. 60');
      }
      for (const key of Object.keys(extra)) problems.add(`validatorCache.${key}`, 'is not an option', "use 'maxEntries' and 'ttl'");
      validatorCache = cacheOption;
    }
  }

  const matcher = new OriginMatcher(
    options.origin,
    { credentials, dangerouslyAllowInsecureOrigins, dangerouslyAllowWildcardOverPublicSuffix, validatorCache },
    problems,
  );
  const methods = compileMethods(options.methods, credentials, problems);
  const allowed = compileAllowedHeaders(options.allowedHeaders, credentials, problems);
  const exposed = compileExposedHeaders(options.exposedHeaders, credentials, problems);
  const maxAge = compileMaxAge(options.maxAge, problems);
  const preflightStatus = compilePreflightStatus(options.preflightStatus, problems);
  problems.throwIfAny();

  // Everything below the origin is fixed per policy, so the header lists are built once.
  const actualTail: CorsHeader[] = [];
  if (credentials) actualTail.push(ACAC);
  if (exposed !== undefined) actualTail.push(['access-control-expose-headers', exposed]);
  const preflightTail: CorsHeader[] = [];
  if (credentials) preflightTail.push(ACAC);
  preflightTail.push(['access-control-allow-methods', methods.header]);
  if (allowed.header !== undefined) preflightTail.push(['access-control-allow-headers', allowed.header]);
  if (maxAge !== undefined) preflightTail.push(['access-control-max-age', maxAge]);
  const preflightTailWithPna: CorsHeader[] = [...preflightTail, ['access-control-allow-private-network', 'true']];

  const vary = matcher.any ? VARY_NONE : VARY_ORIGIN;
  const noOrigin: ActualRequestDecision = Object.freeze({ kind: 'actual', allowed: false, headers: NO_HEADERS, vary, reason: null });
  // With '*' the allowed answers do not depend on the origin, so they are built once too.
  const starActual: ActualRequestDecision = Object.freeze({
    kind: 'actual',
    allowed: true,
    headers: checkedHeaderList([[ACAO, '*'], ...actualTail]),
    vary,
    reason: null,
  });

  // Exact origins are known up front, so their allowed answers are built once and shared (frozen). One table per
  // kind of request, so that a look-up lands on the answer itself: with thousands of origins each indirection is
  // a cache miss.
  const exactActual = new Map<string, ActualRequestDecision>();
  const exactPreflight = new Map<string, PreflightDecision>();
  for (const origin of matcher.exactOrigins) {
    const allowOrigin: CorsHeader = [ACAO, matcher.any ? '*' : origin];
    exactActual.set(origin, Object.freeze({ kind: 'actual', allowed: true, headers: checkedHeaderList([allowOrigin, ...actualTail]), vary, reason: null }));
    exactPreflight.set(
      origin,
      Object.freeze({
        kind: 'preflight',
        allowed: true,
        status: preflightStatus,
        headers: checkedHeaderList([allowOrigin, ...preflightTail]),
        vary,
        reason: null,
      }),
    );
  }

  const report = (reason: RefusalReason, request: Request | undefined): void => {
    if (onRefused === undefined) return;
    try {
      onRefused(reason, request as Request);
    } catch {
      // A logging hook must not turn a refusal into a server error.
    }
  };

  const refuse = (preflight: boolean, reason: RefusalReason, request: Request | undefined): CorsDecision => {
    report(reason, request);
    return preflight
      ? { kind: 'preflight', allowed: false, status: 403, headers: NO_HEADERS, vary, reason }
      : { kind: 'actual', allowed: false, headers: NO_HEADERS, vary, reason };
  };

  const finish = (
    verdict: OriginVerdict,
    origin: string,
    preflight: boolean,
    headers: CorsRequestHeaders,
    request: Request | undefined,
    shared?: PreflightDecision,
  ): CorsDecision => {
    if (verdict !== true) return refuse(preflight, verdict, request);
    const allowOrigin: CorsHeader = matcher.any ? [ACAO, '*'] : [ACAO, origin];
    if (!preflight) {
      if (matcher.any) return starActual;
      return { kind: 'actual', allowed: true, headers: [allowOrigin, ...actualTail], vary, reason: null };
    }
    const method = headers['access-control-request-method'] as string;
    if (!methods.allows(method)) return refuse(true, methodNotAllowed(origin, method), request);
    // Several header lines form one comma-separated list; none of them may be skipped.
    const rawRequested = headers['access-control-request-headers'];
    const requested = rawRequested === undefined || typeof rawRequested === 'string' ? rawRequested : rawRequested.join(',');
    if (requested !== undefined && requested !== '') {
      const refused = findRefusedHeaders(requested, allowed.names, allowed.any);
      if (refused) return refuse(true, headerNotAllowed(origin, refused), request);
    }
    let tail = preflightTail;
    if (single(headers['access-control-request-private-network']) === 'true') {
      if (!allowPrivateNetwork) return refuse(true, privateNetworkNotAllowed(origin), request);
      tail = preflightTailWithPna;
    } else if (shared !== undefined) {
      return shared;
    }
    return { kind: 'preflight', allowed: true, status: preflightStatus, headers: [allowOrigin, ...tail], vary, reason: null };
  };

  const decide = (method: string, headers: CorsRequestHeaders, request?: Request): CorsDecision | Promise<CorsDecision> => {
    const rawOrigin = headers.origin;
    if (rawOrigin === undefined) return noOrigin;
    const preflight = isPreflight(method, headers);
    const origin = single(rawOrigin);
    if (origin === undefined) {
      // Several Origin headers: the request is malformed, never allowed.
      return refuse(preflight, malformedOrigin((rawOrigin as readonly string[]).join(', '), preflight), request);
    }
    if (!preflight) {
      const shared = exactActual.get(origin);
      if (shared !== undefined) return shared;
    } else {
      const shared = exactPreflight.get(origin);
      if (shared !== undefined) return finish(true, origin, true, headers, request, shared);
    }
    const verdict = matcher.matchInexact(origin, preflight, request);
    if (isThenable(verdict)) return verdict.then((v) => finish(v, origin, preflight, headers, request));
    return finish(verdict, origin, preflight, headers, request);
  };

  return Object.freeze({
    decide,
    mayBeAsync: matcher.mayBeAsync,
    options: Object.freeze({ ...options, credentials, preflightStatus, allowPrivateNetwork }),
  }) as CorsPolicy<Request>;
}

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

function single(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return value.length === 1 ? value[0] : undefined;
}

function booleanOption(options: object, name: string, problems: ProblemList): boolean {
  const value = (options as Record<string, unknown>)[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    problems.add(name, `must be true or false, got ${JSON.stringify(value) ?? typeof value}`, `write ${name}: true`);
    return false;
  }
  return value;
}
