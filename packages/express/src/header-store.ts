import { IncomingMessage, ServerResponse, type OutgoingHttpHeader } from 'node:http';

/** Node's entry for one response header: the name as sent, and the value. */
export type HeaderEntry = [name: string, value: OutgoingHttpHeader];
export type HeaderStore = Record<string, HeaderEntry>;

/**
 * Node keeps a response's headers in an object under a private symbol, one `[name, value]` entry per lower-case
 * name. `setHeader` checks the name and value and lower-cases the name on every call, which is most of what a
 * CORS middleware costs on Express; the policy's names are lower-case and its values were checked when it was
 * made, so they are stored directly. The symbol and the entry shape are checked once against Node's own
 * `setHeader`/`getHeader`; on any other shape (another Node, another server) the middleware uses `setHeader`.
 */
const OUT_HEADERS: symbol | undefined = findHeaderStore(new ServerResponse(new IncomingMessage(null as never)));

/** The symbol under which `probe`, a fresh response, keeps its headers as Node's do; undefined for any other shape. */
export function findHeaderStore(probe: ServerResponse): symbol | undefined {
  try {
    const symbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'kOutHeaders');
    if (symbol === undefined) return undefined;
    const holder = probe as unknown as Record<symbol, HeaderStore | null>;
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

/** The response's header object when headers may be stored directly, else undefined (use setHeader). */
export function headerStore(res: ServerResponse): HeaderStore | undefined {
  if (OUT_HEADERS === undefined || res.headersSent) return undefined;
  const holder = res as unknown as Record<symbol, HeaderStore | null | undefined>;
  const store = holder[OUT_HEADERS];
  if (store === null) return (holder[OUT_HEADERS] = Object.create(null) as HeaderStore);
  return typeof store === 'object' ? store : undefined;
}
