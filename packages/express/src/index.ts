import { IncomingMessage, ServerResponse, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import {
  createCorsPolicy,
  findNodeHeaderStore,
  isThenable,
  mergeVary,
  nodeHeaderStore,
  setNodeHeaders,
  type CorsDecision,
  type CorsOptions,
  type NodeHeaderStore,
} from '@cors/core';

export { CorsConfigError } from '@cors/core';
export type {
  CorsOptions,
  CorsConfigProblem,
  CorsDecision,
  OriginEntry,
  OriginValidator,
  RefusalCode,
  RefusalReason,
  ValidatorCacheOptions,
} from '@cors/core';

/**
 * Express's `next`, reduced to what the middleware calls: with no argument to go on to the next handler, with an
 * error to hand it to Express's error handling. Express's own `NextFunction` fits it.
 *
 * @example
 * // Calling the middleware by hand, e.g. from a handler of your own:
 * const policy = cors({ origin: 'https://app.example.com' });
 * const next: CorsNextFunction = (error) => (error ? console.error(error) : console.log('not a preflight'));
 * policy(req, res, next);
 */
export type CorsNextFunction = (error?: unknown) => void;

/**
 * The middleware `cors()` returns. Typed on node:http so `@types/express` is not needed; Express's own
 * `Request`/`Response` extend these, so it fits `app.use`, `router.use` and route handler lists. `Req` is the
 * request type its origin validators and `onRefused` receive.
 *
 * @example
 * import type { Request } from 'express';
 *
 * // One instance for a route's preflight and for the route itself:
 * const uploads: CorsMiddleware<Request> = cors<Request>({ origin: 'https://app.example.com', methods: ['PUT'] });
 * app.options('/upload', uploads);
 * app.put('/upload', uploads, upload);
 */
export type CorsMiddleware<Req extends IncomingMessage = IncomingMessage> = (
  req: Req,
  res: ServerResponse,
  next: CorsNextFunction,
) => void;

/**
 * Creates Express 4/5 middleware from a CORS policy. The options are validated here, so a wrong configuration
 * throws `CorsConfigError` at start-up rather than on the first request.
 *
 * Put it before authentication and routes. Preflights are answered by the middleware (`preflightStatus`, or 403
 * with no CORS headers) and never reach the application; every other request gets its CORS headers, kept on error
 * responses, and goes on to `next()`. `Vary: Origin` is merged with the application's own `Vary`. Origin
 * validators and `onRefused` receive Express's `req` (write `cors<Request>(...)` outside `app.use` to type it).
 *
 * @param options - The policy; only `origin` is required. See the `@cors/core` options.
 * @returns The middleware, for `app.use`, `router.use` or a route.
 * @throws `CorsConfigError` listing every problem of the configuration, each with a hint.
 *
 * @example
 * app.use(cors({ origin: ['https://app.example.com', 'https://*.preview.example.com'], credentials: true }));
 *
 * @example
 * // Per route, including its preflight (app.put('/upload', cors(o), upload) alone misses the preflight):
 * app.route('/upload').all(cors({ origin: 'https://app.example.com', methods: ['PUT'] })).put(upload);
 */
export function cors<Req extends IncomingMessage = IncomingMessage>(options: CorsOptions<Req>): CorsMiddleware<Req> {
  const policy = createCorsPolicy<Req>(options);
  return function corsMiddleware(req, res, next) {
    const decision = policy.decide(req.method as string, req.headers, req);
    if (isThenable(decision)) {
      decideLater(decision, res, next);
      return;
    }
    if (writeDecision(decision, res)) next();
  };
}

type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/**
 * A response's pending Vary tokens are kept in its own header object, under a symbol: no header name is a
 * symbol, so Node never sends or lists it, and nothing an application does short of replacing that object
 * (the deprecated `res._headers = ...`) removes it. Where the middleware cannot reach that object, in a WeakMap.
 */
const PENDING_VARY = Symbol('@cors/express pending Vary');
type PendingHolder = Record<symbol, readonly string[] | undefined>;
const pendingVary = new WeakMap<ServerResponse, readonly string[]>();
let pendingVaryUsed = false;
/** Response prototypes whose writeHead already merges Vary. */
const patchedPrototypes = new WeakSet<object>();
/** The prototype of the last response whose writeHead was found patched: most requests stop at this check. */
let lastPatchedPrototype: object | null = null;

/** Where Node keeps each response's headers; the policy's own header lists are stored there without `setHeader`'s checks. */
const ACCESS = findNodeHeaderStore(() => new ServerResponse(new IncomingMessage(null as never)));

/** Writes a decision onto the response. Returns true when the request should go on to the application. */
function writeDecision(decision: CorsDecision, res: ServerResponse): boolean {
  // The header object the decision went into, if any, is the one Vary and the pending tokens go into too.
  let store = setNodeHeaders(res, decision.headers, ACCESS);
  const vary = decision.vary;
  if (vary.length > 0) {
    store ??= nodeHeaderStore(res, ACCESS);
    const merged = mergeVary(store !== undefined ? store.vary?.[1] : res.getHeader('vary'), vary);
    if (merged !== undefined) {
      if (store !== undefined) store.vary = ['Vary', merged];
      else res.setHeader('Vary', merged);
    }
  }
  if (decision.kind === 'preflight') {
    res.statusCode = decision.status;
    res.setHeader('Content-Length', '0');
    res.end();
    return false;
  }
  if (vary.length > 0) keepVary(res, vary, store);
  return true;
}

function pendingVaryOf(res: ServerResponse): readonly string[] | undefined {
  if (ACCESS !== undefined) {
    const store = (res as unknown as Record<symbol, PendingHolder | null | undefined>)[ACCESS.symbol];
    const tokens = store != null ? store[PENDING_VARY] : undefined;
    if (tokens !== undefined) return tokens;
  }
  return pendingVaryUsed ? pendingVary.get(res) : undefined;
}

/**
 * The application may still overwrite Vary (`res.set('Vary', ...)`) after the middleware ran, so the tokens
 * are merged again right before the head goes out. Express gives each app its own response prototype, whose
 * writeHead is wrapped once; adding properties to every response instead costs microseconds per request. A
 * bare `http.ServerResponse` is wrapped on the object itself, so Node's own prototype is never patched.
 */
function keepVary(res: ServerResponse, tokens: readonly string[], store: NodeHeaderStore | undefined): void {
  const previous = pendingVaryOf(res);
  if (previous !== undefined) {
    // A second cors() on the same path (app-wide and on a router): remember both token lists.
    const merged = previous === tokens ? undefined : mergeVary(previous, tokens);
    if (merged === undefined) return;
    tokens = merged.split(', ');
  }
  if (store !== undefined) (store as unknown as PendingHolder)[PENDING_VARY] = tokens;
  else {
    pendingVary.set(res, tokens);
    pendingVaryUsed = true;
  }
  if (previous !== undefined) return;
  const own = Object.getPrototypeOf(res) as object;
  if (own === lastPatchedPrototype) return;
  const proto = expressBasePrototype(res);
  if (proto === undefined) {
    res.writeHead = keepingVary(res.writeHead as WriteHead) as ServerResponse['writeHead'];
    return;
  }
  lastPatchedPrototype = own;
  if (patchedPrototypes.has(proto)) return;
  patchedPrototypes.add(proto);
  proto.writeHead = keepingVary(proto.writeHead);
  // Someone (on-headers, say) wrapped this response's writeHead before the prototype was patched.
  if (Object.hasOwn(res, 'writeHead')) res.writeHead = keepingVary(res.writeHead as WriteHead) as ServerResponse['writeHead'];
}

/**
 * Express's own response prototype, the one every app's (and sub-app's) response prototype inherits from, just
 * above Node's; `undefined` for a bare `http.ServerResponse`. Patching it covers a response that a mounted
 * sub-app hands back to its parent, whose prototype then changes.
 */
function expressBasePrototype(res: ServerResponse): { writeHead: WriteHead } | undefined {
  let proto = Object.getPrototypeOf(res) as object | null;
  if (proto === ServerResponse.prototype) return undefined;
  while (proto !== null) {
    const parent = Object.getPrototypeOf(proto) as object | null;
    if (parent === ServerResponse.prototype) return proto as { writeHead: WriteHead };
    proto = parent;
  }
  return undefined;
}

function keepingVary(original: WriteHead): WriteHead {
  return function writeHeadKeepingVary(this: ServerResponse, statusCode?: unknown, reason?: unknown, fields?: unknown): ServerResponse {
    // A second writeHead is the application's bug; let Node report it as usual.
    if (this.headersSent || pendingVaryOf(this) === undefined) return original.apply(this, arguments as unknown as unknown[]);
    if (arguments.length > 1) {
      // writeHead(status[, message][, headers]): apply the headers first, as Node does when some were already
      // set, so a Vary among them is merged too.
      if (typeof reason !== 'string') {
        fields ??= reason; // as Node reads writeHead(status, undefined, headers)
        reason = undefined;
      }
      // Node rejects a flat array of odd length; let it.
      if (Array.isArray(fields) && fields.length % 2 !== 0) return original.apply(this, arguments as unknown as unknown[]);
      if (fields != null && typeof fields === 'object') applyHeaders(this, fields as OutgoingHttpHeaders | OutgoingHttpHeader[]);
      restoreVary(this);
      return reason === undefined ? original.call(this, statusCode) : original.call(this, statusCode, reason);
    }
    restoreVary(this);
    return original.call(this, statusCode);
  };
}

function restoreVary(res: ServerResponse): void {
  const tokens = pendingVaryOf(res)!;
  const current = res.getHeader('vary');
  // Common case: nobody touched the Vary the middleware set.
  if (tokens.length === 1 && current === tokens[0]) return;
  const merged = mergeVary(current, tokens);
  if (merged !== undefined) res.setHeader('Vary', merged);
  // res.append('Vary', ...) leaves an array, which Node would send as several Vary lines.
  else if (Array.isArray(current)) res.setHeader('Vary', current.join(', '));
}

function applyHeaders(res: ServerResponse, fields: OutgoingHttpHeaders | OutgoingHttpHeader[]): void {
  if (Array.isArray(fields)) {
    // Node's flat form: [name, value, name, value, ...].
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i];
      if (typeof name === 'string' && name !== '') res.setHeader(name, fields[i + 1] as OutgoingHttpHeader);
    }
    return;
  }
  for (const name of Object.keys(fields)) {
    const value = (fields as OutgoingHttpHeaders)[name];
    if (name !== '' && value !== undefined) res.setHeader(name, value);
  }
}

function decideLater(pending: PromiseLike<CorsDecision>, res: ServerResponse, next: CorsNextFunction): void {
  // decide() never rejects; were it to, the error goes to Express's error handling instead of going unhandled.
  pending.then((decision) => finishLater(decision, res, next), next);
}

function finishLater(decision: CorsDecision, res: ServerResponse, next: CorsNextFunction): void {
  // Someone else answered while the validator ran (a timeout middleware, say): nothing left to do.
  if (res.headersSent) return;
  let proceed: boolean;
  try {
    proceed = writeDecision(decision, res);
  } catch (error) {
    next(error);
    return;
  }
  if (proceed) next();
}
