import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CorsConfigError,
  createCorsPolicy,
  isThenable,
  type CorsConfigProblem,
  type CorsDecision,
  type CorsOptions,
  type CorsPolicy,
} from '@cors/core';
import { writeDecision, writeLateDecision } from '@cors/node';

export { CorsConfigError } from '@cors/core';
export type {
  CorsOptions,
  CorsConfigProblem,
  CorsDecision,
  OriginEntry,
  OriginValidator,
  RefusalCode,
  RefusalReason,
  ValidatorCacheOptions,
} from '@cors/core';

/**
 * What `enableCors` needs of a Nest application. `INestApplication`, `NestExpressApplication` and
 * `NestFastifyApplication` of Nest 11 and 12 fit; nothing is imported from Nest.
 *
 * @example
 * const app: NestCorsApplication = await NestFactory.create(AppModule);
 */
export interface NestCorsApplication {
  getHttpAdapter(): { getType(): string; getInstance(): unknown };
  use(...args: any[]): unknown;
}

type IsAny<T> = 0 extends 1 & T ? true : false;
type AdapterOf<App> = App extends { getHttpAdapter(): infer Adapter } ? Adapter : unknown;
type ExpressRequestOf<Instance> = Instance extends { request: infer Req extends IncomingMessage } ? Req : never;
type AdapterRequestOf<Adapter> = Adapter extends { getRequestMethod?(request: infer Req): string }
  ? IsAny<Req> extends true
    ? IncomingMessage
    : Req
  : IncomingMessage;

/**
 * The request Nest hands your code on the app's platform, which origin validators and `onRefused` receive:
 * Express's `Request` for a `NestExpressApplication` (with `@types/express` installed), `FastifyRequest` for a
 * `NestFastifyApplication`, Node's `IncomingMessage` for an `INestApplication` that names no platform.
 *
 * @example
 * import type { NestFastifyApplication } from '@nestjs/platform-fastify';
 *
 * type Req = NestRequestOf<NestFastifyApplication>; // FastifyRequest
 * const fromTenant = (origin: string, request: Req) => tenants.allows(request.hostname, origin);
 */
export type NestRequestOf<App> =
  AdapterOf<App> extends { getInstance(): infer Instance }
    ? IsAny<Instance> extends true
      ? IncomingMessage
      : // Express's app object carries its request prototype, typed as Express's Request.
        [ExpressRequestOf<Instance>] extends [never]
        ? AdapterRequestOf<AdapterOf<App>>
        : ExpressRequestOf<Instance>
    : IncomingMessage;

