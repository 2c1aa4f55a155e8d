import type { Context, Env, MiddlewareHandler, Next } from 'hono';
import {
  createCorsPolicy,
  isPreflight,
  isThenable,
  type ActualRequestDecision,
  type CorsDecision,
  type CorsOptions,
  type CorsRequestHeaders,
} from '@cors/core';
import { applyDecision, corsRequestHeaders, mergeVaryInto, preflightResponse, writeDecision } from '@cors/fetch';

export { CorsConfigError } from '@cors/core';
export type { CorsConfigProblem, CorsDecision, CorsOptions, OriginValidator, RefusalCode, RefusalReason } from '@cors/core';

/**
 * What every `cors()` middleware carries, so that the policy nearest to a route can be found: the one Hono runs
 * last among the matched middleware decides that route's requests alone, its preflights included.
 */
const POLICY = Symbol.for('@cors/hono:policy');
// Hono marks a sub-app's handler it wrapped (app.route() with the sub-app's own onError) with the original.
const COMPOSED_HANDLER = '__COMPOSED_HANDLER';

type Decide = (c: Context, headers: CorsRequestHeaders) => CorsDecision | Promise<CorsDecision>;
type Marked = { [POLICY]?: Decide; [COMPOSED_HANDLER]?: Marked };

/** How many policies exist; with one, no route can have a nearer one and the look-up is skipped. */
let policies = 0;

/**
 * The decide function of the nearest policy among the matched middleware, when it is not the one running now.
 * Only then is the matched-route list built (Hono builds it on every read).
 */
function nearerPolicy(c: Context): Decide | undefined {
  const routes = (c.req as { matchedRoutes?: ReadonlyArray<{ handler: unknown }> }).matchedRoutes;
  if (routes === undefined) return undefined;
  for (let i = routes.length - 1; i > c.req.routeIndex; i--) {
    const handler = routes[i]!.handler as Marked | undefined;
    const decide = handler?.[POLICY] ?? handler?.[COMPOSED_HANDLER]?.[POLICY];
    if (decide !== undefined) return decide;
  }
  return undefined;
}

/**
 * CORS middleware for Hono 4. The options are checked now: a wrong configuration throws `CorsConfigError` at
 * start-up, and `hono/cors` option names get a did-you-mean (`allowHeaders` -> `allowedHeaders`). Validators and
 * `onRefused` receive Hono's `Context`.
 *
 * Preflights are answered here (`preflightStatus`, or 403 with no CORS headers) and never reach later
 * middleware or routes. Every other request goes on to `next()`, and the CORS headers and `Vary: Origin` end up
 * on whatever response comes back: `c.json`/`c.text`, a `Response` a route returned (copied when its headers are
 * immutable), `c.notFound()`, an error answered by `app.onError`, a route's own `c.header('Vary', ...)`.
 * Registered on a path as well as app-wide (`app.use('/admin/*', cors(adminOptions))`), the policy nearest to the
 * route decides alone: the app-wide one steps aside for it, preflights included.
 *
 * @param options the policy; only `origin` is required (see the `@cors/core` options)
 * @returns the middleware, for `app.use(...)`
 * @throws `CorsConfigError` listing every problem of the configuration, each with a hint
 *
 * @example
 * app.use('*', cors({ origin: ['https://app.example.com'], credentials: true }));
 *
 * @example
 * // A validator with Hono's context:
 * app.use('/api/*', cors({ origin: (origin, c) => c.req.header('x-tenant') === 'acme' && origin === 'https://acme.example.com' }));
 */
export function cors<E extends Env = any>(options: CorsOptions<Context<E>>): MiddlewareHandler<E> {
  // hono/cors's cors() with no options meant origin '*': here that is the missing origin, said as such.
  const policy = createCorsPolicy<Context<E>>(options === undefined ? ({} as CorsOptions<Context<E>>) : options);
  const decide = policy.decide;
  const decideFor: Decide = (c, headers) => decide(c.req.raw.method, headers, c as Context<E>);
  policies++;

  const middleware = function corsMiddleware(c: Context, next: Next): Promise<Response | void> {
    const raw = c.req.raw;
    const headers = corsRequestHeaders(raw);
    let decision: CorsDecision | Promise<CorsDecision>;
    if (policies > 1) {
      const nearer = nearerPolicy(c);
      if (nearer !== undefined) {
        // An actual request is the nearer policy's alone; a preflight is answered now, by its policy, so that no
        // middleware in between sees it.
        if (!isPreflight(raw.method, headers)) return next();
        decision = nearer(c, headers);
      } else decision = decideFor(c, headers);
    } else decision = decideFor(c, headers);
    if (isThenable(decision)) return decision.then((settled) => handle(c, next, settled));
    return handle(c, next, decision);
  };
  (middleware as Marked)[POLICY] = decideFor;
  return middleware as MiddlewareHandler<E>;
}

function handle(c: Context, next: Next, decision: CorsDecision): Promise<Response | void> {
  if (decision.kind === 'preflight') return Promise.resolve(preflightResponse(decision));
  // Before next(), c.header() writes into the headers Hono builds c.json/c.text/c.notFound/onError answers from:
  // the cheap way in. After next(), whatever the response is, the headers and Vary are checked on it.
  const list = decision.headers;
  for (let i = 0; i < list.length; i++) c.header(list[i]![0], list[i]![1]);
  return next().then(() => finish(c, decision));
}

function finish(c: Context, decision: ActualRequestDecision): void {
  // Not finalized: no response at all, which Hono reports itself. Reading c.res would invent an empty one.
  if (!c.finalized) return;
  const response = c.res;
  // An error answer is rebuilt from whatever the route had set: CORS headers come from the decision alone.
  const replace = c.error !== undefined;
  try {
    if (replace) writeDecision(response.headers, decision, true);
    else refresh(response.headers, decision);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // Immutable headers (a Response from fetch()): answer with a copy that keeps the body stream. Unset first,
    // or Hono's setter would copy the old headers over the new ones.
    const copy = applyDecision(response, decision, replace);
    c.res = undefined;
    c.res = copy;
  }
}

/**
 * A response built from c.header()'s headers already has the allowed answer, and needs only Vary merged back in;
 * anything else (a refusal, a Response a route made itself) gets the whole decision written.
 */
function refresh(headers: Headers, decision: ActualRequestDecision): void {
  const first = decision.headers[0];
  if (first !== undefined && decision.allowed && headers.get(first[0]) === first[1]) mergeVaryInto(headers, decision);
  else writeDecision(headers, decision);
}
