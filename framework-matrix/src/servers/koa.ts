import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { cors } from '@cors/koa';
import type { RunningServer, StartReferenceApp } from '../types.js';

// The npm aliases koa2/koa3 ship no types, so the app is typed by the little the matrix uses.
export type KoaMiddleware = (ctx: any, next: () => Promise<any>) => unknown;
export interface KoaApp {
  silent: boolean;
  use(middleware: KoaMiddleware): KoaApp;
  on(event: 'error', listener: (error: any, ctx: any) => void): KoaApp;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
export type KoaConstructor = new () => KoaApp;

const require = createRequire(import.meta.url);

/** The Koa class of one major (2 or 3), from the npm aliases installed in the matrix. */
export function loadKoa(major: number): KoaConstructor {
  if (major === 2) return require('koa2') as KoaConstructor;
  if (major === 3) return require('koa3') as KoaConstructor;
  throw new Error(`no Koa ${major} in the framework matrix (2 and 3 are)`);
}

/** Serves `app` on 127.0.0.1, on a free port. */
export function listenKoa(app: KoaApp): Promise<RunningServer> {
  const server: Server = createServer(app.callback());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}

const RESOURCE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** The reference application of types.ts, behind `app.use(cors(options))`. */
export const startKoa: StartReferenceApp = async (major, options) => {
  const Koa = loadKoa(major);
  const app = new Koa();
  // /throws is expected to fail; Koa's default handler still answers 500, it just does not log it.
  app.silent = true;
  app.use(cors(options.cors));
  const seen = options.onRequestSeen;
  if (seen) {
    app.use((ctx, next) => {
      seen(`${ctx.method} ${ctx.path}`);
      return next();
    });
  }
  app.use(referenceRoutes);
  return listenKoa(app);
};

// Routed by hand so that anything unmatched falls through to Koa's own 404. GET routes answer HEAD too,
// as they do in Express, Fastify and @koa/router.
async function referenceRoutes(ctx: any): Promise<void> {
  const method: string = ctx.method;
  const get = method === 'GET' || method === 'HEAD';
  switch (ctx.path) {
    case '/resource':
      if (RESOURCE_METHODS.has(method)) {
        ctx.set('X-Request-Id', '42');
        ctx.body = 'ok';
      }
      return;
    case '/cookie':
      if (get) ctx.body = ctx.get('Cookie');
      return;
    case '/set-cookie':
      if (get) {
        ctx.set('Set-Cookie', 'session=s3cr3t; Path=/; SameSite=None; Secure');
        ctx.body = 'set';
      }
      return;
    case '/own-options':
      if (get || method === 'OPTIONS') {
        ctx.set('X-Own-Options', 'yes');
        ctx.body = 'own';
      }
      return;
    case '/throws':
      if (get) throw new Error('boom');
      return;
    case '/vary':
      if (get) {
        ctx.set('Vary', 'Accept-Encoding');
        ctx.body = 'ok';
      }
      return;
    case '/vary-star':
      if (get) {
        ctx.set('Vary', '*');
        ctx.body = 'ok';
      }
      return;
    case '/schema':
      if (method === 'POST') {
        const name = await readName(ctx.req);
        if (typeof name === 'string') ctx.body = 'ok';
        else {
          ctx.status = 400;
          ctx.body = 'body must be JSON { "name": string }';
        }
      }
      return;
  }
}

async function readName(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return body !== null && typeof body === 'object' ? (body as { name?: unknown }).name : undefined;
  } catch {
    return undefined;
  }
}
