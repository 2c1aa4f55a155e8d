import { createCorsPolicy, isThenable, type CorsDecision, type CorsOptions, type CorsPolicy, type CorsRequestHeaders } from '@cors/core';
import { nearestPolicy, POLICIES } from './nearest-policy.js';
import { applyKeptVary, isAnswered, keepCorsHeaders, writeCorsHeaders, type NodeCorsResponse } from '@cors/node';

export { CorsConfigError } from '@cors/core';
export type {
  CorsConfigProblem,
  CorsDecision,
  CorsOptions,
  OriginEntry,
  OriginValidator,
  RefusalCode,
  RefusalReason,
  ValidatorCacheOptions,
} from '@cors/core';

/**
 * What the middleware needs from a Koa context. Koa 2 and 3 contexts (and `@koa/router` contexts) satisfy it;
 * it is structural so the package does not depend on `@types/koa`. It is also the default type of the context
 * origin validators and `onRefused` receive; name your own (`cors<Koa.Context>(...)`) to use more of it.
 *
 * @example
 * // A validator that only needs what every Koa context has:
 * const fromHeader = (origin: string, ctx: KoaContext) => ctx.req.headers['x-tenant'] === 'acme' && origin === 'https://acme.example.com';
 * app.use(cors({ origin: ['https://app.example.com', fromHeader] }));
 */
export interface KoaContext {
  /**
   * The request method, as Koa's `ctx.method`.
   * @example onRefused: (reason, ctx) => console.warn(`${ctx.method}: ${reason.message}`)
   */
  readonly method: string;
  /**
   * Node's request, as Koa's `ctx.req`; the middleware reads its headers (`Origin`, `Access-Control-Request-*`).
   * @example origin: (origin, ctx) => ctx.req.headers['x-tenant'] === 'acme' && origin === 'https://acme.example.com'
   */
  readonly req: { readonly headers: CorsRequestHeaders };
  /**
   * Node's response, as Koa's `ctx.res`; the CORS headers and `Vary` are set on it directly.
   * @example onRefused: (reason, ctx) => ctx.res.setHeader('x-cors-refused', reason.code)
   */
  readonly res: KoaServerResponse;
  /**
   * The response status, as Koa's `ctx.status`; set to `preflightStatus` or 403 when a preflight is answered.
   * @example ctx.status = 204
   */
  status: number;
  /**
   * The response body, as Koa's `ctx.body`; emptied when a preflight is answered.
   * @example ctx.body = null
   */
  body: unknown;
}

/**
 * The part of Node's `ServerResponse` the middleware uses (`ctx.res` in Koa): `@cors/node`'s response type.
 * Any `http.ServerResponse` fits.
 *
 * @example
 * const res: KoaServerResponse = ctx.res;
 * res.setHeader('vary', 'Origin');
 */
export type KoaServerResponse = NodeCorsResponse;

/**
 * Koa's `next`: runs the downstream middleware. The middleware awaits it for every request that is not a
 * preflight, and never calls it for a preflight.
 *
 * @example
 * const timing = async (ctx: KoaContext, next: KoaNext): Promise<void> => {
 *   const start = Date.now();
 *   await next();
 *   ctx.res.setHeader('x-response-time', `${Date.now() - start}ms`);
 * };
 */
export type KoaNext = () => Promise<unknown>;

/**
 * A Koa middleware, accepted by `app.use` and `@koa/router` under Koa 2 and 3. Generic in the context so it
 * takes the type of whatever app or router it is given to, and never narrows the handlers beside it. `Context`
 * is the context type origin validators and `onRefused` receive.
 *
 * @example
 * // One instance for a route's preflight and for the route itself:
 * const uploads: CorsMiddleware = cors({ origin: 'https://app.example.com', methods: ['PUT'] });
 * router.options('/upload', uploads);
 * router.put('/upload', uploads, upload);
 */
export type CorsMiddleware<Context extends KoaContext = KoaContext> = <Ctx extends Context>(ctx: Ctx, next: KoaNext) => Promise<void>;

// Shared by every preflight answer, so answering one allocates no promise of its own.
const DONE: Promise<void> = Promise.resolve();

