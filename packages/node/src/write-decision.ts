import { CORS_RESPONSE_HEADERS, mergeVary, VARY, type CorsDecision } from '@cors/core';
import { NODE_HEADER_ACCESS as ACCESS, nodeHeaderStore, setNodeHeaders } from './header-store.js';
import { heldTokens, hookedPending, holdTokens, keepVary, pendingVary, type NodeVaryResponse } from './head-hook.js';

/**
 * What writing a decision needs of a response: Node's `http.ServerResponse` (Express's and Koa's `res`) and
 * `http2.Http2ServerResponse` fit.
 *
 * @example
 * const res: NodeCorsResponse = ctx.res;
 */
export interface NodeCorsResponse extends NodeVaryResponse {
  statusCode: number;
  removeHeader(name: string): unknown;
  end(): unknown;
  readonly writableEnded?: boolean;
}

/**
 * Writes a decision onto a Node response: its headers, its Vary tokens merged into the response's `Vary` now and
 * again when the head is written. A preflight is answered here (status, `Content-Length` as the decision says,
 * empty body). When a policy already wrote onto this response (an app-wide one, before a router's), its CORS
 * headers are removed first: the policy nearest to the route decides alone.
 *
 * @returns true when the request goes on to the application; false when the preflight was answered
 *
 * @example
 * const decision = policy.decide(req.method, req.headers, req);
 * if (!isThenable(decision) && writeDecision(res, decision)) next();
 */
export function writeDecision(res: NodeCorsResponse, decision: CorsDecision): boolean {
  writeCorsHeaders(res, decision);
  if (decision.kind === 'preflight') {
    res.statusCode = decision.status;
    res.end();
    return false;
  }
  return true;
}

/**
 * The part of `writeDecision` that sets headers, for a framework that ends responses itself (Koa): the
 * decision's headers, its Vary tokens merged now and kept until the head is written, and for a preflight the
 * `Content-Length` of its empty body. The status and the body are left to the caller.
 *
 * @example
 * writeCorsHeaders(ctx.res, decision);
 * if (decision.kind === 'preflight') { ctx.status = decision.status; ctx.body = null; }
 */
export function writeCorsHeaders(res: NodeCorsResponse, decision: CorsDecision): void {
  const found = nodeHeaderStore(res, ACCESS);
  // Node's own response, seen by the head hook: the tokens go where the hook reads them, with no look-up elsewhere.
  const held = found !== undefined ? hookedPending(res, found) : undefined;
  // An earlier policy wrote here (an app-wide one, before a router's): the nearer one decides alone.
  if ((held !== undefined ? heldTokens(held) : pendingVary(res, found)) !== undefined) {
    for (const name of CORS_RESPONSE_HEADERS) res.removeHeader(name);
  }
  setNodeHeaders(res, decision.headers, ACCESS, found);
  const tokens = decision.vary;
  if (tokens.length !== 0) {
    const merged = mergeVary(found !== undefined ? found.vary?.[1] : res.getHeader(VARY), tokens);
    if (merged !== undefined) {
      // The tokens ride along: while this very entry is in place, nobody replaced the Vary written here.
      if (found !== undefined) found.vary = [VARY, merged, tokens];
      else res.setHeader(VARY, merged);
    }
  }
  if (decision.kind === 'preflight' && decision.contentLength !== undefined) res.setHeader('content-length', decision.contentLength);
  if (held !== undefined) holdTokens(held, tokens);
  else keepVary(res, tokens, found);
}

/**
 * `writeDecision` for a decision that was waited for (an async origin validator): when someone else answered
 * the response meanwhile (a timeout middleware, say), it writes nothing and returns false.
 *
 * @example
 * decision.then((settled) => { if (writeLateDecision(res, settled)) next(); });
 */
export function writeLateDecision(res: NodeCorsResponse, decision: CorsDecision): boolean {
  if (isAnswered(res)) return false;
  return writeDecision(res, decision);
}

/**
 * Whether someone already answered the response (its head is sent, or it ended): a decision that was waited for
 * must then write nothing, and the request goes no further.
 *
 * @example
 * decision.then((settled) => (isAnswered(ctx.res) ? undefined : apply(ctx, next, settled)));
 */
export function isAnswered(res: Pick<NodeCorsResponse, 'headersSent' | 'writableEnded'>): boolean {
  return res.headersSent || res.writableEnded === true;
}
