import type { CorsHeader } from './policy.js';

/** What the header helpers need of a Node.js `ServerResponse` (`http.ServerResponse` fits). */
export interface NodeResponse {
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  getHeaderNames(): string[];
  readonly headersSent: boolean;
}

/** One entry of Node's header object: the name as sent, and the value. */
export type NodeHeaderEntry = [name: string, value: number | string | readonly string[]];

/** Node's header object of one response: an entry per lower-case name. */
export type NodeHeaderStore = Record<string, NodeHeaderEntry>;

/**
 * Finds where Node keeps a response's headers, for `setNodeHeaders`. Node keeps them in an object under a
 * private symbol, one `[name, value]` entry per lower-case name; `setHeader` checks the name and value and
 * lower-cases the name on every call, which is most of what a CORS middleware costs. A policy's header names are
 * lower-case and its values were checked when it was made, so adapters may store them directly. The symbol and the
 * entry shape are checked on `probe`, a fresh response, against its own `setHeader` and `getHeader`: on any other
 * shape (another Node.js, another server) this returns undefined and `setNodeHeaders` uses `setHeader`.
 *
 * @param probe a fresh response, used up by the check
 * @returns the symbol, or undefined when headers must go through `setHeader`
 *
 * @example
 * import { IncomingMessage, ServerResponse } from 'node:http';
 * const OUT_HEADERS = findNodeHeaderStore(new ServerResponse(new IncomingMessage(null as never)));
 */
export function findNodeHeaderStore(probe: NodeResponse): symbol | undefined {
  try {
    const symbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'kOutHeaders');
    if (symbol === undefined) return undefined;
    const holder = probe as unknown as Record<symbol, NodeHeaderStore | null>;
    if (holder[symbol] !== null) return undefined;
    probe.setHeader('X-Probe', 'a');
    const entry: unknown = holder[symbol]?.['x-probe'];
    if (!Array.isArray(entry) || entry.length !== 2 || entry[0] !== 'X-Probe' || entry[1] !== 'a') return undefined;
    holder[symbol]!['x-stored'] = ['x-stored', 'b'];
    if (probe.getHeader('x-stored') !== 'b' || !probe.getHeaderNames().includes('x-stored')) return undefined;
    return symbol;
  } catch {
    return undefined;
  }
}

/**
 * The response's header object, when headers may be stored in it directly: `outHeaders` was found by
 * `findNodeHeaderStore` and the head is not sent yet (a late write then fails in `setHeader`, as it should).
 *
 * @example
 * const store = nodeHeaderStore(res, OUT_HEADERS);
 * const vary = store !== undefined ? store.vary?.[1] : res.getHeader('vary');
 */
export function nodeHeaderStore(res: Pick<NodeResponse, 'setHeader' | 'headersSent'>, outHeaders: symbol | undefined): NodeHeaderStore | undefined {
  if (outHeaders === undefined || res.headersSent) return undefined;
  const holder = res as unknown as Record<symbol, NodeHeaderStore | null | undefined>;
  const store = holder[outHeaders];
  if (store === null) return (holder[outHeaders] = Object.create(null) as NodeHeaderStore);
  return typeof store === 'object' ? store : undefined;
}

/**
 * Sets a decision's headers on a Node response: straight into its header object when `nodeHeaderStore` gives
 * one, else with `setHeader`. Each entry is a fresh array, since Node's `appendHeader` changes entries in place.
 *
 * @returns the header object it wrote to, or undefined when it used `setHeader`
 *
 * @example
 * const store = setNodeHeaders(res, decision.headers, OUT_HEADERS);
 */
export function setNodeHeaders(res: Pick<NodeResponse, 'setHeader' | 'headersSent'>, headers: readonly CorsHeader[], outHeaders: symbol | undefined): NodeHeaderStore | undefined {
  const store = nodeHeaderStore(res, outHeaders);
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
