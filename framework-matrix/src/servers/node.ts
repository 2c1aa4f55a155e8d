import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withCors } from '@cors/node';
import type { RunningServer, StartReferenceApp } from '../types.js';
import { readBody } from './express.js';

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(body);
}

/** The reference application of types.ts as a plain node:http listener behind `withCors(options.cors, ...)`. */
export const startNode: StartReferenceApp = async (_major, options) => {
  const seen = options.onRequestSeen;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    seen?.(`${method} ${path}`);
    const route = `${method} ${path}`;
    try {
      if (path === '/resource' && ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) return send(res, 200, 'ok', { 'X-Request-Id': '42' });
      if (route === 'GET /cookie') return send(res, 200, req.headers.cookie ?? '');
      if (route === 'GET /set-cookie') return send(res, 200, 'set', { 'Set-Cookie': 'session=s3cr3t; Path=/; SameSite=None; Secure' });
      if (path === '/own-options' && (method === 'GET' || method === 'OPTIONS')) return send(res, 200, 'own', { 'X-Own-Options': 'yes' });
      if (route === 'GET /throws') throw new Error('boom');
      if (route === 'GET /vary') return send(res, 200, 'ok', { Vary: 'Accept-Encoding' });
      if (route === 'GET /vary-star') return send(res, 200, 'ok', { Vary: '*' });
      if (route === 'POST /schema') {
        readBody(req).then((text) => {
          let name: unknown;
          try {
            name = (JSON.parse(text) as { name?: unknown } | null)?.name;
          } catch {
            name = undefined;
          }
          if (typeof name === 'string') send(res, 200, 'ok');
          else send(res, 400, 'body must be JSON with a string "name"');
        });
        return;
      }
      send(res, 404, 'not found');
    } catch {
      // A plain server's own error handling: a 500, with the headers already set (CORS's among them) kept.
      send(res, 500, 'internal error');
    }
  };
  const server = createServer(withCors(options.cors, listener));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const running: RunningServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return running;
};