/** Fastify's request and reply, reduced to what the hook uses. */
interface FastifyRequestLike {
  readonly raw: IncomingMessage;
}
interface FastifyReplyLike {
  readonly raw: ServerResponse;
  hijack(): unknown;
}
type Done = (error?: Error) => void;
type RequestHook = (request: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => unknown;

/** Nest's Fastify adapter: its request hook runs before Nest middleware (@fastify/middie). */
interface FastifyAdapterLike {
  setOnRequestHook?(hook: RequestHook): void;
  readonly onRequestHook?: RequestHook;
}

/** Internals of Nest's application read to catch mistakes; absent in other Nest versions, then not checked. */
interface NestAppInternals {
  readonly isInitialized?: boolean;
  readonly appOptions?: { readonly cors?: unknown };
}

const enabled = new WeakSet<object>();

/**
 * Turns CORS on for a whole Nest application, on Express or on Fastify, in place of Nest's `app.enableCors()`.
 * The options are the `@cors/core` options and are checked here, so a wrong configuration throws
 * `CorsConfigError` at start-up.
 *
 * It runs before everything Nest runs for a request, Nest middleware included, on both platforms: a preflight is
 * answered here (`preflightStatus`, or 403 with no CORS headers) and never reaches middleware, guards or
 * controllers; every other request gets its CORS headers and goes on, and they stay on what middleware, guards,
 * exception filters and the 404 handler answer. `Vary: Origin` is merged with the route's own `Vary`
 * (`@Header('Vary', ...)`). Call it once, before `app.listen()`, and leave Nest's `cors` option and
 * `app.enableCors()` out.
 *
 * @param app - The application `NestFactory.create` returned.
 * @param options - The policy; only `origin` is required. Validators and `onRefused` receive the platform's
 *   request (see {@link NestRequestOf}).
 * @throws `CorsConfigError` listing every problem at once: the options', and Nest's `cors` option also set, a
 *   second call, a call after `app.init()`, a platform other than Express or Fastify.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * enableCors(app, { origin: ['https://app.example.com', 'https://*.preview.example.com'], credentials: true });
 * await app.listen(3000);
 *
 * @example
 * const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter());
 * enableCors(app, {
 *   origin: ['https://admin.example.com', async (origin, request) => tenants.allows(request.hostname, origin)],
 *   credentials: true,
 * });
 */
export function enableCors<App extends NestCorsApplication>(app: App, options: CorsOptions<NestRequestOf<App>>): void {
  const adapter = app.getHttpAdapter();
  const platform = adapter.getType();
  const internals = app as unknown as NestAppInternals;
  const problems: CorsConfigProblem[] = [];
  if (internals.appOptions?.cors !== undefined && internals.appOptions.cors !== false) {
    problems.push({
      path: 'NestFactory.create(..., { cors })',
      message: "turns on Nest's own CORS as well, so responses would carry two policies' headers",
      hint: 'remove the cors option; enableCors(app, options) replaces it',
    });
  }
  if (enabled.has(adapter)) {
    problems.push({
      path: 'enableCors',
      message: 'was already called for this application',
      hint: 'call it once, with one policy for the whole application',
    });
  }
  if (internals.isInitialized === true) {
    problems.push({
      path: 'enableCors',
      message: 'was called after app.init(): the routes are already in place, ahead of CORS',
      hint: 'call enableCors(app, options) right after NestFactory.create(), before app.init() or app.listen()',
    });
  }
  const fastify = adapter as FastifyAdapterLike;
  if (platform === 'fastify' && typeof fastify.setOnRequestHook !== 'function') {
    problems.push({
      path: 'app',
      message: "this FastifyAdapter has no setOnRequestHook, which runs CORS before Nest's middleware",
      hint: 'use @nestjs/platform-fastify 11 or 12',
    });
  } else if (platform !== 'express' && platform !== 'fastify') {
    problems.push({
      path: 'app',
      message: `runs on the '${platform}' platform; enableCors supports 'express' and 'fastify'`,
      hint: 'create the app with @nestjs/platform-express or @nestjs/platform-fastify',
    });
  }
  let policy: CorsPolicy<NestRequestOf<App>> | undefined;
  try {
    policy = createCorsPolicy(options);
  } catch (error) {
    if (!(error instanceof CorsConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || policy === undefined) throw new CorsConfigError(problems);

  enabled.add(adapter);
  if (platform === 'express') app.use(expressMiddleware(policy as CorsPolicy<IncomingMessage>));
  else fastify.setOnRequestHook!(fastifyHook(policy as CorsPolicy<FastifyRequestLike>, fastify.onRequestHook));
}

/** Express middleware, for `app.use` ahead of everything Nest registers when it initialises. */
function expressMiddleware(policy: CorsPolicy<IncomingMessage>) {
  return function corsMiddleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const decision = policy.decide(req.method as string, req.headers, req);
    if (isThenable(decision)) {
      // decide() never rejects; were it to, the error goes to Nest's error handling instead of going unhandled.
      decision.then((settled) => {
        let proceed: boolean;
        try {
          proceed = writeLateDecision(res, settled);
        } catch (error) {
          next(error);
          return;
        }
        if (proceed) next();
      }, next);
      return;
    }
    if (writeDecision(res, decision)) next();
  };
}

/**
 * The Fastify adapter's request hook: Nest adds it to Fastify before `@fastify/middie`, so it runs before Nest
 * middleware, which a plugin registered with `app.register` cannot (its hook comes after middie's). The headers
 * go onto the Node response: they stay on what a Nest middleware ends itself, and Fastify's own replies write
 * theirs over them, with `Vary` merged back when the head is written.
 */
function fastifyHook(policy: CorsPolicy<FastifyRequestLike>, previous: RequestHook | undefined): RequestHook {
  const finish = (decision: CorsDecision, late: boolean, request: FastifyRequestLike, reply: FastifyReplyLike, done: Done): void => {
    // A preflight is answered on the Node response; Fastify is told, so it goes no further.
    if (decision.kind === 'preflight') reply.hijack();
    const proceed = late ? writeLateDecision(reply.raw, decision) : writeDecision(reply.raw, decision);
    if (proceed && previous !== undefined) previous(request, reply, done);
    // Also when answered: Fastify runs nothing more for a reply that was sent.
    else done();
  };
  const hook: RequestHook = function corsOnRequest(request, reply, done) {
    const raw = request.raw;
    const decision = policy.decide(raw.method as string, raw.headers, request);
    if (isThenable(decision)) {
      decision.then(
        (settled) => {
          try {
            finish(settled, true, request, reply, done);
          } catch (error) {
            done(error as Error);
          }
        },
        (error: unknown) => done(error as Error),
      );
      return;
    }
    finish(decision, false, request, reply, done);
  };
  return hook;
}
