import type { IncomingMessage } from 'node:http';
import { CorsConfigError, decideWithoutCors, isPreflight } from '@cors/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { writeDecision } from './reply-writer.js';
import type { Entry, MethodSlot, PreflightTable, RouteConfig, ServerState } from './types.js';

/**
 * Preflight routing. Fastify routes an `OPTIONS` request only where a route has `OPTIONS`, and per-route policies
 * need the preflight to know its route. So every URL that has routes gets an `OPTIONS` route of ours that matches
 * only preflights (through a constraint strategy), whose config holds the URL's table: each method's route and
 * policy. A plain `OPTIONS` route of the application at the same URL keeps its non-preflight requests.
 *
 * Which route the preflight is for is the one the actual request would reach. The table says so for the routes
 * the plugin was shown; for anything else the router is asked, with the request's path and `Host`, and only a
 * route of the plugin's own may be answered for.
 */

export const kTable = Symbol('@cors/fastify.preflight');

// The name is inlined into code find-my-way generates, so it must be an identifier.
export const STRATEGY = 'corsPreflight';
const PREFLIGHT = 'preflight';

export const preflightStrategy = {
  name: STRATEGY,
  storage() {
    const stores = new Map<unknown, unknown>();
    return {
      get: (value: unknown) => stores.get(value) ?? null,
      set: (value: unknown, store: unknown) => {
        stores.set(value, store);
      },
    };
  },
  deriveConstraint(req: IncomingMessage): string | undefined {
    return isPreflight(req.method as string, req.headers) ? PREFLIGHT : undefined;
  },
  // Non-preflight OPTIONS requests, and preflights to URLs without a preflight route, still reach plain routes.
  mustMatchWhenDerived: false,
};

/** A URL and method claimed by constrained routes with different policies: its preflights are refused. */
const CONFLICTING: MethodSlot = Object.freeze({ entry: Object.freeze({ policy: null }) as Entry, context: Object.freeze({}), constrained: true });

/**
 * Gives the route's URL a preflight route (once per URL) and records the route's methods in its table. The last
 * registration to see a route is the innermost one, so its word wins.
 */
export function addPreflightRoutes(context: FastifyInstance, route: RouteOptions, entry: Entry | undefined, state: ServerState): void {
  const prefix = context.prefix;
  const routePath = (route as { routePath?: string }).routePath ?? route.url;
  const variants: Array<[path: string, url: string]> = [[routePath, route.url]];
  // A prefixed '/' route also answers at `prefix + '/'`, which onRoute is not told about.
  if (routePath === '' && prefix !== '' && route.prefixTrailingSlash !== 'no-slash') variants.push(['/', prefix.endsWith('/') ? prefix : `${prefix}/`]);
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const constrained = route.constraints !== undefined && Object.keys(route.constraints).length > 0;
  for (const [path, url] of variants) {
    const table = tableFor(context, path, url, prefix, state);
    for (const method of methods) recordMethod(state, table, method, { entry, context, constrained });
  }
}

function tableFor(context: FastifyInstance, path: string, url: string, prefix: string, state: ServerState): PreflightTable {
  const key = routeKey(url, context);
  let table = state.tables.get(key);
  if (table !== undefined) return table;
  table = { url, methods: new Map() };
  state.tables.set(key, table);
  try {
    context.route({
      method: 'OPTIONS',
      url: path,
      // 'slash': exactly `prefix + '/'`; the bare prefix gets its own entry.
      ...(path === '/' && prefix !== '' ? { prefixTrailingSlash: 'slash' as const } : {}),
      constraints: { [STRATEGY]: PREFLIGHT },
      config: { [kTable]: table } as never,
      schema: { hide: true } as never,
      handler: answeredByHook,
    });
  } catch (error) {
    throw new CorsConfigError([
      {
        path: `route ${url}`,
        message: `could not add the preflight route for this URL: ${(error as Error).message}`,
        hint: "fix the route's URL as the router's message says; routes the router takes for one URL must be written alike (the same parameter names at the same place)",
      },
    ]);
  }
  return table;
}

/**
 * Routes told apart only by constraints (host, version) share a URL and method. When their policies differ, the
 * preflight cannot tell which one it is for, so it is refused rather than answered by the wrong one.
 */
