import { IncomingMessage, ServerResponse } from 'node:http';
import { isPrebuiltHeaderList, type CorsHeader } from '@cors/core';

/**
 * What the header helpers need of a Node.js `ServerResponse` (`http.ServerResponse` fits).
 *
 * @example
 * const res: NodeResponse = new ServerResponse(new IncomingMessage(null as never));
 */
export interface NodeResponse {
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  getHeaderNames(): string[];
  readonly headersSent: boolean;
}

/**
 * One entry of Node's header object: the name as sent, and the value. Node reads only those two; the `Vary` entry
 * a decision writes carries the decision's tokens third, so the head hook can tell it was left untouched.
 *
 * @example
 * const entry: NodeHeaderEntry = ['access-control-allow-origin', 'https://app.example.com'];
 */
export type NodeHeaderEntry = [name: string, value: number | string | readonly string[], varyTokens?: readonly string[]];

/**
 * Node's header object of one response: an entry per lower-case name.
 *
 * @example
 * const store: NodeHeaderStore | undefined = nodeHeaderStore(res, access);
 * const vary = store?.vary?.[1]; // 'Origin'
 */
export type NodeHeaderStore = Record<string, NodeHeaderEntry>;

/**
 * How to reach Node's header object of a response, found by `findNodeHeaderStore`.
 *
 * @example
 * const access: NodeHeaderAccess | undefined = findNodeHeaderStore(() => new ServerResponse(new IncomingMessage(null as never)));
 */
export interface NodeHeaderAccess {
  /** The private symbol Node keeps the header object under. */
  readonly symbol: symbol;
  /** Node's own `setHeader`: a response whose `setHeader` is another (wrapped, or a custom class) is left to it. */
  readonly setHeader: NodeResponse['setHeader'];
}

/**
 * Finds where Node keeps a response's headers, for `setNodeHeaders`. Node keeps them in an object under a
 * private symbol, one `[name, value]` entry per lower-case name; `setHeader` checks the name and value and
 * lower-cases the name on every call, which is most of what a CORS middleware costs. The header lists a policy
 * builds up front have lower-case names and values it checked when it was made, so adapters may store those
 * directly. The symbol and the entry shape are checked on a probe response against Node's own `setHeader` and
 * `getHeader`: on any other shape (another Node.js, another runtime) this returns undefined and `setNodeHeaders`
 * uses `setHeader`.
 *
 * @param makeProbe makes a fresh response to check, used up by the check
 * @returns the way in, or undefined when headers must go through `setHeader`
 *
 * @example
 * import { IncomingMessage, ServerResponse } from 'node:http';
 * const access = findNodeHeaderStore(() => new ServerResponse(new IncomingMessage(null as never)));
 */
export function findNodeHeaderStore(makeProbe: () => NodeResponse): NodeHeaderAccess | undefined {
  try {
    const probe = makeProbe();
    const setHeader = probe.setHeader;
    const symbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'kOutHeaders');
    if (symbol === undefined || typeof setHeader !== 'function') return undefined;
    const holder = probe as unknown as Record<symbol, NodeHeaderStore | null>;
    if (holder[symbol] !== null) return undefined;
    probe.setHeader('X-Probe', 'a');
    const entry: unknown = holder[symbol]?.['x-probe'];
    if (!Array.isArray(entry) || entry.length !== 2 || entry[0] !== 'X-Probe' || entry[1] !== 'a') return undefined;
    // With a third element, as the Vary entry of a decision is written.
    holder[symbol]!['x-stored'] = ['x-stored', 'b', ['Origin']];
    if (probe.getHeader('x-stored') !== 'b' || !probe.getHeaderNames().includes('x-stored')) return undefined;
    return Object.freeze({ symbol, setHeader });
  } catch {
    return undefined;
  }
}

/**
 * The response's header object, when headers may be stored in it directly: `access` was found, the response
 * uses Node's own `setHeader`, and the head is not sent yet (a late write then fails in `setHeader`, as it
 * should). Creates the object as Node does when the response has no header yet.
 *
 * @example
 * const store = nodeHeaderStore(res, access);
 * const vary = store !== undefined ? store.vary?.[1] : res.getHeader('vary');
 */
export function nodeHeaderStore(res: Pick<NodeResponse, 'setHeader' | 'headersSent'>, access: NodeHeaderAccess | undefined): NodeHeaderStore | undefined {
  if (access === undefined || res.setHeader !== access.setHeader || res.headersSent) return undefined;
  const holder = res as unknown as Record<symbol, NodeHeaderStore | null | undefined>;
  const store = holder[access.symbol];
  if (store === null) return (holder[access.symbol] = Object.create(null) as NodeHeaderStore);
  return typeof store === 'object' ? store : undefined;
}

/**
 * Sets a decision's headers on a Node response. A list the policy built and checked when it was made
 * (`isPrebuiltHeaderList`) goes straight into the response's header object when `nodeHeaderStore` gives one; any other list goes through
 * `setHeader`, with its checks. Each stored entry is a fresh array, since Node's `appendHeader` changes entries
 * in place.
 *
 * @param found the header object `nodeHeaderStore` already gave for this response, if the caller has it
 * @returns the header object it wrote to, or undefined when it wrote nothing or used `setHeader`
 *
 * @example
 * const store = setNodeHeaders(res, decision.headers, access);
 */
export function setNodeHeaders(
  res: Pick<NodeResponse, 'setHeader' | 'headersSent'>,
  headers: readonly CorsHeader[],
  access: NodeHeaderAccess | undefined,
  found?: NodeHeaderStore,
): NodeHeaderStore | undefined {
  if (headers.length === 0) return undefined;
  const store = isPrebuiltHeaderList(headers) ? (found ?? nodeHeaderStore(res, access)) : undefined;
  if (store !== undefined) {
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i]!;
      store[header[0]] = [header[0], header[1]];
    }
    return store;
  }
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i]!;
    res.setHeader(header[0], header[1]);
  }
  return undefined;
}

/** Where this Node keeps a response's headers, found once for the whole package (undefined: use `setHeader`). */
export const NODE_HEADER_ACCESS: NodeHeaderAccess | undefined = findNodeHeaderStore(() => new ServerResponse(new IncomingMessage(null as never)));
