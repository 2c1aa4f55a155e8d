import {
  createCorsPolicy,
  isCorsHeader,
  isThenable,
  mergeVary,
  type ActualRequestDecision,
  type CorsDecision,
  type CorsOptions,
  type CorsPolicy,
  type CorsRequestHeaders,
  type PreflightDecision,
} from '@cors/core';

export { CorsConfigError } from '@cors/core';
export type {
  ActualRequestDecision,
  CorsConfigProblem,
  CorsDecision,
  CorsHeader,
  CorsOptions,
  CorsPolicy,
  CorsRequestHeaders,
  OriginValidator,
  PreflightDecision,
  RefusalCode,
  RefusalReason,
} from '@cors/core';

/**
 * A Fetch API handler: `Bun.serve({ fetch })`, `Deno.serve(handler)`, a Workers `fetch`, a Next.js or SvelteKit
 * route handler. Whatever follows the request (Bun's server, Workers' `env` and `ctx`, a route's params) is
 * passed through untouched.
 *
 * @example
 * const handler: FetchHandler<[env: Env, ctx: ExecutionContext]> = async (request, env) => Response.json(await env.DB.list());
 */
export type FetchHandler<Rest extends unknown[] = unknown[]> = (request: Request, ...rest: Rest) => Response | Promise<Response>;

/**
 * Reads the request headers the policy needs, keyed by lower-case name. Only a preflight needs more than
 * `Origin`, so other methods cost one look-up. Several `Origin` header lines reach `Request.headers` joined with
 * `", "`: the core refuses that value as malformed.
 *
 * @example
 * const headers = corsRequestHeaders(request); // { origin: 'https://app.example.com' }
 */
export function corsRequestHeaders(request: Request): CorsRequestHeaders {
  const headers = request.headers;
  const origin = headers.get('origin') ?? undefined;
  if (request.method !== 'OPTIONS' || origin === undefined) return { origin };
  return {
    origin,
    'access-control-request-method': headers.get('access-control-request-method') ?? undefined,
    'access-control-request-headers': headers.get('access-control-request-headers') ?? undefined,
    'access-control-request-private-network': headers.get('access-control-request-private-network') ?? undefined,
  };
}

/**
 * Decides one `Request` with a policy. `subject` is what origin validators and `onRefused` receive: the request
 * itself unless the framework has its own context (Hono's `c`). A promise only when a validator returned one;
 * never throws or rejects.
 *
 * @example
 * const policy = createCorsPolicy<Request>({ origin: 'https://app.example.com' });
 * const decision = await decideRequest(policy, request);
 */
export function decideRequest<Subject = Request>(
  policy: CorsPolicy<Subject>,
  request: Request,
  subject: Subject = request as unknown as Subject,
): CorsDecision | Promise<CorsDecision> {
  return policy.decide(request.method, corsRequestHeaders(request), subject);
}

// Preflight answers are built once per decision: an exact origin's decision is shared by every request from it.
const preflightInits = new WeakMap<PreflightDecision, [string, string][]>();

/**
 * The answer to a preflight: the decision's status, its headers and `Vary`, an empty body, and `Content-Length: 0`
 * unless the status is 204 (RFC 9110, 8.6).
 *
 * @example
 * if (decision.kind === 'preflight') return preflightResponse(decision);
 */
export function preflightResponse(decision: PreflightDecision): Response {
  let init = preflightInits.get(decision);
  if (init === undefined) {
    init = decision.headers.map(([name, value]) => [name, value]);
    if (decision.vary.length !== 0) init.push(['vary', decision.vary.join(', ')]);
    if (decision.contentLength !== undefined) init.push(['content-length', decision.contentLength]);
    if (Object.isFrozen(decision)) preflightInits.set(decision, init);
  }
  return new Response(null, { status: decision.status, headers: init });
}

/**
 * Writes an actual-request decision onto a handler's `Response`: the decision's headers, and its `Vary` tokens
 * merged into the handler's own `Vary`. The decision alone says who may read the response: `Access-Control-*`
 * headers already on it (a proxied upstream's answer, say) are removed first. A `Response` whose headers are
 * immutable (one from `fetch()` on most runtimes, or `Response.redirect()`) is answered with a copy that keeps
 * its status, headers and body stream: the body is never read or buffered.
 *
 * @param response the handler's response
 * @param decision the decision for its request
 * @param replace look for stray `Access-Control-*` headers by name, not only when an
 *   `Access-Control-Allow-Origin` or `-Allow-Credentials` is there: for a response rebuilt after an error
 * @returns the response to send: `response` itself, or its copy
 *
 * @example
 * const response = await handler(request);
 * return applyDecision(response, decision);
 */
