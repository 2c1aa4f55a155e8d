import { ALLOW_CREDENTIALS } from './allow-credentials.js';
import { compileAllowedHeaders, ALLOW_HEADERS, type CompiledAllowedHeaders } from './allow-headers.js';
import { compileMethods, ALLOW_METHODS, type CompiledMethods } from './allow-methods.js';
import { OriginMatcher } from './allow-origin.js';
import { ALLOW_PRIVATE_NETWORK } from './allow-private-network.js';
import { warnDebugInProduction } from './debug-header.js';
import type { ActualRequestDecision, PreflightDecision } from './decision.js';
import { ProblemList } from './errors.js';
import { compileExposedHeaders, EXPOSE_HEADERS } from './expose-headers.js';
import { NO_HEADERS, prebuiltHeaderList, type CorsHeader } from './header-list.js';
import { compileMaxAge, MAX_AGE } from './max-age.js';
import { OPTION_NAMES, suggestOption, type CorsOptions } from './options.js';
import { compilePreflightStatus, preflightContentLength } from './preflight-response.js';
import type { RefusalReason } from './refusal.js';
import { VARY_NONE, VARY_ORIGIN } from './vary.js';

/** The `Access-Control-Allow-Origin` response header. */
export const ALLOW_ORIGIN = 'access-control-allow-origin';

