import { IncomingMessage, ServerResponse } from 'node:http';
import { isCorsHeader, mergeVary, VARY, type CorsHeader } from '@cors/core';
import { NODE_HEADER_ACCESS as ACCESS, type NodeHeaderStore } from './header-store.js';
import { keepVaryAtWriteHead, writeHeadTokens } from './write-head-vary.js';

/**
 * Keeps a decision's Vary tokens (and, on an error response, its CORS headers) in the response until its head is
 * written, then merges them into whatever
 * `Vary` the response has by then: set by the application after the middleware (`setHeader`, `appendHeader`,
 * `writeHead(status, headers)`, `flushHeaders()`), by a middleware that ran before and wrapped `writeHead`, or
 * by nobody.
 *
 * The last moment Node lets a head change is `ServerResponse#_storeHeader`, which every way of sending a head
 * goes through. It is wrapped once, on Node's `ServerResponse.prototype`, when the package loads, and does nothing
 * but call Node's own unless the response carries tokens under a symbol (no header name is a symbol, so Node never
 * sends or lists it). The wrapper is checked on a probe response when installed; where it does not engage (another
 * runtime, an HTTP/2 compatibility response, a response class of its own), `writeHead` is wrapped on the response
 * itself instead.
 */

const PENDING_VARY = Symbol('@cors/node pending Vary');
/** A decision's headers to put back when the head is written, after an error handler removed every header. */
const PENDING_CORS = Symbol('@cors/node pending CORS headers');
type Pending = { [PENDING_VARY]?: readonly string[]; [PENDING_CORS]?: readonly CorsHeader[] };
const NO_TOKENS: readonly string[] = Object.freeze([]);

/**
 * Where a response's pending state goes. On a response of Node's own class (Koa, plain node:http) it goes on the
 * response itself: V8 adds the property along one cached transition, and reading it back (or finding it absent) is
 * an inline-cached load, while a key in the header object (a dictionary) costs a hash probe each time. A response
 * whose prototype was swapped (Express gives each app its own) keeps it in its header object instead, since adding
 * a property to such an object costs V8 far more. Both are keyed by symbols, which Node never sends or lists.
 */
const NODE_RESPONSE = ServerResponse.prototype;

function pendingHolder(res: object, store: object): Pending;
function pendingHolder(res: object, store: object | null | undefined): Pending | undefined;
function pendingHolder(res: object, store: object | null | undefined): Pending | undefined {
  return (Object.getPrototypeOf(res) === NODE_RESPONSE ? res : (store ?? undefined)) as Pending | undefined;
}

function tokensOf(res: object, store: object | null | undefined): readonly string[] | undefined {
  return pendingHolder(res, store)?.[PENDING_VARY];
}
type StoreHeader = (this: ServerResponse, firstLine: string, headers: unknown) => unknown;
type WriteHead = (this: NodeVaryResponse, ...args: unknown[]) => unknown;

/**
 * What keeping Vary needs of a response: Node's `http.ServerResponse` and `http2.Http2ServerResponse` fit.
 *
 * @example
 * const res: NodeVaryResponse = ctx.res;
 */
export interface NodeVaryResponse {
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  getHeader(name: string): number | string | readonly string[] | undefined;
  writeHead(statusCode: number, ...rest: any[]): unknown;
  readonly headersSent: boolean;
}

/**
 * Node's `_storeHeader` wrapped, or undefined when the head hook did not engage. Installed when the package loads,
 * before the application makes its responses: V8 handles a prototype changed after thousands of responses were
 * made with it less well (constructing one then costs about twice as much), while a change made first costs
 * nothing measurable.
 */
const hookedStoreHeader: StoreHeader | undefined = installHeadHook();

/** Whether the head hook engaged on this Node.js: `keepVary` then costs one property write per response. */
export function headHookEngaged(): boolean {
  return hookedStoreHeader !== undefined;
}

