import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Served {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a real node:http server on a loopback port. */
export async function serve(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<Served> {
  const server: Server = createServer(listener as RequestListener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface RawReply {
  readonly status: number;
  /** Header lines as sent: the name's own spelling, and the value. */
  readonly lines: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
  /** Every value of a header (any case), in order. */
  all(name: string): string[];
  /** The values of a header joined with ', ', or undefined. */
  header(name: string): string | undefined;
}

/** One request over a fresh socket, with exactly these header lines; the reply as the wire had it. */
export function send(port: number, method: string, path: string, headers: ReadonlyArray<readonly [string, string]> = []): Promise<RawReply> {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers.map(([n, v]) => `${n}: ${v}`)];
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = text.slice(0, end).split('\r\n');
      const parsed = headerLines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon), line.slice(colon + 1).trim()] as const;
      });
      const all = (name: string) => parsed.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
      resolve({
        status: Number(statusLine!.split(' ')[1]),
        lines: parsed,
        body: text.slice(end + 4),
        all,
        header: (name) => (all(name).length > 0 ? all(name).join(', ') : undefined),
      });
    });
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

export const APP = 'https://app.example.com';
export const EVIL = 'https://evil.example.net';
export const preflight = (method: string, origin = APP): Array<[string, string]> => [
  ['Origin', origin],
  ['Access-Control-Request-Method', method],
];
