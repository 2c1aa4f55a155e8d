import { mergeVary, VARY } from '@cors/core';

/**
 * Keeping `Vary` at the moment `writeHead` is called, for responses whose head is handed to `writeHead` whole and
 * for those the head hook cannot see. Fastify sends every head through `reply.raw.writeHead` (`writeHead(status,
 * headers)` for a payload, `writeHead(status)` from Node for a stream or a hijacked reply), after every `onSend`
 * hook; an HTTP/2 compatibility response writes its head through `writeHead` too. So the tokens are merged there,
 * into whatever `Vary` the head is about to carry, and nothing set later can drop them. Unlike `keepVary`, this
 * creates no Node header object, which would take Node's `writeHead(status, headers)` off its fast path.
 *
 * The response gets one own property, `writeHead`: a wrapper shared by every response with the same original
 * and tokens (a policy's tokens are one frozen array), so a request allocates nothing. Node's and HTTP/2's
 * compatibility responses both fit.
 */

import type { NodeVaryResponse as RawResponse } from './head-hook.js';

type WriteHead = (this: RawResponse, ...args: unknown[]) => unknown;
type HeaderFields = Record<string, unknown>;

/** What each wrapper wraps, to tell ours from someone else's and to rewrap with other tokens. */
const wrapped = new WeakMap<WriteHead, { readonly original: WriteHead; readonly tokens: readonly string[] }>();
/** Wrappers by original writeHead, then by token list. */
const wrappers = new WeakMap<WriteHead, WeakMap<readonly string[], WriteHead>>();
/** The last wrapper handed out: nearly every response has Node's own writeHead and one policy's tokens. */
let lastOriginal: WriteHead | undefined;
let lastTokens: readonly string[] | undefined;
let lastWrapper: WriteHead | undefined;

/**
 * Arranges for `tokens` to be merged into the `Vary` of the head the response's `writeHead` writes, when it writes
 * it, replacing the tokens of an earlier call on the same response (the policy nearest to the route decides
 * alone). The response gets one own property, `writeHead`, shared by every response with the same original and
 * tokens.
 *
 * @example
 * // Fastify: after every onSend hook, reply.raw.writeHead(status, headers) carries the merged Vary.
 * keepVaryAtWriteHead(reply.raw, decision.vary);
 */
export function keepVaryAtWriteHead(res: RawResponse, tokens: readonly string[]): void {
  const current = res.writeHead as WriteHead;
  if (current === lastOriginal && tokens === lastTokens) {
    res.writeHead = lastWrapper as RawResponse['writeHead'];
    return;
  }
  let original = current;
  const ours = wrapped.get(current);
  if (ours !== undefined) {
    if (ours.tokens === tokens) return;
    original = ours.original;
  }
  res.writeHead = wrapperFor(original, tokens) as RawResponse['writeHead'];
}

/** The tokens `keepVaryAtWriteHead` left on this response, if any. */
export function writeHeadTokens(res: RawResponse): readonly string[] | undefined {
  return wrapped.get(res.writeHead as WriteHead)?.tokens;
}

function wrapperFor(original: WriteHead, tokens: readonly string[]): WriteHead {
  let byTokens = wrappers.get(original);
  if (byTokens === undefined) {
    byTokens = new WeakMap();
    wrappers.set(original, byTokens);
  }
  let wrapper = byTokens.get(tokens);
  if (wrapper === undefined) {
    wrapper = mergingVary(original, tokens);
    byTokens.set(tokens, wrapper);
    wrapped.set(wrapper, { original, tokens });
  }
  lastOriginal = original;
  lastTokens = tokens;
  lastWrapper = wrapper;
  return wrapper;
}

function mergingVary(original: WriteHead, tokens: readonly string[]): WriteHead {
  // Node's writeHead and HTTP/2's read a missing argument and an undefined one alike, so all three are passed on.
  return function writeHeadMergingVary(this: RawResponse, statusCode?: unknown, reason?: unknown, fields?: unknown): unknown {
    // A second writeHead is the application's bug; let Node report it as usual.
    if (!this.headersSent) {
      // writeHead(status[, message][, headers]), as Node reads it.
      const headers = fields !== undefined ? fields : typeof reason === 'string' ? undefined : reason;
      if (headers != null && typeof headers === 'object') mergeIntoFields(this, headers as HeaderFields, tokens);
      else mergeIntoResponse(this, tokens);
    }
    return original.call(this, statusCode, reason, fields);
  };
}

/** The head is built from `headers` (over what `setHeader` stored): the Vary it sends is the one to merge into. */
function mergeIntoFields(res: RawResponse, headers: HeaderFields, tokens: readonly string[]): void {
  if (Array.isArray(headers)) {
    mergeIntoFlatList(res, headers as unknown[], tokens);
    return;
  }
  // Fastify's own header object: names in lower case.
  let name: string = VARY;
  let current = headers[VARY];
  if (current === undefined) {
    for (const key in headers) {
      if (key.length === 4 && key.toLowerCase() === VARY) {
        name = key;
        current = headers[key];
        break;
      }
    }
  }
  // Not among them: the head keeps what setHeader stored, unless these fields say otherwise. Writing the merged
  // value into the fields (not with setHeader) keeps Node on its fast path for a head given whole.
  if (current === undefined) current = res.getHeader(VARY);
  // Vary already says exactly the tokens.
  else if (current === tokens[0] && tokens.length === 1) return;
  const merged = mergeVary(current as string | readonly string[], tokens);
  if (merged !== undefined) headers[name] = merged;
  // An array would go out as several Vary lines.
  else if (Array.isArray(current)) headers[name] = current.join(', ');
}

/** Node's flat form, `[name, value, name, value, ...]` (or `[[name, value], ...]`): Vary entries become one. */
function mergeIntoFlatList(res: RawResponse, list: unknown[], tokens: readonly string[]): void {
  const nested = Array.isArray(list[0]);
  const step = nested ? 1 : 2;
  const values: string[] = [];
  let first = -1;
  for (let i = 0; i < list.length; i += step) {
    const name = nested ? (list[i] as unknown[])[0] : list[i];
    if (typeof name !== 'string' || name.toLowerCase() !== VARY) continue;
    if (first < 0) first = i;
    values.push(String(nested ? (list[i] as unknown[])[1] : list[i + 1]));
  }
  if (first < 0) {
    const merged = mergeVary(res.getHeader(VARY), tokens);
    if (merged !== undefined) list.push(...(nested ? [[VARY, merged]] : [VARY, merged]));
    return;
  }
  const merged = mergeVary(values, tokens) ?? values.join(', ');
  // Keep the first Vary entry with the merged value, drop the others.
  for (let i = list.length - step; i > first; i -= step) {
    const name = nested ? (list[i] as unknown[])[0] : list[i];
    if (typeof name === 'string' && name.toLowerCase() === VARY) list.splice(i, step);
  }
  if (nested) list[first] = [(list[first] as unknown[])[0], merged];
  else list[first + 1] = merged;
}

function mergeIntoResponse(res: RawResponse, tokens: readonly string[]): void {
  const current = res.getHeader(VARY);
  const merged = mergeVary(current, tokens);
  if (merged !== undefined) res.setHeader(VARY, merged);
  else if (Array.isArray(current)) res.setHeader(VARY, current.join(', '));
}