function mergePending(store: NodeHeaderStore, tokens: readonly string[], restore: readonly CorsHeader[] | undefined): void {
  if (restore !== undefined) {
    for (const name of Object.keys(store)) if (isCorsHeader(name)) delete store[name];
    for (const [name, value] of restore) store[name] = [name, value];
  }
  if (tokens.length === 0) return;
  const entry = store.vary;
  const current = entry?.[1];
  // Common case: nobody touched the Vary the middleware set (appendHeader keeps the entry but makes its value a list).
  if (entry !== undefined && entry[2] === tokens && typeof current === 'string') return;
  if (tokens.length === 1 && current === tokens[0]) return;
  const merged = mergeVary(current, tokens);
  if (merged !== undefined) store.vary = [VARY, merged];
  // appendHeader leaves an array, which Node would send as several Vary lines.
  else if (Array.isArray(current)) store.vary = [VARY, current.join(', ')];
}

function installHeadHook(): StoreHeader | undefined {
  const proto = ServerResponse.prototype as unknown as { _storeHeader?: StoreHeader };
  const original = proto._storeHeader;
  if (ACCESS === undefined || typeof original !== 'function') return undefined;
  const hooked: StoreHeader = function storeHeaderKeepingVary(this: ServerResponse, firstLine: string, headers: unknown) {
    if (headers != null && typeof headers === 'object' && !Array.isArray(headers)) {
      const holder = pendingHolder(this, headers);
      const tokens = holder[PENDING_VARY];
      if (tokens !== undefined) mergePending(headers as NodeHeaderStore, tokens, holder[PENDING_CORS]);
    }
    return original.call(this, firstLine, headers);
  };
  Object.defineProperty(proto, '_storeHeader', { value: hooked, writable: true, configurable: true, enumerable: false });
  // Checked on a probe: a Vary set after the tokens, and a head written by writeHead(status, headers).
  try {
    const probe = new ServerResponse(new IncomingMessage(null as never));
    probe.setHeader('vary', 'Accept');
    pendingHolder(probe, storeOf(probe)!)[PENDING_VARY] = ['Origin'];
    probe.writeHead(200, { Vary: 'Accept-Encoding' });
    if (probe.getHeader('vary') === 'Accept-Encoding, Origin') return hooked;
  } catch {
    // Fall through: put Node's own back.
  }
  Object.defineProperty(proto, '_storeHeader', { value: original, writable: true, configurable: true, enumerable: false });
  return undefined;
}

function storeOf(res: object): NodeHeaderStore | undefined {
  if (ACCESS === undefined) return undefined;
  const holder = res as unknown as Record<symbol, NodeHeaderStore | null | undefined>;
  const store = holder[ACCESS.symbol];
  if (store === null) return (holder[ACCESS.symbol] = Object.create(null) as NodeHeaderStore);
  return typeof store === 'object' ? store : undefined;
}

/** Where the hook cannot see a response, the CORS headers to put back are kept here, and its writeHead wrapped. */
const fallbackRestore = new WeakMap<object, readonly CorsHeader[]>();

/**
 * Where the head hook looks for this response's pending state, when the hook sees the response; undefined
 * otherwise (then `writeHead` is wrapped instead).
 */
export function hookedPending(res: NodeVaryResponse, store: NodeHeaderStore | undefined): Pending | undefined {
  if (hookedStoreHeader === undefined || (res as unknown as { _storeHeader?: unknown })._storeHeader !== hookedStoreHeader) return undefined;
  const target = store ?? storeOf(res);
  return target !== undefined ? pendingHolder(res, target) : undefined;
}

/** The Vary tokens pending in what `hookedPending` gave, if any: a policy already wrote its decision there. */
export function heldTokens(holder: Pending): readonly string[] | undefined {
  return holder[PENDING_VARY];
}

/** Leaves `tokens` for the head hook in what `hookedPending` gave. */
export function holdTokens(holder: Pending, tokens: readonly string[]): void {
  holder[PENDING_VARY] = tokens;
}

/**
 * Arranges for `tokens` to be merged into the response's `Vary` when its head is written, replacing the tokens
 * of an earlier call on the same response (a nearer policy governs alone). Returns false when the head was
 * already sent.
 *
 * @example
 * res.setHeader('vary', 'Origin');
 * keepVary(res, ['Origin']);
 * // later, anywhere: res.setHeader('Vary', 'Accept') -> the head says "vary: Accept, Origin"
 */