export function recordMethod(state: ServerState, table: PreflightTable, method: string, slot: MethodSlot): void {
  const previous = table.methods.get(method);
  const conflict =
    previous !== undefined && (slot.constrained === true || previous.constrained === true) && (previous.entry !== slot.entry || previous.context !== slot.context);
  table.methods.set(method, conflict ? CONFLICTING : slot);
  if (previous === undefined) {
    let list = state.tablesByMethod.get(method);
    if (list === undefined) state.tablesByMethod.set(method, (list = []));
    list.push(table);
  }
}

// Reached only if no hook of ours answered the preflight: fail closed, as a route without CORS would.
function answeredByHook(request: FastifyRequest, reply: FastifyReply): void {
  writeDecision(reply, decideWithoutCors(request.raw.method as string, request.raw.headers));
}

/** The router's idea of "the same URL": parameter names do not count, nor what its options ignore. */
export function routeKey(url: string, context: FastifyInstance): string {
  const router = routerOptions(context);
  let key = url.replace(/::|:[^/:(\-.]*/g, (m) => (m === '::' ? m : ':'));
  if (router.ignoreDuplicateSlashes === true) key = key.replace(/\/{2,}/g, '/');
  if (router.ignoreTrailingSlash === true && key.length > 1 && key.endsWith('/')) key = key.slice(0, -1);
  if (router.caseSensitive === false) key = key.toLowerCase();
  return key;
}

export function routerOptions(context: FastifyInstance): Record<string, unknown> {
  const initial = context.initialConfig as Record<string, unknown> & { routerOptions?: Record<string, unknown> };
  return initial.routerOptions ?? initial;
}

/** What the router says the actual request (the preflight's method, path and `Host`) would reach. */
interface FoundRoute {
  readonly params: Readonly<Record<string, string | undefined>>;
}

type FindRoute = (options: { method: string; url: string; constraints?: Record<string, unknown> }) => FoundRoute | null;

/**
 * The slot a preflight is answered from, or `null` when its route belongs to no registration of ours (another
 * context's, without CORS): then it must be refused.
 *
 * - The table's own slot for the method, when every route of the application was shown to us (the table is then
 *   the whole truth) or when the router agrees that the actual request reaches the route the table knows.
 * - Otherwise the slot of our route that the router says the actual request reaches, behind another URL pattern.
 * - `undefined` when no route has that method there at all: the URL's context decides, as for an unknown path.
 */
export function preflightSlot(
  state: ServerState,
  table: PreflightTable | undefined,
  method: string,
  request: FastifyRequest,
  context: FastifyInstance,
): MethodSlot | null | undefined {
  const slot = table?.methods.get(method);
  if (slot !== undefined && state.allSeen) return slot;
  // Node reads only upper-case methods, so an actual request with any other spelling reaches no route (and the
  // router would upper-case it for the look-up): the policy decides.
  if (method !== method.toUpperCase()) return slot;
  const findRoute = (context as unknown as { findRoute?: FindRoute }).findRoute;
  if (typeof findRoute !== 'function') return slot ?? (hasRouteByPattern(context, table, method) ? null : undefined);
  const raw = request.raw;
  const url = raw.url as string;
  // As find-my-way's host constraint reads it (HTTP/2 has no Host, only :authority).
  const host = raw.headers.host ?? raw.headers[':authority'];
  const constraints: Record<string, unknown> = host === undefined ? {} : { host };
  const find = (extra?: Record<string, unknown>): FoundRoute | null | false => {
    try {
      return findRoute.call(context, { method, url, constraints: extra === undefined ? constraints : { ...constraints, ...extra } });
    } catch {
      return false; // a URL the router cannot read is not answered for
    }
  };
  const found = find();
  if (found === false) return null;
  const params = request.params as Record<string, string | undefined> | undefined;
  let answer: MethodSlot | undefined;
  let answerParams = params;
  if (found === null || (slot !== undefined && sameParams(found.params, params))) answer = slot;
  else {
    answer = ownSlotBehind(state, method, url, found.params, context);
    if (answer === undefined) return null;
    answerParams = found.params;
  }
  // An actual request that sends Accept-Version (the preflight lists it) may reach a version-constrained route,
  // which a look-up without a version never finds; any version ('*') finds such routes only. One of them is ours
  // only if the route we answer for is constrained too, at the same pattern.
  if (asksForVersion(raw.headers['access-control-request-headers']) && context.hasConstraintStrategy('version')) {
    const versioned = find({ version: '*' });
    if (versioned === false) return null;
    if (versioned !== null && !(answer?.constrained === true && sameParams(versioned.params, answerParams))) return null;
  }
  return answer;
}

function asksForVersion(requested: string | string[] | undefined): boolean {
  const value = Array.isArray(requested) ? requested.join(',') : requested;
  return value !== undefined && /(?:^|,)[ \t]*accept-version[ \t]*(?:,|$)/i.test(value);
}

/** Fastify without `findRoute` (before 4.23): the route's own URL pattern, without constraints. */
function hasRouteByPattern(context: FastifyInstance, table: PreflightTable | undefined, method: string): boolean {
  return table !== undefined && typeof context.hasRoute === 'function' && context.hasRoute({ url: table.url, method: method as never });
}

function sameParams(a: Readonly<Record<string, string | undefined>>, b: Readonly<Record<string, string | undefined>> | undefined): boolean {
  const keys = Object.keys(a);
  if (b == null) return keys.length === 0;
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

/**
 * Our route the actual request reaches, when it lives at another URL pattern than the preflight's table
 * (`DELETE /users/:id` for a preflight to `/users/me`, whose table has only `GET`): a table with a slot for the
 * method whose pattern, filled with the parameters the router found, is the request's path.
 */
function ownSlotBehind(state: ServerState, method: string, url: string, params: Readonly<Record<string, string | undefined>>, context: FastifyInstance): MethodSlot | undefined {
  const tables = state.tablesByMethod.get(method);
  if (tables === undefined) return undefined;
  const router = routerOptions(context);
  const path = normalisePath(requestPath(url), router);
  if (path === undefined) return undefined;
  for (const table of tables) {
    const filled = fillPattern(table.url, params);
    if (filled !== undefined && normalisePath(filled, router) === path) return table.methods.get(method);
  }
  return undefined;
}

function requestPath(url: string): string {
  const query = url.search(/[?#;]/);
  return query < 0 ? url : url.slice(0, query);
}

function normalisePath(path: string, router: Record<string, unknown>): string | undefined {
  let result: string;
  try {
    result = decodeURI(path);
  } catch {
    return undefined;
  }
  if (router.ignoreDuplicateSlashes === true) result = result.replace(/\/{2,}/g, '/');
  if (router.ignoreTrailingSlash === true && result.length > 1 && result.endsWith('/')) result = result.slice(0, -1);
  if (router.caseSensitive === false) result = result.toLowerCase();
  return result;
}

/**
 * A find-my-way URL pattern with its parameters put in, or `undefined` when the parameters are not this
 * pattern's (a name it lacks or misses, a value its regex refuses).
 */
export function fillPattern(pattern: string, params: Readonly<Record<string, string | undefined>>): string | undefined {
  let out = '';
  const used = new Set<string>();
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === ':' && pattern[i + 1] === ':') {
      out += ':';
      i++;
      continue;
    }
    if (char === '*' && i === pattern.length - 1) {
      const rest = params['*'];
      if (rest === undefined) return undefined;
      used.add('*');
      out += rest;
      continue;
    }
    if (char !== ':') {
      out += char;
      continue;
    }
    let end = i + 1;
    while (end < pattern.length && !'/-.(:'.includes(pattern[end]!)) end++;
    const name = pattern.slice(i + 1, end);
    const value = params[name];
    if (value === undefined) return undefined;
    if (pattern[end] === '(') {
      const close = closingParenthesis(pattern, end);
      if (close < 0) return undefined;
      let source = pattern.slice(end + 1, close);
      if (source.startsWith('^')) source = source.slice(1);
      if (source.endsWith('$')) source = source.slice(0, -1);
      try {
        if (!new RegExp(`^(?:${source})$`).test(value)) return undefined;
      } catch {
        return undefined;
      }
      end = close + 1;
    }
    used.add(name);
    out += value;
    i = end - 1;
  }
  return used.size === Object.keys(params).length ? out : undefined;
}

function closingParenthesis(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') i++;
    else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The table of the preflight route a request matched, if it matched one of ours. */
export function tableOf(config: RouteConfig | undefined): PreflightTable | undefined {
  return config?.[kTable] as PreflightTable | undefined;
}
