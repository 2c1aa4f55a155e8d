// Serves the pages the browser runs its requests from. One server answers for every host name mapped to
// 127.0.0.1 (app.localhost, evil.localhost, other.test, localhost): the origin is what the browser puts in the
// address bar, so one port gives as many origins as host names.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>cors browser test</title></head>
<body><p>page for the @cors browser suite</p></body></html>`;

/** A page with an `allow-scripts` sandboxed iframe: the frame's origin is opaque, so its requests say `Origin: null`. */
const SANDBOX_HOST = `<!doctype html><html><head><meta charset="utf-8"><title>sandbox host</title></head>
<body><iframe id="sandboxed" sandbox="allow-scripts" src="/frame"></iframe></body></html>`;

const FRAME = `<!doctype html><html><head><meta charset="utf-8"><title>frame</title></head><body>frame</body></html>`;

export interface PageServer {
  readonly port: number;
  /** The origin of the page for a host name, e.g. `origin('app.localhost')` -> `http://app.localhost:5555`. */
  origin(host: string): string;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const body = path === '/sandboxed' ? SANDBOX_HOST : path === '/frame' ? FRAME : path === '/' ? PAGE : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: (host) => `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
