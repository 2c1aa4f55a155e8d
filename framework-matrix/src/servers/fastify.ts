import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { cors } from '@cors/fastify';
import type { RunningServer, StartReferenceApp } from '../types.js';

// The npm aliases fastify4/fastify5 are typed for different majors; the matrix only needs a loose shape.
export type FastifyApp = any;
export type FastifyFactory = (options?: Record<string, unknown>) => FastifyApp;

const require = createRequire(import.meta.url);

/** The Fastify factory of one major (4 or 5), from the npm aliases installed in the matrix. */
export function loadFastify(major: number): FastifyFactory {
  if (major === 4) return require('fastify4') as FastifyFactory;
  if (major === 5) return require('fastify5') as FastifyFactory;
  throw new Error(`no Fastify ${major} in the framework matrix (4 and 5 are)`);
}

/** A Fastify app of one major, without logging (the 500 of /throws would be logged otherwise). */
export function createFastify(major: number): FastifyApp {
  return loadFastify(major)({ logger: false });
}

/** Serves a ready `app` on 127.0.0.1, on a free port. */
export async function listenFastify(app: FastifyApp): Promise<RunningServer> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, close: () => app.close() };
}

/** The `cors` plugin, typed loosely: it is typed against Fastify 5, and the matrix runs 4 as well. */
export const corsPlugin: any = cors;

/** The reference application of types.ts, behind `await app.register(cors, options)` at the root. */
export const startFastify: StartReferenceApp = async (major, options) => {
  const app = createFastify(major);
  await app.register(corsPlugin, options.cors);
  const seen = options.onRequestSeen;
  // A later hook of the application: everything that passes the plugin, 404s included, as the Express and
  // Koa apps see it from a middleware after CORS.
  if (seen) {
    app.addHook('onRequest', (request: any, _reply: any, done: () => void) => {
      seen(`${request.method} ${request.url.split('?')[0]}`);
      done();
    });
  }
  // Any body is accepted (as a string) where no route schema says otherwise, as in the Express and Koa apps.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request: any, body: string, done: (error: null, body: string) => void) => {
    done(null, body);
  });

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/resource',
    handler: (_request: any, reply: any) => {
      reply.header('X-Request-Id', '42').send('ok');
    },
  });
  app.get('/cookie', (request: any, reply: any) => {
    reply.send(request.headers.cookie ?? '');
  });
  app.get('/set-cookie', (_request: any, reply: any) => {
    reply.header('Set-Cookie', 'session=s3cr3t; Path=/; SameSite=None; Secure').send('set');
  });
  const own = (_request: any, reply: any) => {
    reply.header('X-Own-Options', 'yes').send('own');
  };
  app.get('/own-options', own);
  app.options('/own-options', own);
  app.get('/throws', () => {
    throw new Error('boom');
  });
  app.get('/vary', (_request: any, reply: any) => {
    reply.header('Vary', 'Accept-Encoding').send('ok');
  });
  app.get('/vary-star', (_request: any, reply: any) => {
    reply.header('Vary', '*').send('ok');
  });
  app.post(
    '/schema',
    {
      schema: {
        body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
      },
    },
    (_request: any, reply: any) => {
      reply.send('ok');
    },
  );
  return listenFastify(app);
};
