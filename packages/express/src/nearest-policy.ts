/**
 * The policy nearest to a preflight's route. A preflight reaches the first cors() middleware on its way, which
 * answers it; but the policy that governs the request it asks about may sit further in, on a Router or on the
 * route itself (`router.use(cors(b))`, `app.put('/x', cors(b), handler)`). So the first middleware looks along
 * the way the actual request (`Access-Control-Request-Method` at this path) would go and lets the last policy
 * on that way decide.
 *
 * This reads Express's router internals (`stack`, `Layer#match`, `layer.route`), the same in Express 4 and 5.
 * Anything it does not recognise (a mounted sub-app, a router of another kind) ends the look-up, and the
 * middleware's own policy decides, as before.
 */

const POLICY = Symbol.for('@cors/express policy');

interface Layer {
  readonly handle?: unknown;
  readonly route?: Route;
  readonly path?: string;
  readonly method?: string;
  match?(path: string): boolean;
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

/** Marks a cors() middleware with its policy, so that an outer one can find it. */
export function tagPolicy<P>(middleware: object, policy: P): void {
  Object.defineProperty(middleware, POLICY, { value: policy });
}

function policyOf<P>(handle: unknown): P | undefined {
  return typeof handle === 'function' ? ((handle as unknown as Record<symbol, P | undefined>)[POLICY]) : undefined;
}

/**
 * The policy of the last cors() middleware after `self` on the way of `method path`, or undefined when there is
 * none (or the way cannot be read): then `self`'s own policy decides.
 */
export function nearestPolicy<P>(req: { app?: unknown; originalUrl?: string; url?: string }, self: object, method: string): P | undefined {
  try {
    const app = req.app as App | undefined;
    // A sub-app's requests arrive with paths relative to where it is mounted; start only from a top-level app.
    if (app === undefined || app === null || app.parent !== undefined) return undefined;
    const root = app._router ?? app.router;
    const stack = root?.stack;
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
    if (typeof layer.match !== 'function' || !layer.match(path)) continue;
    const matched = layer.path ?? '';
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
    const nested = typeof layer.handle === 'function' ? (layer.handle as { stack?: unknown }).stack : undefined;
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
  const policy = policyOf<P>(handle);
  if (policy !== undefined) walk.found = policy;
}
