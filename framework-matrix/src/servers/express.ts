import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cors } from '@cors/express';
// @ts-ignore -- the npm aliases ship no types; typed loosely below
import express4Untyped from 'express4';
// @ts-ignore -- as above
import express5Untyped from 'express5';
import type { RunningServer, StartReferenceApp } from '../types.js';

/** Just enough of an Express app/router for the matrix, the same for both majors. */
type Handler = (req: ExpressRequest, res: ExpressResponse, next: (error?: unknown) => void) => void;
export interface ExpressRequest extends IncomingMessage {
  readonly path: string;
}
export interface ExpressResponse extends ServerResponse {
  set(field: string, value: string): this;
  status(code: number): this;
  send(body: string): this;
}
export interface ExpressRouter {
  use(...handlers: unknown[]): this;
  all(path: string, ...handlers: unknown[]): this;
  get(path: string, ...handlers: unknown[]): this;
  post(path: string, ...handlers: unknown[]): this;
  put(path: string, ...handlers: unknown[]): this;
  patch(path: string, ...handlers: unknown[]): this;
  delete(path: string, ...handlers: unknown[]): this;
  options(path: string, ...handlers: unknown[]): this;
  route(path: string): ExpressRoute;
}
export interface ExpressRoute {
  all(...handlers: unknown[]): this;
  get(...handlers: unknown[]): this;
  post(...handlers: unknown[]): this;
  put(...handlers: unknown[]): this;
  delete(...handlers: unknown[]): this;
  options(...handlers: unknown[]): this;
}
export type ExpressApp = ExpressRouter & ((req: IncomingMessage, res: ServerResponse) => void);
export interface ExpressModule {
  (): ExpressApp;
  Router(): ExpressRouter;
}

/** The Express module of a supported major (4 or 5). */
export function expressOf(major: number): ExpressModule {
  if (major === 4) return express4Untyped as ExpressModule;
  if (major === 5) return express5Untyped as ExpressModule;
  throw new Error(`no Express ${major} in the matrix (4 and 5 are)`);
}

/** Serves an Express app on 127.0.0.1 on a free port. */
export async function listenExpress(app: ExpressApp): Promise<RunningServer> {
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive clients (browsers, fetch) would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** The request body as text (the matrix apps use no body parser). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const ok: Handler = (_req, res) => {
  res.set('X-Request-Id', '42').send('ok');
};

const ownOptions: Handler = (_req, res) => {
  res.set('X-Own-Options', 'yes').send('own');
};

/** The reference application of types.ts on Express `major`, with `cors(options.cors)` app-wide. */
export const startExpress: StartReferenceApp = async (major, options) => {
  const app = expressOf(major)();
  app.use(cors(options.cors));
  const seen = options.onRequestSeen;
  if (seen !== undefined) {
    app.use(((req, _res, next) => {
      seen(`${req.method} ${req.path}`);
      next();
    }) satisfies Handler);
  }

  app.get('/resource', ok);
  app.post('/resource', ok);
  app.put('/resource', ok);
  app.patch('/resource', ok);
  app.delete('/resource', ok);

  app.get('/cookie', ((req, res) => {
    res.send(req.headers.cookie ?? '');
  }) satisfies Handler);
  app.get('/set-cookie', ((_req, res) => {
    res.set('Set-Cookie', 'session=s3cr3t; Path=/; SameSite=None; Secure').send('set');
  }) satisfies Handler);

  app.get('/own-options', ownOptions);
  app.options('/own-options', ownOptions);

  app.get('/throws', (() => {
    throw new Error('boom');
  }) satisfies Handler);

  app.get('/vary', ((_req, res) => {
    res.set('Vary', 'Accept-Encoding').send('ok');
  }) satisfies Handler);
  app.get('/vary-star', ((_req, res) => {
    res.set('Vary', '*').send('ok');
  }) satisfies Handler);

  app.post('/schema', ((req, res, next) => {
    readBody(req).then((text) => {
      let name: unknown;
      try {
        name = (JSON.parse(text) as { name?: unknown } | null)?.name;
      } catch {
        name = undefined;
      }
      if (typeof name === 'string') res.send('ok');
      else res.status(400).send('body must be JSON with a string "name"');
    }, next);
  }) satisfies Handler);

  return listenExpress(app);
};
