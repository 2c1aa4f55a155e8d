/**
 * The policy nearest to a preflight's route. A preflight reaches the first cors() middleware on its way, which
 * answers it; but the policy that governs the request it asks about may sit further in, on a Router or on the
 * route itself (`router.use(cors(b))`, `app.put('/x', cors(b), handler)`). So the first middleware looks along
 * the way the actual request (`Access-Control-Request-Method` at this path) would go and lets the last policy
 * on that way decide.
 *
 * This reads Express's router internals (`stack`, `Layer#match`, `layer.route`), the same in Express 4 and 5, and
 * goes into sub-apps mounted with `app.use(path, subApp)` through `mountedApp`. Anything it does not recognise (a
 * router of another kind, a sub-app it cannot read) ends the look-up, and the middleware's own policy decides.
 */

import { createPolicyTag } from '@cors/node';
import { mountedApp } from './mounted-app.js';

/** This adapter's marks on its cors() middlewares. */
export const POLICIES = createPolicyTag<unknown>('@cors/express');

interface Layer {
  readonly handle?: unknown;
  readonly route?: Route;
  readonly path?: string;
  readonly method?: string;
  match?(path: string): unknown;
}
interface Route {
  readonly stack?: readonly Layer[];
  _handles_method?(method: string): boolean;
  _handlesMethod?(method: string): boolean;
}
interface App {
  readonly _router?: { readonly stack?: readonly Layer[] };
  readonly router?: { readonly stack?: readonly Layer[] };
  readonly parent?: unknown;
}

/**
 * The policy of the last cors() middleware after `self` on the way of `method path`, or undefined when there is
 * none (or the way cannot be read): then `self`'s own policy decides.
 */
export function nearestPolicy<P>(req: { app?: unknown; originalUrl?: string; url?: string }, self: object, method: string): P | undefined {
  if (!POLICIES.several()) return undefined;
  try {
    // Inside a sub-app paths are relative to where it is mounted: walk from the top-level app, whole path.
    let app = req.app as App | undefined;
    for (let up = 0; app?.parent !== undefined; up++) {
      if (up > 32) return undefined;
      app = app.parent as App;
    }
    if (app === undefined || app === null) return undefined;
    const stack = routerStack(app);
    if (!Array.isArray(stack)) return undefined;
    const url = req.originalUrl ?? req.url ?? '/';
    const query = url.indexOf('?');
    const path = query >= 0 ? url.slice(0, query) : url;
    const walk: Walk<P> = { self, method: method.toLowerCase(), seenSelf: false, found: undefined, done: false, depth: 0 };
    visit(stack, path, walk);
    return walk.found;
  } catch {
    return undefined;
  }
}

function routerStack(app: App): unknown {
  try {
    return (app._router ?? app.router)?.stack;
  } catch {
    // Express 4's `app.router` getter throws; an app with no routes has no `_router` yet.
    return undefined;
  }
}

interface Walk<P> {
  readonly self: object;
  readonly method: string;
  seenSelf: boolean;
  found: P | undefined;
  done: boolean;
  depth: number;
}

function visit<P>(stack: readonly Layer[], path: string, walk: Walk<P>): void {
  if (++walk.depth > 32) throw new Error('too deep');
  for (const layer of stack) {
    if (walk.done) return;
    if (typeof layer.match !== 'function') continue;
    const match = layer.match(path);
    if (!match) continue;
    // Express 4's Layer#match records the matched prefix on the layer; router 2.3 (Express 5) returns it.
    const matched = typeof (match as { path?: unknown }).path === 'string' ? (match as { path: string }).path : (layer.path ?? '');
    const route = layer.route;
    if (route !== undefined) {
      const handles = route._handles_method ?? route._handlesMethod;
      if (typeof handles !== 'function' || !handles.call(route, walk.method)) continue;
      for (const inner of route.stack ?? []) {
        if (inner.method === undefined || inner.method === walk.method) see(inner.handle, walk);
      }
      // The route answers the actual request: nothing after it runs.
      walk.done = true;
      return;
    }
    const handle = layer.handle;
    const sub = mountedApp(handle);
    const nested = sub !== undefined ? routerStack(sub as App) : typeof handle === 'function' ? (handle as { stack?: unknown }).stack : undefined;
    if (Array.isArray(nested)) {
      const rest = path.slice(matched.length);
      visit(nested as readonly Layer[], rest === '' || rest[0] !== '/' ? `/${rest}` : rest, walk);
    } else {
      see(layer.handle, walk);
    }
  }
  walk.depth--;
}

function see<P>(handle: unknown, walk: Walk<P>): void {
  if (handle === walk.self) {
    walk.seenSelf = true;
    return;
  }
  if (!walk.seenSelf) return;
  const policy = POLICIES.policyOf(handle) as P | undefined;
  if (policy !== undefined) walk.found = policy;
}
