import fp from 'fastify-plugin';
import { CorsConfigError, createCorsPolicy, type CorsConfigProblem } from '@cors/core';
import type { FastifyInstance, FastifyPluginCallback, RouteOptions } from 'fastify';
import { corsOnRequestHook } from './hooks.js';
import { preflightStrategy, STRATEGY } from './preflight-routing.js';
import { onRoute, routesDeclaredTooEarly } from './route-config.js';
import { addRegistration, registrationIn, stateOf } from './server-state.js';
import type { FastifyCorsOptions, Policy, Registration, ServerState } from './types.js';

/**
 * `register(cors, options)`: the options are checked, the registration joins the server's shared state, and the
 * plugin's hooks are added to the context (a `fastify-plugin` plugin, so the context `register` was called in).
 */
function plugin(instance: FastifyInstance, options: FastifyCorsOptions, done: (error?: Error) => void): void {
  let reg: Registration;
  let state: ServerState;
  try {
    reg = createRegistration(instance, options);
    state = stateOf(instance);
  } catch (error) {
    done(error as Error);
    return;
  }
  // Routes the router has that no registration was shown: declared before this one loaded.
  if (hasUnseenRoutes(instance, state)) state.unseenRoutes = true;
  addRegistration(state, reg);
  const tooEarly = routesDeclaredTooEarly(state);
  if (tooEarly.length > 0) {
    done(new CorsConfigError(tooEarly));
    return;
  }
  // At the root, every route declared from now on passes this registration's onRoute.
  if (Object.getPrototypeOf(instance) === Object.prototype) state.rootRegistered = true;
  state.allSeen = state.rootRegistered && !state.unseenRoutes;
  if (!instance.hasConstraintStrategy(STRATEGY)) instance.addConstraintStrategy(preflightStrategy as never);

  instance.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions) {
    onRoute(this, route, reg, state);
  });
  instance.addHook('onRequest', corsOnRequestHook(reg, state));
  done();
}

/**
 * The CORS plugin for Fastify 4 and 5 (a `fastify-plugin` plugin, also the package's default export). The
 * options, and every route's `config.cors`, are validated at start-up: a wrong configuration makes `register` or
 * `ready` fail with `CorsConfigError`, never a request.
 *
 * Register it before your own `onRequest` hooks and your routes, and `await` it so routes declared after it have
 * their `config.cors` seen (a route with `config.cors` that it was never shown gets no CORS at all, and a log
 * line). At the root it covers every route and the 404 handler; inside a plugin, that plugin's routes.
 * Preflights are answered in its `onRequest` hook (`preflightStatus`, or 403 with no CORS headers), so later
 * hooks and handlers never see them; every other request gets its CORS headers, kept on error responses, and
 * `Vary: Origin` merged with the route's own `Vary` when the head is written, whatever set it.
 *
 * @example
 * import Fastify from 'fastify';
 * import { cors } from '@cors/fastify';
 *
 * const app = Fastify();
 * await app.register(cors, { origin: ['https://app.example.com', 'https://*.preview.example.com'], credentials: true });
 * app.put('/upload', { config: { cors: { methods: ['PUT'] } } }, upload); // this route's requests and preflights
 * app.get('/internal/metrics', { config: { cors: false } }, metrics); // no CORS at all
 */
export const cors: FastifyPluginCallback<FastifyCorsOptions> = fp(plugin, { fastify: '4.x || 5.x', name: '@cors/fastify' });

function createRegistration(instance: FastifyInstance, options: FastifyCorsOptions): Registration {
  if (registrationIn(instance) !== undefined) {
    throw new CorsConfigError([
      {
        path: 'register',
        message: 'cors is already registered in this context',
        hint: 'register it once per context; change single routes with config: { cors: { ... } | false }',
      },
    ]);
  }
  const problems: CorsConfigProblem[] = [];
  let corsOptions: Record<string, unknown> = options as unknown as Record<string, unknown>;
  if (options !== null && typeof options === 'object' && !Array.isArray(options)) {
    // Fastify's own register options. With fastify-plugin a prefix does nothing, so saying so beats
    // covering more routes than the user meant.
    const { prefix, logLevel: _logLevel, logSerializers: _logSerializers, ...rest } = options as unknown as Record<string, unknown>;
    corsOptions = rest;
    if (prefix !== undefined) {
      problems.push({
        path: 'prefix',
        message: 'has no effect: cors covers the context it is registered in, whatever the prefix',
        hint: 'register cors inside the plugin that has the prefix',
      });
    }
  }
  let policy: Policy | undefined;
  try {
    policy = createCorsPolicy(corsOptions as unknown as FastifyCorsOptions);
  } catch (error) {
    if (!(error instanceof CorsConfigError)) throw error;
    problems.unshift(...error.problems);
  }
  if (problems.length > 0 || policy === undefined) throw new CorsConfigError(problems);
  return { instance, options: Object.freeze({ ...corsOptions }), entry: { policy }, routeEntries: new WeakMap() };
}

/**
 * Whether the router holds a route no registration was shown. The router lists its routes (`printRoutes`) with
 * their methods; every one a registration saw was counted in `state.seen`, our own preflight routes aside.
 */
function hasUnseenRoutes(instance: FastifyInstance, state: ServerState): boolean {
  let listing: string;
  try {
    listing = instance.printRoutes({ commonPrefix: false });
  } catch {
    return true;
  }
  let count = 0;
  for (const line of listing.split('\n')) {
    const methods = /\(([A-Z][A-Z0-9_, -]*)\)(?: (\{.*\}))?\s*$/.exec(line);
    if (methods === null) continue;
    if (methods[2]?.includes(`"${STRATEGY}"`)) continue;
    count += methods[1]!.split(',').length;
  }
  return count !== state.seen.size;
}
