import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import type { RunningServer, StartReferenceApp } from '../types.js';

// The Nest packages of one major. Each major is its own workspace package (framework-matrix/nest11, nest12)
// because Nest's packages find each other by name, which npm aliases of two majors in one package would break.
// The parts used here are the same in both majors; the types are Nest 11's.
export type NestPackages = typeof import('../../nest11/index.js');
export type NestPlatform = 'express' | 'fastify';

/** Nest 11 or 12, with its own Express and Fastify adapters and our two adapters. */
export async function loadNest(major: number): Promise<NestPackages> {
  if (major === 11) return import('../../nest11/index.js');
  if (major === 12) return (await import('../../nest12/index.js')) as unknown as NestPackages;
  throw new Error(`no Nest ${major} in the framework matrix (11 and 12 are)`);
}

/**
 * Applies Nest's decorators by hand, as TypeScript's `@Get() @Header() method() {}` would (the last one listed
 * runs first), so the matrix needs no decorator build step.
 */
export function decorate(target: object, key: string, ...decorators: readonly MethodDecorator[]): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor === undefined) throw new Error(`no method ${key} to decorate`);
  for (const decorator of [...decorators].reverse()) decorator(target, key, descriptor);
}

/** A Nest application on `platform`, without logging (the 500 of /throws would be logged otherwise). */
export async function createNestApp(nest: NestPackages, platform: NestPlatform, module: object): Promise<any> {
  const adapter = platform === 'express' ? new nest.ExpressAdapter() : new nest.FastifyAdapter();
  // forceCloseConnections: keep-alive clients (browsers, fetch) would otherwise hold close() open.
  return nest.core.NestFactory.create(module as never, adapter, { logger: false, forceCloseConnections: true });
}

/** Starts `app` on 127.0.0.1 on a free port. */
export async function listenNest(app: any): Promise<RunningServer> {
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, close: () => app.close() };
}

/** The controller of the reference app of types.ts, written as a Nest user would, decorators applied by hand. */
function referenceModule(nest: NestPackages): object {
  const { common } = nest;
  const { Controller, Get, Post, Put, Patch, Delete, Options, Header, HttpCode, Headers, Body, Module, BadRequestException } = common;

  // A pipe stands in for validation (class-validator is not needed for one field): a failure is Nest's 400.
  class NamePipe {
    transform(value: unknown): unknown {
      if (typeof (value as { name?: unknown } | null)?.name !== 'string') {
        throw new BadRequestException('body must be JSON with a string "name"');
      }
      return value;
    }
  }

  class ReferenceController {
    // One method per HTTP method: a Nest handler has one.
    getResource() {
      return 'ok';
    }
    postResource() {
      return 'ok';
    }
    putResource() {
      return 'ok';
    }
    patchResource() {
      return 'ok';
    }
    deleteResource() {
      return 'ok';
    }
    cookie(cookie: string | undefined) {
      return cookie ?? '';
    }
    setCookie() {
      return 'set';
    }
    getOwnOptions() {
      return 'own';
    }
    optionsOwnOptions() {
      return 'own';
    }
    throws(): never {
      throw new Error('boom');
    }
    vary() {
      return 'ok';
    }
    varyStar() {
      return 'ok';
    }
    schema() {
      return 'ok';
    }
  }
  const p = ReferenceController.prototype;
  // GET also answers HEAD, on Express and on Fastify (exposeHeadRoutes). POST is 200, not Nest's default 201.
  const resource = [['getResource', Get], ['postResource', Post], ['putResource', Put], ['patchResource', Patch], ['deleteResource', Delete]] as const;
  for (const [key, method] of resource) decorate(p, key, method('resource'), HttpCode(200), Header('X-Request-Id', '42'));
  Headers('cookie')(p, 'cookie', 0);
  decorate(p, 'cookie', Get('cookie'));
  decorate(p, 'setCookie', Get('set-cookie'), Header('Set-Cookie', 'session=s3cr3t; Path=/; SameSite=None; Secure'));
  decorate(p, 'getOwnOptions', Get('own-options'), Header('X-Own-Options', 'yes'));
  decorate(p, 'optionsOwnOptions', Options('own-options'), Header('X-Own-Options', 'yes'));
  decorate(p, 'throws', Get('throws'));
  // The route's own Vary, the Nest way: @Header sets it on the response after CORS ran.
  decorate(p, 'vary', Get('vary'), Header('Vary', 'Accept-Encoding'));
  decorate(p, 'varyStar', Get('vary-star'), Header('Vary', '*'));
  Body(new NamePipe())(p, 'schema', 0);
  decorate(p, 'schema', Post('schema'), HttpCode(200));
  Controller()(ReferenceController);

  class ReferenceModule {}
  Module({ controllers: [ReferenceController] })(ReferenceModule);
  return ReferenceModule;
}

/**
 * How the app turns CORS on: `enableCors(app, o)` from @cors/nestjs (the recommended way, and what the contract
 * table runs), or the plain adapters: `app.use(cors(o))` from @cors/express, `await app.register(cors, o)` from
 * @cors/fastify.
 */
export type NestCorsSetup = 'enableCors' | 'adapter';

/** The reference application of types.ts as a Nest `major` app on `platform`, with CORS app-wide. */
export function startNest(platform: NestPlatform, setup: NestCorsSetup = 'enableCors'): StartReferenceApp {
  return async (major, options) => {
    const nest = await loadNest(major);
    const app = await createNestApp(nest, platform, referenceModule(nest));
    if (platform === 'fastify') {
      // Any body is accepted (as a string), as in the other reference apps; Nest's Fastify parses only JSON and forms.
      app.getHttpAdapter().getInstance().addContentTypeParser('*', { parseAs: 'string' }, (_request: unknown, body: string, done: (error: null, body: string) => void) => {
        done(null, body);
      });
    }
    if (setup === 'enableCors') nest.enableCors(app, options.cors);
    else if (platform === 'express') app.use(nest.expressCors(options.cors));
    else await app.register(nest.fastifyCors, options.cors);
    const seen = options.onRequestSeen;
    // A Nest middleware, registered after CORS (Express middleware, or middie on Fastify): it sees everything
    // the application sees, 404s included.
    if (seen !== undefined) {
      app.use((req: IncomingMessage, _res: unknown, next: () => void) => {
        seen(`${req.method} ${(req.url ?? '').split('?')[0]}`);
        next();
      });
    }
    return listenNest(app);
  };
}

export const startNestExpress: StartReferenceApp = startNest('express');
export const startNestFastify: StartReferenceApp = startNest('fastify');
