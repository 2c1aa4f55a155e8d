import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';
import { CorsConfigError, createCorsPolicy, isPreflight, isThenable, mergeVary } from '@cors/core';
import type { CorsConfigProblem, CorsDecision, CorsOptions, CorsPolicy } from '@cors/core';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';

/**
 * Options of `register(cors, options)`: the `@cors/core` options, with origin validators and `onRefused`
 * receiving the Fastify `request`. Only `origin` is required. Of Fastify's own register options, `logLevel` is
 * accepted and `prefix` is refused (register `cors` inside the plugin that has the prefix instead).
 *
 * @example
 * const options: FastifyCorsOptions = {
 *   origin: ['https://app.example.com', async (origin, request) => tenants.allows(request.hostname, origin)],
 *   credentials: true,
 *   validatorCache: { maxEntries: 10_000, ttl: 60 },
 *   onRefused: (reason, request) => request.log.warn({ cors: reason.code }, reason.message),
 * };
 * await app.register(cors, options);
 */
export type FastifyCorsOptions = CorsOptions<FastifyRequest>;

/**
 * A route's `config.cors`: options merged over the ones given to `register`, for the route's requests and its
 * preflights. Checked when the route is declared. Under a credentialed registration, `origin: '*'` needs
 * `credentials: false` too.
 *
 * @example
 * const uploads: FastifyCorsRouteOptions = { methods: ['PUT'], allowedHeaders: ['content-type'] };
 * app.put('/upload', { config: { cors: uploads } }, upload);
 * app.get('/health', { config: { cors: { origin: '*', credentials: false } } }, health);
 */
export type FastifyCorsRouteOptions = Partial<FastifyCorsOptions>;

type Policy = CorsPolicy<FastifyRequest>;
type Done = HookHandlerDoneFunction;
type Config = Record<PropertyKey, unknown>;
type VarySlot = Record<symbol, readonly string[] | null>;

/** The policy for some routes; `null` when a route turned CORS off with `config.cors: false`. */
interface Entry {
  readonly policy: Policy | null;
}

/** One `register(cors, ...)`. */
interface Registration {
  readonly options: Readonly<Record<string, unknown>>;
  readonly entry: Entry;
  /** Route options compiled once per object: HEAD twins and options shared by several routes reuse them. */
  readonly routeEntries: WeakMap<object, Entry>;
}

/** What a preflight route knows about one method of its URL: the route's own entry, or the context it lives in. */
interface MethodSlot {
  readonly entry: Entry | undefined;
  readonly context: object;
  /** The route has constraints (host, version), so another route may share its URL and method. */
  readonly constrained?: boolean;
}
interface PreflightTable {
  /** The URL pattern the preflight route was registered for. */
  readonly url: string;
  readonly methods: Map<string, MethodSlot>;
}

/** Shared by every registration on one server (every encapsulation context shares the router). */
interface ServerState {
  registrations: number;
  /** Several registrations, or route options: requests must be matched to their route, which costs a look-up. */
  complex: boolean;
  /** Preflight routes by normalised URL, so routes of several contexts at one URL share one. */
  readonly tables: Map<string, PreflightTable>;
  /** Context -> nearest registration, filled lazily after start-up. */
  owners: WeakMap<object, Registration | null>;
  readonly contextsWithRouteConfig: WeakSet<object>;
}

const kEntry = Symbol('@cors/fastify.entry');
const kTable = Symbol('@cors/fastify.preflight');
const kVary = Symbol('@cors/fastify.vary');
const OFF: Entry = Object.freeze({ policy: null });
/** A URL and method claimed by constrained routes with different policies: its preflights are refused. */
const CONFLICTING: MethodSlot = Object.freeze({ entry: OFF, context: Object.freeze({}), constrained: true });

const registrations = new WeakMap<object, Registration>();
const states = new WeakMap<object, ServerState>();

