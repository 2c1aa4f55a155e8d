import { IncomingMessage, ServerResponse } from 'node:http';
import {
  createCorsPolicy,
  findNodeHeaderStore,
  isThenable,
  mergeVary,
  nodeHeaderStore,
  setNodeHeaders,
  type ActualRequestDecision,
  type CorsDecision,
  type CorsOptions,
  type CorsRequestHeaders,
  type PreflightDecision,
} from '@cors/core';

export { CorsConfigError } from '@cors/core';
export type { CorsOptions, RefusalReason } from '@cors/core';

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
 * The part of Node's `ServerResponse` the middleware uses (`ctx.res` in Koa). Any `http.ServerResponse` fits.
 *
 * @example
 * const res: KoaServerResponse = ctx.res;
 * res.setHeader('vary', 'Origin');
 */
export interface KoaServerResponse {
  /**
   * Whether the head was already sent; then `Vary` is no longer merged back in after downstream middleware.
   * @example if (!ctx.res.headersSent) ctx.res.setHeader('vary', 'Origin');
   */
  readonly headersSent: boolean;
  /**
   * Reads a response header, case-insensitively, e.g. the application's own `Vary` to merge `Origin` into.
   * @example const vary = ctx.res.getHeader('vary'); // 'Accept-Encoding'
   */
  getHeader(name: string): string | number | readonly string[] | undefined;
  /**
   * Sets a response header; the middleware writes lower-case names.
   * @example ctx.res.setHeader('access-control-allow-origin', 'https://app.example.com');
   */
  setHeader(name: string, value: string): unknown;
}

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
  return function corsMiddleware(ctx: KoaContext, next: KoaNext): Promise<void> {
    const decision = decide(ctx.method, ctx.req.headers, ctx as Context);
    if (mayBeAsync && isThenable(decision)) return decision.then((settled) => apply(ctx, next, settled));
    return apply(ctx, next, decision as CorsDecision);
  };
}

function apply(ctx: KoaContext, next: KoaNext, decision: CorsDecision): Promise<void> {
  if (decision.kind === 'preflight') {
    answerPreflight(ctx, decision);
    return DONE;
  }
  return handleActual(ctx, next, decision);
}

function answerPreflight(ctx: KoaContext, decision: PreflightDecision): void {
  const status = decision.status;
  const res = ctx.res;
  // Koa sends a 204 without a body by itself. For any other status, a null body makes it send an empty one
  // with no Content-Type; that setter turns the status into 204, so the status is set after it. Koa 2 then
  // sends no length at all, which leaves a keep-alive client waiting for a body: hence Content-Length: 0.
  if (status !== 204) {
    ctx.body = null;
    res.setHeader('content-length', '0');
  }
  ctx.status = status;
  setNodeHeaders(res, decision.headers, ACCESS);
  if (decision.vary.length !== 0) mergeVaryInto(res, res.getHeader('vary'), decision.vary);
}

function handleActual(ctx: KoaContext, next: KoaNext, decision: ActualRequestDecision): Promise<void> {
  const res = ctx.res;
  setNodeHeaders(res, decision.headers, ACCESS);
  const tokens = decision.vary;
  const vary = tokens.length !== 0 ? mergeVaryInto(res, res.getHeader('vary'), tokens) : undefined;
  let downstream: unknown;
  try {
    downstream = next();
  } catch (error) {
    return Promise.reject(keepCorsHeaders(error, decision));
  }
  // Not an async function: one promise reaction instead of an await and a function promise.
  return Promise.resolve(downstream).then(
    () => restoreVary(res, tokens, vary),
    (error: unknown) => {
      // Koa's default error handler removes every response header, then sets `err.headers`.
      throw keepCorsHeaders(error, decision);
    },
  );
}

/**
 * Downstream may have replaced Vary (`ctx.set('Vary', ...)`): merges the tokens back in. Skipped when the
 * response was already sent (`ctx.flushHeaders()`, `ctx.respond = false`).
 */
function restoreVary(res: KoaServerResponse, tokens: readonly string[], vary: HeaderValue | undefined): void {
  if (tokens.length === 0 || res.headersSent) return;
  const current = res.getHeader('vary');
  if (current !== vary) mergeVaryInto(res, current, tokens);
}

/** Where Node keeps each response's headers; the policy's own header lists are stored there without `setHeader`'s checks. */
const ACCESS = findNodeHeaderStore(() => new ServerResponse(new IncomingMessage(null as never)));

/** Merges `tokens` into the response's Vary (`existing`) and returns the value it now has. */
function mergeVaryInto(res: KoaServerResponse, existing: HeaderValue | undefined, tokens: readonly string[]): HeaderValue | undefined {
  const merged = mergeVary(existing, tokens);
  if (merged === undefined) return existing;
  const store = nodeHeaderStore(res, ACCESS);
  if (store !== undefined) store.vary = ['vary', merged];
  else res.setHeader('vary', merged);
  return merged;
}

type HeaderValue = string | number | readonly string[];

/** Each thrown error's own `headers`, as first thrown: an error object may be thrown again by later requests. */
const originalHeaders = new WeakMap<object, unknown>();

/**
 * Puts the decision's headers and the merged Vary on `error.headers`, the only headers Koa's onerror writes.
 * Built afresh from the error's original headers every time, so an error object the application throws for
 * several requests never carries one request's CORS answer to another.
 */
function keepCorsHeaders(error: unknown, decision: ActualRequestDecision): unknown {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) return error;
  try {
    const target = error as { headers?: unknown };
    let existing: unknown;
    if (originalHeaders.has(target)) existing = originalHeaders.get(target);
    else {
      existing = target.headers;
      originalHeaders.set(target, existing);
    }
    const merged: Record<string, HeaderValue> = {};
    let vary: HeaderValue | undefined;
    if (existing !== null && typeof existing === 'object') {
      // Names compare case-insensitively so that no header is sent twice under two spellings. Access-Control-*
      // headers come only from the decision.
      for (const name of Object.keys(existing)) {
        const value = (existing as Record<string, HeaderValue>)[name]!;
        const lower = name.toLowerCase();
        if (lower === 'vary') vary = value;
        else if (lower !== '__proto__' && !lower.startsWith('access-control-')) merged[name] = value;
      }
    }
    for (const [name, value] of decision.headers) merged[name] = value;
    if (decision.vary.length !== 0) vary = mergeVary(vary, decision.vary) ?? vary;
    if (vary !== undefined) merged.vary = vary;
    target.headers = merged;
  } catch {
    // A frozen error, a read-only `headers` or a throwing getter: the user's error goes on unchanged.
  }
  return error;
}
