/**
 * The policy nearest to a preflight's route. A preflight reaches the first cors() middleware on its way, which
 * answers it; but the policy that governs the request it asks about may sit further in (a `@koa/router` router's
 * `router.use(cors(b))`, or `router.put('/x', cors(b), handler)`). So the first middleware looks along the way the
 * actual request (`Access-Control-Request-Method` at this path) would go: the application's middleware after it,
 * and the layers `@koa/router` matches for that method (`router.match`). The last policy on that way decides.
 *
 * It reads `app.middleware`, and `@koa/router`'s `dispatch.router`, `router.match` and `layer.stack`. Anything
 * else (koa-mount, another router) ends the look-up, and the middleware's own policy decides, as before.
 */

import { createPolicyTag } from '@cors/node';

/** This adapter's marks on its cors() middlewares. */
export const POLICIES = createPolicyTag<unknown>('@cors/koa');

interface RouterLayer {
  readonly stack?: readonly unknown[];
}
interface Router {
  match?(path: string, method: string): { pathAndMethod?: readonly RouterLayer[]; route?: boolean };
}

/** The policy of the last cors() after `self` on the way of `method` at the request's path, if any. */
export function nearestPolicy<P>(ctx: { app?: unknown; path?: unknown }, self: object, method: string): P | undefined {
  if (!POLICIES.several()) return undefined;
  try {
    const middleware = (ctx.app as { middleware?: unknown } | undefined)?.middleware;
    if (!Array.isArray(middleware) || typeof ctx.path !== 'string') return undefined;
    const walk = { self, seenSelf: false, found: undefined as P | undefined };
    for (const fn of middleware) {
      if (see(fn, walk)) continue;
      const router = (fn as { router?: Router } | null)?.router;
      if (typeof router?.match !== 'function') continue;
      const matched = router.match(ctx.path, method);
      for (const layer of matched.pathAndMethod ?? []) for (const handle of layer.stack ?? []) see(handle, walk);
      // A matched route answers the actual request: nothing after it runs.
      if (matched.route === true && walk.seenSelf) break;
    }
    return walk.found;
  } catch {
    return undefined;
  }
}

/** Notes `handle` on the way; true when it was a cors() middleware (or `self`). */
function see<P>(handle: unknown, walk: { self: object; seenSelf: boolean; found: P | undefined }): boolean {
  if (handle === walk.self) {
    walk.seenSelf = true;
    return true;
  }
  const policy = POLICIES.policyOf(handle) as P | undefined;
  if (policy === undefined) return false;
  if (walk.seenSelf) walk.found = policy;
  return true;
}
