import { compilePolicy } from './compile-policy.js';
import { createDecide } from './decide.js';
import type { CorsDecision } from './decision.js';
import type { CorsOptions } from './options.js';
import type { CorsRequestHeaders } from './request.js';

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
   * if (isThenable(decision)) decision.then(write); // only with async validators
   * else write(decision);
   */
  decide(method: string, headers: CorsRequestHeaders, request?: Request): CorsDecision | Promise<CorsDecision>;
  /**
   * True when `decide` may return a promise (an origin validator is configured).
   * @example
   * if (!policy.mayBeAsync) console.log('every decision is synchronous');
   */
  readonly mayBeAsync: boolean;
  /**
   * The options after defaults, frozen.
   * @example
   * createCorsPolicy({ origin: '*' }).options.preflightStatus; // 204
   */
  readonly options: Readonly<Required<Pick<CorsOptions, 'credentials' | 'preflightStatus' | 'allowPrivateNetwork'>>> & Readonly<CorsOptions<Request>>;
}

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
  const compiled = compilePolicy(options);
  return Object.freeze({
    decide: createDecide(compiled),
    mayBeAsync: compiled.matcher.mayBeAsync,
    options: compiled.options,
  }) as CorsPolicy<Request>;
}
