import { CorsConfigError, createCorsPolicy, type CorsConfigProblem } from '@cors/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { addPreflightRoutes, kTable, recordMethod, routeKey, routerOptions } from './preflight-routing.js';
import { ownerOf } from './server-state.js';
import type { Entry, FastifyCorsOptions, PreflightTable, Registration, RouteConfig, ServerState } from './types.js';

/**
 * A route's `config.cors`, read when the route is declared (the `onRoute` hook), compiled once, and found again
 * on each request in the route's config under a symbol (Fastify copies config into the route's context, symbols
 * included). A route no registration was shown (declared before the plugin loaded) is found out on its first
 * request: with a `config.cors` it fails closed.
 */

export const kEntry = Symbol('@cors/fastify.entry');
/** The mark of a route a registration was shown that has no `config.cors`: its context's policy applies. */
const CONTEXT_POLICY = Object.freeze({}) as Entry;

export function onRoute(context: FastifyInstance, route: RouteOptions, reg: Registration, state: ServerState): void {
  const config = route.config as RouteConfig | undefined;
  if (config !== undefined && config[kTable] !== undefined) return; // one of our preflight routes
  markSeen(state, route, context);
  // Outer registrations see the routes of inner contexts too; only the nearest one governs (and validates) them.
  if (state.registrations > 1 && ownerOf(state, context) !== reg) return;
  const routeCors = config?.cors;
  let entry: Entry | undefined;
  if (routeCors !== undefined) {
    entry = routeEntry(reg, routeCors, route);
    state.complex = true;
    state.contextsWithRouteConfig.add(context);
    state.compiledRouteConfigs.push({ context, registration: reg, where: describeRoute(route.method, route.url) });
  }
  (route as { config?: RouteConfig }).config = { ...config, [kEntry]: entry ?? CONTEXT_POLICY };
  addPreflightRoutes(context, route, entry, state);
}

function describeRoute(method: unknown, url: unknown): string {
  return `${Array.isArray(method) ? method.join(',') : String(method)} ${String(url)}`;
}

function routeEntry(reg: Registration, routeCors: unknown, route: RouteOptions): Entry {
  if (routeCors === false) return OFF;
  const where = `(${describeRoute(route.method, route.url)})`;
  if (routeCors === null || typeof routeCors !== 'object' || Array.isArray(routeCors)) {
    throw new CorsConfigError([
      {
        path: `config.cors ${where}`,
        message: `must be an options object or false, got ${routeCors === null ? 'null' : Array.isArray(routeCors) ? 'an array' : typeof routeCors}`,
        hint: "e.g. config: { cors: { methods: ['PUT'] } }, or config: { cors: false } for no CORS",
      },
    ]);
  }
  let entry = reg.routeEntries.get(routeCors);
  if (entry !== undefined) return entry;
  try {
    entry = { policy: createCorsPolicy({ ...reg.options, ...routeCors } as unknown as FastifyCorsOptions) };
  } catch (error) {
    if (!(error instanceof CorsConfigError)) throw error;
    throw new CorsConfigError(error.problems.map((p) => ({ ...p, path: `config.cors.${p.path} ${where}` })));
  }
  reg.routeEntries.set(routeCors, entry);
  return entry;
}

/** `config.cors: false`: as if the plugin were not there, as the core's `decideWithoutCors` says. */
export const OFF: Entry = Object.freeze({ policy: null });

/**
 * Routes whose `config.cors` an outer registration compiled, though a nearer one governs them now: declared in
 * that context before its `register(cors)` had loaded. Their config was read against the wrong options.
 */
export function routesDeclaredTooEarly(state: ServerState): CorsConfigProblem[] {
  const problems: CorsConfigProblem[] = [];
  for (const compiled of state.compiledRouteConfigs) {
    if (ownerOf(state, compiled.context) === compiled.registration) continue;
    problems.push({
      path: `config.cors (${compiled.where})`,
      message: "was read before the registration of cors nearest to the route had loaded, so an outer registration's options were used",
      hint: 'await the registration before declaring routes: `await instance.register(cors, options)`',
    });
  }
  // The HEAD route Fastify adds for a GET says nothing more.
  return problems.filter((p) => !(p.path.startsWith('config.cors (HEAD ') && problems.some((q) => q.path === p.path.replace('(HEAD ', '(GET '))));
}