// The name is inlined into code find-my-way generates, so it must be an identifier.
const STRATEGY = 'corsPreflight';
const PREFLIGHT = 'preflight';
const preflightStrategy = {
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
  registrations.set(instance, reg);
  state.registrations++;
  state.owners = new WeakMap(); // contexts looked up before this registration may now have a nearer one
  if (state.registrations > 1) state.complex = true;
  if (!instance.hasConstraintStrategy(STRATEGY)) instance.addConstraintStrategy(preflightStrategy as never);
  if (!instance.hasRequestDecorator(kVary)) instance.decorateRequest(kVary as never, null as never);

  instance.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions) {
    onRoute(this, route, reg, state);
  });

  // Sync hooks with `done`: no promise per request unless a validator returns one.
  instance.addHook('onRequest', function corsOnRequest(request: FastifyRequest, reply: FastifyReply, next: Done) {
    let entry = reg.entry;
    if (request.raw.method === 'OPTIONS') {
      const table = routeConfigOf(request)?.[kTable] as PreflightTable | undefined;
      // Whichever registration's hook runs first answers; the table says whose policy applies.
      if (table !== undefined) return answerPreflight(table, request, reply, next, reg, state);
    }
    if (state.complex) {
      const context = reply.server;
      const owner = ownerOf(state, context);
      // Another registration, nearer to this route's context, governs it.
      if (owner !== undefined && owner !== reg) return next();
      if (state.contextsWithRouteConfig.has(context)) {
        const own = routeConfigOf(request)?.[kEntry] as Entry | undefined;
        if (own !== undefined) entry = own;
      }
    }
    run(entry, request, reply, next);
  });

  // Vary is written last, so it survives a route that sets its own (`reply.header('Vary', ...)`).
  instance.addHook('onSend', function corsOnSend(request: FastifyRequest, reply: FastifyReply, payload: unknown, next: (error: null, payload: unknown) => void) {
    const tokens = (request as unknown as VarySlot)[kVary];
    if (tokens != null && tokens.length !== 0) setVary(reply, tokens);
    next(null, payload);
  });

  done();
}

/**
 * The CORS plugin for Fastify 4 and 5 (a `fastify-plugin` plugin, also the package's default export). The
 * options, and every route's `config.cors`, are validated at start-up: a wrong configuration makes `register` or
 * `ready` fail with `CorsConfigError`, never a request.
 *
 * Register it before your own `onRequest` hooks and your routes, and `await` it so routes declared after it have
 * their `config.cors` seen. At the root it covers every route and the 404 handler; inside a plugin, that plugin's
 * routes. Preflights are answered in its `onRequest` hook (`preflightStatus`, or 403 with no CORS headers), so
 * later hooks and handlers never see them; every other request gets its CORS headers, kept on error responses,
 * and `Vary: Origin` merged with the route's own `Vary`.
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
  if (registrations.has(instance)) {
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
  return { options: Object.freeze({ ...corsOptions }), entry: { policy }, routeEntries: new WeakMap() };
}

function stateOf(instance: FastifyInstance): ServerState {
  // Every context of one application shares its server object.
  const key = instance.server as object;
  let state = states.get(key);
  if (state === undefined) {
    state = { registrations: 0, complex: false, tables: new Map(), owners: new WeakMap(), contextsWithRouteConfig: new WeakSet() };
    states.set(key, state);
  }
  return state;
}

/** The registration nearest to a context: contexts inherit from their parent (`Object.create`). */
function ownerOf(state: ServerState, context: object): Registration | undefined {
  const cached = state.owners.get(context);
  if (cached !== undefined) return cached ?? undefined;
  let owner: Registration | undefined;
  for (let o: object | null = context; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    owner = registrations.get(o);
    if (owner !== undefined) break;
  }
  state.owners.set(context, owner ?? null);
  return owner;
}

function routeConfigOf(request: FastifyRequest): Config | undefined {
  // routeOptions since Fastify 4.10; routeConfig before.
  const loose = request as unknown as { routeOptions?: { config?: Config }; routeConfig?: Config };
  const routeOptions = loose.routeOptions;
  return routeOptions !== undefined ? routeOptions.config : loose.routeConfig;
}

function onRoute(context: FastifyInstance, route: RouteOptions, reg: Registration, state: ServerState): void {
  const config = route.config as Config | undefined;
  if (config !== undefined && config[kTable] !== undefined) return; // one of our preflight routes
  // Outer registrations see the routes of inner contexts too; only the nearest one governs (and validates) them.
  if (state.registrations > 1 && ownerOf(state, context) !== reg) return;
  const routeCors = config?.cors;
  let entry: Entry | undefined;
  if (routeCors !== undefined) {
    entry = routeEntry(reg, routeCors, route);
    // Fastify copies config into the route's context, symbols included.
    (route as { config?: Config }).config = { ...config, [kEntry]: entry };
    state.complex = true;
    state.contextsWithRouteConfig.add(context);
  }
  addPreflightRoutes(context, route, entry, state);
}

