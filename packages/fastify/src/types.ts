import type { CorsOptions, CorsPolicy } from '@cors/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Options of `register(cors, options)`: the `@cors/core` options, with origin validators and `onRefused`
 * receiving the Fastify `request`. Only `origin` is required. Of Fastify's own register options, `logLevel` is
 * accepted and `prefix` is refused (register `cors` inside the plugin that has the prefix instead).
 *
 * @example
 * const options: FastifyCorsOptions = {
 *   origin: ['https://app.example.com', 'https://admin.example.com'],
 *   credentials: true,
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

export type Policy = CorsPolicy<FastifyRequest>;
/** A route's `config`, as Fastify keeps it (our symbols included). */
export type RouteConfig = Record<PropertyKey, unknown>;

/**
 * The policy for some routes. `null` answers as if CORS were off (`config.cors: false`, or a route that must fail
 * closed); `closedBecause` says why, for the one log line such a route gets.
 */
export interface Entry {
  readonly policy: Policy | null;
  readonly closedBecause?: string;
}

/** One `register(cors, ...)`. */
export interface Registration {
  readonly instance: FastifyInstance;
  readonly options: Readonly<Record<string, unknown>>;
  readonly entry: Entry;
  /** Route options compiled once per object: HEAD twins and options shared by several routes reuse them. */
  readonly routeEntries: WeakMap<object, Entry>;
}

/**
 * What a preflight knows about one method of a URL: the route's own entry (`undefined`: the policy of the context
 * it lives in, found when asked, since a nearer registration may come later), and that context.
 */
export interface MethodSlot {
  readonly entry: Entry | undefined;
  readonly context: object;
  /** The route has constraints (host, version), so another route may share its URL and method. */
  readonly constrained?: boolean;
}

/** The methods of one URL pattern, as the routes declared at it say. */
export interface PreflightTable {
  /** The URL pattern, as Fastify registered the routes. */
  readonly url: string;
  readonly methods: Map<string, MethodSlot>;
}

/** A route whose `config.cors` an outer registration compiled: a nearer registration arriving later is an error. */
export interface CompiledRouteConfig {
  readonly context: object;
  readonly registration: Registration;
  /** `METHOD /url`, for the message. */
  readonly where: string;
}

/** Shared by every registration on one server (every encapsulation context shares the router). */
export interface ServerState {
  registrations: number;
  /** Several registrations, or route options: requests must be matched to their route, which costs a look-up. */
  complex: boolean;
  /**
   * Every route of the application was shown to a registration: one at the root saw every route declared after
   * it, and none was declared before. Then a preflight's own table is the whole truth about its URL.
   */
  allSeen: boolean;
  /** A registration at the root context exists. */
  rootRegistered: boolean;
  /** Some route was declared before any registration could see it: requests read their route's config. */
  unseenRoutes: boolean;
  /** Preflight tables by normalised URL, so routes of several contexts at one URL share one. */
  readonly tables: Map<string, PreflightTable>;
  /** The tables that have a slot for a method, for a preflight whose own table lacks it. */
  readonly tablesByMethod: Map<string, PreflightTable[]>;
  /** Context -> nearest registration, filled lazily after start-up. */
  owners: WeakMap<object, Registration | null>;
  readonly contextsWithRouteConfig: WeakSet<object>;
  /** `METHOD url constraints` of every route a registration was shown, to find routes declared before them. */
  readonly seen: Set<string>;
  readonly compiledRouteConfigs: CompiledRouteConfig[];
  /** A refused preflight for a route no registration was shown has been logged (once per server). */
  loggedUnseenPreflight: boolean;
}