export function applyDecision(response: Response, decision: ActualRequestDecision, replace = false): Response {
  try {
    writeDecision(response.headers, decision, replace);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  // Immutable headers: a copy with fresh headers (some runtimes' Response keeps the Headers object it is given)
  // and the same body stream. A status the constructor refuses (101) is a WebSocket upgrade, no CORS response at
  // all, and it goes out as it is.
  const headers = new Headers();
  for (const [name, value] of response.headers) if (!isDecisionHeader(name)) headers.append(name, value);
  // Written before the copy is made: the Fetch standard's Response copies the headers it is given.
  writeDecision(headers, decision);
  try {
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  } catch {
    return response;
  }
}

const ACAO = 'access-control-allow-origin';
const ACAC = 'access-control-allow-credentials';

/**
 * Writes the decision's headers and merged `Vary` onto mutable `Headers`, after removing the `Access-Control-*`
 * headers it does not set (looked for only when an `Access-Control-Allow-Origin` or `-Allow-Credentials` is
 * there, the two that give access, unless `replace`). Throws a `TypeError` when the headers are immutable, as
 * `Headers` does.
 *
 * @example
 * writeDecision(response.headers, decision);
 */
export function writeDecision(headers: Headers, decision: ActualRequestDecision, replace = false): void {
  if (replace || headers.has(ACAO) || headers.has(ACAC)) removeCorsHeaders(headers, decision);
  const list = decision.headers;
  for (let i = 0; i < list.length; i++) {
    const header = list[i]!;
    headers.set(header[0], header[1]);
  }
  mergeVaryInto(headers, decision);
}

/** Merges the decision's `Vary` tokens into the headers' `Vary`. */
export function mergeVaryInto(headers: Headers, decision: CorsDecision): void {
  const tokens = decision.vary;
  if (tokens.length === 0) return;
  const merged = mergeVary(headers.get('vary'), tokens);
  if (merged !== undefined) headers.set('vary', merged);
}

function isDecisionHeader(name: string): boolean {
  return isCorsHeader(name) || name.toLowerCase() === 'cors-refusal';
}

/** Removes the `Access-Control-*` headers (and the debug header) that `decision` does not set itself. */
function removeCorsHeaders(headers: Headers, decision: CorsDecision): void {
  const stale: string[] = [];
  for (const name of headers.keys()) {
    if (isDecisionHeader(name) && !decision.headers.some(([own]) => own === name)) stale.push(name);
  }
  for (const name of stale) headers.delete(name);
}

/**
 * Wraps a Fetch handler with a CORS policy. The options are checked now: a wrong configuration throws
 * `CorsConfigError` here, at start-up. Preflights are answered here and never reach the handler (`HEAD`, and
 * `OPTIONS` without `Access-Control-Request-Method`, do). Every other response gets its CORS headers, with `Vary`
 * merged into the handler's own. A handler that throws or rejects is not caught: the error goes to the runtime
 * as it would without CORS, and no header is written for it. Validators and `onRefused` receive the `Request`.
 *
 * @param options the policy; only `origin` is required (see the `@cors/core` options)
 * @param handler the handler to wrap
 * @returns a handler of the same shape; it returns a promise only when the handler or a validator does
 * @throws `CorsConfigError` listing every problem of the configuration, each with a hint
 *
 * @example
 * const handler = withCors({ origin: ['https://app.example.com'], credentials: true }, async (request) => Response.json(data));
 * Bun.serve({ fetch: handler });       // Deno.serve(handler); export default { fetch: handler } on Workers
 */
export function withCors<Rest extends unknown[]>(
  options: CorsOptions<Request>,
  handler: FetchHandler<Rest>,
): (request: Request, ...rest: Rest) => Response | Promise<Response> {
  if (typeof handler !== 'function') {
    throw new TypeError('withCors(options, handler): handler must be a function (request) => Response');
  }
  const policy = createCorsPolicy<Request>(options);
  const decide = policy.decide;
  const mayBeAsync = policy.mayBeAsync;

  const respond = (decision: CorsDecision, request: Request, rest: Rest): Response | Promise<Response> => {
    if (decision.kind === 'preflight') return preflightResponse(decision);
    const response = handler(request, ...rest);
    if (isThenable(response)) return response.then((settled) => applyDecision(settled, decision));
    return applyDecision(response, decision);
  };

  return function corsHandler(request: Request, ...rest: Rest): Response | Promise<Response> {
    const decision = decide(request.method, corsRequestHeaders(request), request);
    if (mayBeAsync && isThenable(decision)) return decision.then((settled) => respond(settled, request, rest));
    return respond(decision as CorsDecision, request, rest);
  };
}