/**
 * The entry that governs a request's route: its own (`config.cors`), or `undefined` for the policy of its
 * context. A route no registration was shown is found out here, once.
 */
export function routeEntryOf(request: FastifyRequest, reply: FastifyReply, state: ServerState): Entry | undefined {
  const config = routeConfigOf(request);
  if (config === undefined) return undefined;
  const entry = config[kEntry] as Entry | undefined;
  if (entry === CONTEXT_POLICY) return undefined;
  if (entry !== undefined) return entry;
  return unseenRoute(config, reply, state);
}

export function routeConfigOf(request: FastifyRequest): RouteConfig | undefined {
  // routeOptions since Fastify 4.10; routeConfig before.
  const loose = request as unknown as { routeOptions?: { config?: RouteConfig }; routeConfig?: RouteConfig };
  const routeOptions = loose.routeOptions;
  return routeOptions !== undefined ? routeOptions.config : loose.routeConfig;
}

/**
 * A route that was declared before any registration's `onRoute` hook existed (`register(cors)` not awaited, a
 * plugin registered before cors), met on its first request. Without `config.cors` it is an ordinary route of
 * its context. With one, the options cannot be trusted to be the ones the route would have got, and it is too late
 * to refuse to start: it fails closed (no CORS headers, preflights refused), and says so once in the log.
 * Either way its preflights can now find it.
 */
function unseenRoute(config: RouteConfig, reply: FastifyReply, state: ServerState): Entry | undefined {
  const url = config.url;
  const method = config.method;
  if (typeof url !== 'string' || method === undefined) {
    config[kEntry] = CONTEXT_POLICY; // the 404 handler: no route
    return undefined;
  }
  const where = describeRoute(method, url);
  const entry: Entry | undefined =
    config.cors === undefined
      ? undefined
      : Object.freeze({
          policy: null,
          closedBecause:
            `@cors/fastify: config.cors of ${where} was never read, because the route was declared before the plugin's ` +
            'registration had loaded. The route gets no CORS headers and its preflights are refused. Declare routes after ' +
            '`await app.register(cors, options)` (and register plugins with such routes after it).',
        });
  config[kEntry] = entry ?? CONTEXT_POLICY;
  const context = reply.server;
  const key = routeKey(url, context);
  let table: PreflightTable | undefined = state.tables.get(key);
  if (table === undefined) {
    table = { url, methods: new Map() };
    state.tables.set(key, table);
  }
  for (const m of Array.isArray(method) ? (method as string[]) : [method as string]) recordMethod(state, table, m, { entry, context });
  if (entry !== undefined) reply.log.error({ route: where }, entry.closedBecause!);
  return entry;
}

/**
 * Remembers a route a registration was shown, by method: `unseenRouteCount` compares them with the router's. The
 * variant Fastify adds without telling `onRoute` (a prefixed `'/'` route also answers at `prefix + '/'`) is
 * counted by Fastify's own rule.
 */
function markSeen(state: ServerState, route: RouteOptions, context: FastifyInstance): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const constraints = route.constraints !== undefined && Object.keys(route.constraints).length > 0 ? JSON.stringify(route.constraints) : '';
  const routePath = (route as { routePath?: string }).routePath ?? route.url;
  const prefix = context.prefix;
  const router = routerOptions(context);
  const slashVariant =
    routePath === '' &&
    prefix !== '' &&
    route.method !== 'HEAD' &&
    route.prefixTrailingSlash !== 'no-slash' &&
    route.prefixTrailingSlash !== 'slash' &&
    router.ignoreTrailingSlash !== true &&
    (router.ignoreDuplicateSlashes !== true || !prefix.endsWith('/'));
  for (const method of methods) {
    state.seen.add(`${method} ${route.url} ${constraints}`);
    if (slashVariant) state.seen.add(`${method} ${prefix}/ ${constraints}`);
  }
}
