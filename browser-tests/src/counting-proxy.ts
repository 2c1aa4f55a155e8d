// A byte-for-byte TCP proxy in front of an API server that writes down every HTTP request passing through,
// preflights included. The reference app's onRequestSeen never sees a preflight (the CORS middleware answers
// it), and RunningServer does not expose the node:http server, so this is where the server side counts the
// OPTIONS requests the browser really sent. Responses are passed through untouched, so the browser judges
// exactly what the adapter wrote.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly target: string;
  /** Header names lower-case; repeated headers joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface CountingProxy {
  readonly port: number;
  /** Every request seen so far, in arrival order. */
  readonly seen: readonly SeenRequest[];
  /** Forget what was seen (call at the start of each scenario). */
  clear(): void;
  /** The requests with this method (and, optionally, this path without the query). */
  count(method: string, path?: string): number;
  close(): Promise<void>;
}

export async function startCountingProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<CountingProxy> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const sniffer = new RequestSniffer((request) => seen.push(request));
    client.on('data', (chunk: Buffer) => sniffer.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    clear: () => {
      seen.length = 0;
    },
    count: (method, path) => seen.filter((r) => r.method === method && (path === undefined || r.target.split('?')[0] === path)).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Splits a client's byte stream into request heads. Browsers send HTTP/1.1 requests one after another on a
 * connection, bodies framed by Content-Length (fetch with a string body); a chunked request body, which fetch
 * only sends for streaming uploads, is reported and stops the sniffing of that connection.
 */
class RequestSniffer {
  private buffer: Buffer = Buffer.alloc(0);
  private bodyLeft = 0;
  private stopped = false;

  constructor(private readonly onRequest: (request: SeenRequest) => void) {}

  push(chunk: Buffer): void {
    if (this.stopped) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.bodyLeft > 0) {
        const skip = Math.min(this.bodyLeft, this.buffer.length);
        this.bodyLeft -= skip;
        this.buffer = this.buffer.subarray(skip);
        if (this.bodyLeft > 0) return;
      }
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString('latin1');
      this.buffer = this.buffer.subarray(end + 4);
      const [requestLine = '', ...lines] = head.split('\r\n');
      const [method = '', target = ''] = requestLine.split(' ');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      this.onRequest({ method, target, headers });
      if (headers['transfer-encoding'] !== undefined) {
        this.stopped = true;
        this.onRequest({ method: 'UNPARSED', target, headers: { reason: 'chunked request body; sniffing stopped' } });
        return;
      }
      this.bodyLeft = Number(headers['content-length'] ?? 0) || 0;
    }
  }
}