/** Everything `decide` needs, computed once from the options: what is checked, and the answers built up front. */
export interface CompiledPolicy<Request> {
  readonly matcher: OriginMatcher;
  readonly methods: CompiledMethods;
  readonly allowedHeaders: CompiledAllowedHeaders;
  readonly allowPrivateNetwork: boolean;
  readonly preflightStatus: number;
  readonly debug: boolean;
  readonly onRefused: ((reason: RefusalReason, request: Request) => unknown) | undefined;
  /** `Vary` tokens of every answer: `Origin`, or none for the `'*'` policy. */
  readonly vary: readonly string[];
  /** Headers after `Access-Control-Allow-Origin` on an allowed actual response. */
  readonly actualTail: readonly CorsHeader[];
  /** Headers after `Access-Control-Allow-Origin` on an allowed preflight, without and with private network. */
  readonly preflightTail: readonly CorsHeader[];
  readonly preflightTailWithPrivateNetwork: readonly CorsHeader[];
  /** The answer to an actual request without `Origin`. */
  readonly noOrigin: ActualRequestDecision;
  /** The `'*'` policy's one answer to every actual request, or undefined for any other policy. */
  readonly star: ActualRequestDecision | undefined;
  /** Allowed answers for the configured exact origins, one table per kind of request. */
  readonly exactActual: ReadonlyMap<string, ActualRequestDecision>;
  readonly exactPreflight: ReadonlyMap<string, PreflightDecision>;
  /** The options after defaults, as `policy.options` shows them. */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Validates the options and builds every answer that does not depend on the request. Reads only the options'
 * own properties, so a polluted `Object.prototype` cannot switch anything on. Throws `CorsConfigError` with every
 * problem found.
 */
export function compilePolicy<Request>(input: CorsOptions<Request>): CompiledPolicy<Request> {
  const problems = new ProblemList();
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problems.add('options', `must be an object, got ${input === null ? 'null' : typeof input}`, "pass e.g. { origin: 'https://app.example.com' }");
    problems.throwIfAny();
  }
  const options = ownProperties(input);
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) problems.add(key, 'is not an option', suggestOption(key));
  }
  const credentials = booleanOption(options, 'credentials', problems);
  const allowPrivateNetwork = booleanOption(options, 'allowPrivateNetwork', problems);
  const debug = booleanOption(options, 'debug', problems);
  const dangerouslyAllowInsecureOrigins = booleanOption(options, 'dangerouslyAllowInsecureOrigins', problems);
  const dangerouslyAllowWildcardOverPublicSuffix = booleanOption(options, 'dangerouslyAllowWildcardOverPublicSuffix', problems);
  const onRefused = options.onRefused as CompiledPolicy<Request>['onRefused'];
  if (onRefused !== undefined && typeof onRefused !== 'function') {
    problems.add('onRefused', 'must be a function', 'pass (reason, request) => { ... }');
  }
  // The raw option: the origin matcher compiles and checks it against its validators.
  const validatorCache = options.validatorCache;

  const matcher = new OriginMatcher(
    options.origin,
    { credentials, dangerouslyAllowInsecureOrigins, dangerouslyAllowWildcardOverPublicSuffix, validatorCache },
    problems,
  );
  const methods = compileMethods(options.methods, credentials, problems);
  const allowedHeaders = compileAllowedHeaders(options.allowedHeaders, credentials, problems);
  const exposed = compileExposedHeaders(options.exposedHeaders, credentials, problems);
  const maxAge = compileMaxAge(options.maxAge, problems);
  const preflightStatus = compilePreflightStatus(options.preflightStatus, problems);
  problems.throwIfAny();
  if (debug) warnDebugInProduction();

  const actualTail: CorsHeader[] = [];
  if (credentials) actualTail.push(ALLOW_CREDENTIALS);
  if (exposed !== undefined) actualTail.push([EXPOSE_HEADERS, exposed]);
  const preflightTail: CorsHeader[] = [];
  if (credentials) preflightTail.push(ALLOW_CREDENTIALS);
  preflightTail.push([ALLOW_METHODS, methods.header]);
  if (allowedHeaders.header !== undefined) preflightTail.push([ALLOW_HEADERS, allowedHeaders.header]);
  if (maxAge !== undefined) preflightTail.push([MAX_AGE, maxAge]);
  const preflightTailWithPrivateNetwork: CorsHeader[] = [...preflightTail, ALLOW_PRIVATE_NETWORK];

  const vary = matcher.any ? VARY_NONE : VARY_ORIGIN;
  const star: ActualRequestDecision | undefined = matcher.any
    ? Object.freeze({ kind: 'actual', allowed: true, headers: prebuiltHeaderList([[ALLOW_ORIGIN, '*'], ...actualTail]), vary, reason: null })
    : undefined;
  const noOrigin: ActualRequestDecision = star ?? Object.freeze({ kind: 'actual', allowed: false, headers: NO_HEADERS, vary, reason: null });

  // With thousands of exact origins each indirection is a cache miss, so a look-up lands on the answer itself.
  const exactActual = new Map<string, ActualRequestDecision>();
  const exactPreflight = new Map<string, PreflightDecision>();
  for (const origin of matcher.exactOrigins) {
    const allowOrigin: CorsHeader = [ALLOW_ORIGIN, matcher.any ? '*' : origin];
    exactActual.set(origin, Object.freeze({ kind: 'actual', allowed: true, headers: prebuiltHeaderList([allowOrigin, ...actualTail]), vary, reason: null }));
    exactPreflight.set(
      origin,
      Object.freeze({
        kind: 'preflight',
        allowed: true,
        status: preflightStatus,
        headers: prebuiltHeaderList([allowOrigin, ...preflightTail]),
        vary,
        contentLength: preflightContentLength(preflightStatus),
        reason: null,
      }),
    );
  }

  return {
    matcher,
    methods,
    allowedHeaders,
    allowPrivateNetwork,
    preflightStatus,
    debug,
    onRefused,
    vary,
    actualTail,
    preflightTail,
    preflightTailWithPrivateNetwork,
    noOrigin,
    star,
    exactActual,
    exactPreflight,
    options: Object.freeze({ ...options, credentials, preflightStatus, allowPrivateNetwork }),
  };
}

/** The options' own enumerable properties, in a null-prototype object: nothing inherited is ever read. */
function ownProperties(input: object): Record<string, unknown> {
  const own = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(input)) own[key] = (input as Record<string, unknown>)[key];
  return own;
}

function booleanOption(options: Record<string, unknown>, name: string, problems: ProblemList): boolean {
  const value = options[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    problems.add(name, `must be true or false, got ${JSON.stringify(value) ?? typeof value}`, `write ${name}: true`);
    return false;
  }
  return value;
}