function routeEntry(reg: Registration, routeCors: unknown, route: RouteOptions): Entry {
  if (routeCors === false) return OFF;
  const where = `(${Array.isArray(route.method) ? route.method.join(',') : route.method} ${route.url})`;
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

/**
 * Gives the route's URL an OPTIONS route that matches only preflights (through the constraint strategy), so a
 * preflight reaches this context's hooks with the route's policy at hand, and a plain OPTIONS route of the
 * application at the same URL keeps its non-preflight requests.
 */
function addPreflightRoutes(context: FastifyInstance, route: RouteOptions, entry: Entry | undefined, state: ServerState): void {
  const prefix = context.prefix;
  const routePath = (route as { routePath?: string }).routePath ?? route.url;
  const variants: Array<[path: string, url: string]> = [[routePath, route.url]];
  // A prefixed '/' route also answers at `prefix + '/'`, which onRoute is not told about.
  if (routePath === '' && prefix !== '' && route.prefixTrailingSlash !== 'no-slash') variants.push(['/', prefix.endsWith('/') ? prefix : `${prefix}/`]);
  const slot = { entry, context };
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  for (const [path, url] of variants) {
    const key = routeKey(url, context);
    let table = state.tables.get(key);
    if (table === undefined) {
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
          handler: refusePreflight,
        });
      } catch (error) {
        throw new Error(
          `@cors/fastify could not add the preflight route for ${url}: ${(error as Error).message}. ` +
            'Routes the router takes for one URL should be written alike (the same parameter names).',
          { cause: error },
        );
      }
    }
    // The last registration to see a route is the innermost one, so its word wins. Routes told apart only by
    // constraints (host, version) share this URL and method: when their policies differ, the preflight cannot
    // tell which one it is for, so it is refused rather than answered by the wrong one.
    const constrained = route.constraints !== undefined && Object.keys(route.constraints).length > 0;
    for (const method of methods) {
      const previous = table.methods.get(method);
      const conflict =
        previous !== undefined && (constrained || previous.constrained) && (previous.entry !== entry || previous.context !== context);
      table.methods.set(method, conflict ? CONFLICTING : { ...slot, constrained });
    }
  }
}

// Reached only if no hook of ours answered; fail closed.
function refusePreflight(_request: FastifyRequest, reply: FastifyReply): void {
  reply.code(403).send();
}

/** The router's idea of "the same URL": parameter names do not count, nor what its options ignore. */
function routeKey(url: string, context: FastifyInstance): string {
  const initial = context.initialConfig as Record<string, unknown> & { routerOptions?: Record<string, unknown> };
  const router = initial.routerOptions ?? initial;
  let key = url.replace(/::|:[^/:(\-.]*/g, (m) => (m === '::' ? m : ':'));
  if (router.ignoreDuplicateSlashes === true) key = key.replace(/\/{2,}/g, '/');
  if (router.ignoreTrailingSlash === true && key.length > 1 && key.endsWith('/')) key = key.slice(0, -1);
  if (router.caseSensitive === false) key = key.toLowerCase();
  return key;
}

function answerPreflight(table: PreflightTable, request: FastifyRequest, reply: FastifyReply, next: Done, reg: Registration, state: ServerState): void {
  const method = request.raw.headers['access-control-request-method'] as string;
  const slot = table.methods.get(method);
  if (slot !== undefined) {
    const entry = slot.entry ?? (ownerOf(state, slot.context) ?? reg).entry;
    if (entry.policy === null) {
      reply.code(403).send();
      return;
    }
    return run(entry, request, reply, next);
  }
  // No route we were shown has this method at this URL: the policy of the URL's context answers, as for an
  // unknown path (and reports why it refuses). But a route of another context, one without CORS, at the same
  // URL must not be opened up by it.
  const context = reply.server;
  const guard = (): boolean => typeof context.hasRoute === 'function' && context.hasRoute({ url: table.url, method: method as never });
  run((ownerOf(state, context) ?? reg).entry, request, reply, next, guard);
}

/** `vetoAllowed`: checked before an allowed preflight is answered; true turns it into a bare refusal. */
type Veto = () => boolean;

function run(entry: Entry, request: FastifyRequest, reply: FastifyReply, next: Done, vetoAllowed?: Veto): void {
  const policy = entry.policy;
  if (policy === null) return next();
  const raw = request.raw;
  const decision = policy.decide(raw.method as string, raw.headers, request);
  if (policy.mayBeAsync && isThenable(decision)) {
    decision.then(
      (d) => apply(d, request, reply, next, vetoAllowed),
      // The core never rejects; should it, the request fails rather than going on unchecked.
      (error: unknown) => next(error as Error),
    );
    return;
  }
  apply(decision as CorsDecision, request, reply, next, vetoAllowed);
}

function apply(decision: CorsDecision, request: FastifyRequest, reply: FastifyReply, next: Done, vetoAllowed?: Veto): void {
  if (vetoAllowed !== undefined && decision.kind === 'preflight' && decision.allowed && vetoAllowed()) {
    reply.code(403).send();
    return;
  }
  const headers = decision.headers;
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i]!;
    reply.header(header[0], header[1]);
  }
  // Read back in onSend, where Vary is merged; every response passes there, errors and 404s included.
  (request as unknown as VarySlot)[kVary] = decision.vary;
  if (decision.kind === 'preflight') {
    reply.code(decision.status).send();
    return;
  }
  next();
}

function setVary(reply: FastifyReply, tokens: readonly string[]): void {
  const merged = mergeVary(reply.getHeader('vary'), tokens);
  if (merged !== undefined) reply.header('vary', merged);
}
