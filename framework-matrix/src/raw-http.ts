import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names lower-case; repeated headers keep every value in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: string;
  /** The single value of a header, the values joined with ', ' when repeated, or undefined. */
  header(name: string): string | undefined;
  /** Names of all `access-control-*` response headers. */
  corsHeaderNames(): string[];
}

/**
 * Sends one request with exactly the given header lines (any case, repeats, empty values kept) over a fresh
 * socket, so odd Origin values reach the server unchanged. `Connection: close` is added, and `Host` unless given.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: ReadonlyArray<readonly [string, string]> = [],
  body?: string,
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const lines = [`${method} ${path} HTTP/1.1`, 'Connection: close'];
  // The server's own Host unless the caller sends one (to reach a host-constrained route).
  if (!headers.some(([name]) => name.toLowerCase() === 'host')) lines.push(`Host: ${url.host}`);
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const payload = `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`timeout: ${method} ${path}`)));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks), method === 'HEAD'));
      } catch (error) {
        reject(error);
      }
    });
    socket.write(payload);
  });
}

function parseResponse(data: Buffer, head: boolean): RawResponse {
  const text = data.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`incomplete response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...headerLines] = text.slice(0, end).split('\r\n');
  const status = Number(statusLine!.split(' ')[1]);
  const headers = new Map<string, string[]>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const list = headers.get(name) ?? [];
    list.push(value);
    headers.set(name, list);
  }
  let body = head ? '' : text.slice(end + 4);
  if (!head && headers.get('transfer-encoding')?.[0]?.toLowerCase() === 'chunked') body = dechunk(body);
  return {
    status,
    headers,
    body,
    header: (name) => headers.get(name.toLowerCase())?.join(', '),
    corsHeaderNames: () => [...headers.keys()].filter((n) => n.startsWith('access-control-')),
  };
}

function dechunk(body: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', i);
    if (lineEnd < 0) break;
    const size = parseInt(body.slice(i, lineEnd), 16);
    if (!size) break;
    out += body.slice(lineEnd + 2, lineEnd + 2 + size);
    i = lineEnd + 2 + size + 2;
  }
  return out;
}