/**
 * CORS middleware for Koa 2 and 3. The options are validated now: a wrong configuration throws
 * `CorsConfigError` at start-up, not on the first request. Validators and `onRefused` receive the Koa context
 * (typed `KoaContext` unless you name yours: `cors<Koa.Context>(...)`).
 *
 * Put it before authentication and routers. Preflights are answered here (`preflightStatus`, or 403 with no CORS
 * headers) and never reach later middleware; every other request gets its CORS headers and goes on, and keeps
 * them when a later middleware throws. `Vary: Origin` is merged with the application's own `Vary`.
 *
 * @param options - The policy; only `origin` is required. See the `@cors/core` options.
 * @returns The middleware, for `app.use` or a `@koa/router` route.
 * @throws `CorsConfigError` listing every problem of the configuration, each with a hint.
 *
 * @example
 * app.use(cors({ origin: ['https://app.example.com'], credentials: true }));
 *
 * @example
 * // Per route with @koa/router: register the policy for the route's preflight too.
 * const uploads = cors({ origin: 'https://app.example.com', methods: ['PUT'] });
 * router.options('/upload', uploads);
 * router.put('/upload', uploads, handler);
 */
export function cors<Context extends KoaContext = KoaContext>(options: CorsOptions<Context>): CorsMiddleware<Context> {
  const policy = createCorsPolicy<Context>(options);
  const decide = policy.decide;
  // Only an origin validator can make a decision a promise; without one the check is skipped entirely.
  const mayBeAsync = policy.mayBeAsync;
  const corsMiddleware = function corsMiddleware(ctx: KoaContext, next: KoaNext): Promise<void> {
    const method = ctx.method;
    if (method === 'OPTIONS') return handleOptions(ctx, next);
    const decision = decide(method, ctx.req.headers, ctx as Context);
    if (mayBeAsync && isThenable(decision)) return decision.then((settled) => applyLate(ctx, next, settled));
    return apply(ctx, next, decision as CorsDecision);
  };
  // A preflight stops at the first cors(); a policy further in, nearer to the route, may govern it.
  const handleOptions = (ctx: KoaContext, next: KoaNext): Promise<void> => {
    const headers = ctx.req.headers;
    const requestMethod = headers['access-control-request-method'];
    const governing = (typeof requestMethod === 'string' ? nearestPolicy<CorsPolicy<Context>>(ctx as never, corsMiddleware, requestMethod) : undefined) ?? policy;
    const decision = governing.decide('OPTIONS', headers, ctx as Context);
    return isThenable(decision) ? decision.then((settled) => applyLate(ctx, next, settled)) : apply(ctx, next, decision);
  };
  POLICIES.tag(corsMiddleware, policy);
  return corsMiddleware as CorsMiddleware<Context>;
}

/** A decision that was waited for: when someone else answered meanwhile, nothing is written and nothing runs on. */
function applyLate(ctx: KoaContext, next: KoaNext, decision: CorsDecision): Promise<void> {
  return isAnswered(ctx.res) ? DONE : apply(ctx, next, decision);
}

function apply(ctx: KoaContext, next: KoaNext, decision: CorsDecision): Promise<void> {
  const res = ctx.res;
  if (decision.kind === 'preflight') {
    // An empty body, which Koa sends itself once every middleware is done (an upstream one may still set headers).
    // Koa's null-body setter turns the status into 204 and drops Content-Length, so both come after it.
    if (decision.status !== 204) ctx.body = null;
    ctx.status = decision.status;
    writeCorsHeaders(res, decision);
    return DONE;
  }
  writeCorsHeaders(res, decision);
  let downstream: unknown;
  try {
    downstream = next();
  } catch (error) {
    keepCorsHeaders(res, decision.headers);
    return Promise.reject(error);
  }
  // Not an async function: one promise reaction instead of an await and a function promise.
  return Promise.resolve(downstream).then(
    // Upstream middleware may read Vary before Koa writes the head.
    () => applyKeptVary(res, decision.vary),
    (error: unknown) => {
      // Koa's error handler removes every response header and sets the error's own.
      keepCorsHeaders(res, decision.headers);
      throw error;
    },
  );
}