export function keepVary(res: NodeVaryResponse, tokens: readonly string[], store?: NodeHeaderStore): boolean {
  if (res.headersSent) return false;
  const holder = hookedPending(res, store);
  if (holder !== undefined) holder[PENDING_VARY] = tokens;
  else keepVaryAtWriteHead(res, tokens);
  return true;
}

/**
 * Arranges for the response's `Access-Control-*` headers to be exactly `headers` when its head is written,
 * whatever happens before: for an error response, whose handler (Koa's `ctx.onerror`, say) removes every header
 * and sets the error's own, which must not speak for CORS. Nothing is written onto the error object, which the
 * application may throw for several requests at once.
 *
 * @example
 * next().catch((error) => { keepCorsHeaders(ctx.res, decision.headers); throw error; });
 */
export function keepCorsHeaders(res: NodeVaryResponse, headers: readonly CorsHeader[]): boolean {
  if (res.headersSent) return false;
  const holder = hookedPending(res, undefined);
  if (holder !== undefined) {
    holder[PENDING_CORS] = headers;
    // The hook acts on responses with tokens; these headers need it even where no decision left any.
    if (holder[PENDING_VARY] === undefined) holder[PENDING_VARY] = NO_TOKENS;
  } else {
    if (!fallbackRestore.has(res)) res.writeHead = writeHeadRestoringCors(res.writeHead as WriteHead) as NodeVaryResponse['writeHead'];
    fallbackRestore.set(res, headers);
  }
  return true;
}

/** The tokens an earlier `keepVary` left on this response, if any: a policy already wrote its decision here. */
export function pendingVary(res: NodeVaryResponse, store?: NodeHeaderStore): readonly string[] | undefined {
  const target = store ?? (ACCESS !== undefined ? (res as unknown as Record<symbol, NodeHeaderStore | null | undefined>)[ACCESS.symbol] : undefined);
  return tokensOf(res, target) ?? writeHeadTokens(res);
}

/**
 * Merges the tokens `keepVary` left into the response's `Vary` now, for code that reads `Vary` before the head is
 * written (a Koa middleware upstream, after `await next()`).
 *
 * @param tokens the decision's tokens, when the caller has them at hand (saves looking them up)
 *
 * @example
 * await next();
 * applyKeptVary(ctx.res, decision.vary); // ctx.response.get('Vary') now has Origin too
 */
export function applyKeptVary(res: NodeVaryResponse, tokens?: readonly string[]): void {
  const store = ACCESS !== undefined ? (res as unknown as Record<symbol, (NodeHeaderStore & Pending) | null | undefined>)[ACCESS.symbol] : undefined;
  // The common case first: the Vary the middleware set is still there, untouched.
  if (tokens !== undefined && store != null) {
    const entry = store.vary;
    if (entry !== undefined && entry[2] === tokens && typeof entry[1] === 'string') return;
  }
  if (res.headersSent) return;
  const kept = tokens ?? tokensOf(res, store) ?? writeHeadTokens(res);
  if (kept === undefined || kept.length === 0) return;
  const current = res.getHeader(VARY);
  if (kept.length === 1 && current === kept[0]) return;
  const merged = mergeVary(current, kept);
  if (merged !== undefined) res.setHeader(VARY, merged);
}

function writeHeadRestoringCors(original: WriteHead): WriteHead {
  return function (this: NodeVaryResponse, statusCode?: unknown, reason?: unknown, fields?: unknown): unknown {
    const restore = fallbackRestore.get(this);
    if (!this.headersSent && restore !== undefined) {
      const res = this as NodeVaryResponse & { getHeaderNames(): string[]; removeHeader(name: string): unknown };
      for (const name of res.getHeaderNames()) if (isCorsHeader(name)) res.removeHeader(name);
      for (const [name, value] of restore) res.setHeader(name, value);
      // writeHead(status[, message][, headers]): headers given here must not speak for CORS either.
      const given = fields !== undefined ? fields : typeof reason === 'string' ? undefined : reason;
      if (given != null && typeof given === 'object' && !Array.isArray(given)) {
        for (const name of Object.keys(given)) if (isCorsHeader(name)) delete (given as Record<string, unknown>)[name];
      }
    }
    return original.call(this, statusCode, reason, fields);
  };
}
