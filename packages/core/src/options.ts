import type { RefusalReason } from './refusal.js';
import type { OriginCache, ValidatorCacheOptions } from './origin-cache.js';

/**
 * Decides an origin that no static entry allowed, e.g. by looking a tenant up in a database. It receives only
 * well-formed, non-`null` origins, and the framework's request object. Throwing or rejecting refuses the origin.
 *
 * @example
 * const fromDatabase: OriginValidator = async (origin) => (await db.tenantByOrigin(origin)) !== undefined;
 */
export type OriginValidator<Request = unknown> = (origin: string, request: Request) => boolean | Promise<boolean>;

/**
 * One `origin` entry: an origin or pattern string, an anchored RegExp, or a validator.
 *
 * @example
 * const entries: OriginEntry[] = ['https://app.example.com', /^https:\/\/pr-\d+\.example\.com$/, isTenantOrigin];
 */
export type OriginEntry<Request = unknown> = string | RegExp | OriginValidator<Request>;

/**
 * The CORS policy. Only `origin` is required; everything else defaults to the safe choice.
 *
 * @example
 * const options: CorsOptions = {
 *   origin: ['https://app.example.com', 'https://*.preview.example.com'],
 *   credentials: true,
 *   methods: ['GET', 'POST', 'PUT'],
 *   allowedHeaders: ['content-type', 'authorization'],
 *   maxAge: 600,
 * };
 */
export interface CorsOptions<Request = unknown> {
  /**
   * Who may call. Strings are exact origins (`'https://app.example.com'`), subdomain patterns
   * (`'https://*.example.com'`: one or more labels, never the apex), any-port patterns
   * (`'http://localhost:*'`), `'*'` for everyone (no credentials) or `'null'` for the opaque origin
   * (no credentials). Also anchored RegExps (`/^https:\/\/pr-\d+\.example\.com$/`) and validators.
   *
   * @example origin: ['https://app.example.com', 'http://localhost:*']
   */
  origin: OriginEntry<Request> | ReadonlyArray<OriginEntry<Request>>;
  /**
   * Send `Access-Control-Allow-Credentials: true` so browsers include cookies. Refused with `'*'` and `'null'`.
   * @defaultValue false
   * @example credentials: true
   */
  credentials?: boolean;
  /**
   * Methods a preflight may ask for, matched case-sensitively. `'*'` allows any (not with credentials).
   * @defaultValue ['GET', 'HEAD', 'POST']
   * @example methods: ['GET', 'POST', 'PUT', 'DELETE']
   */
  methods?: readonly string[] | '*';
  /**
   * Request headers a preflight may ask for, case-insensitive. Never reflected from the request. `'*'` allows
   * any but `authorization` (not with credentials).
   * @defaultValue []
   * @example allowedHeaders: ['content-type', 'authorization']
   */
  allowedHeaders?: readonly string[] | '*';
  /**
   * Response headers scripts may read, beyond the CORS-safelisted ones. `'*'` exposes all (not with credentials).
   * @defaultValue []
   * @example exposedHeaders: ['x-request-id']
   */
  exposedHeaders?: readonly string[] | '*';
  /**
   * Seconds a browser may cache a preflight, 0 to 86400 (`Access-Control-Max-Age`). Unset sends none.
   * @example maxAge: 600
   */
  maxAge?: number;
  /**
   * Status of a successful preflight, 200 to 299.
   * @defaultValue 204
   * @example preflightStatus: 200
   */
  preflightStatus?: number;
  /**
   * Answer legacy Private Network Access preflights (`Access-Control-Request-Private-Network: true`).
   * @defaultValue false
   * @example allowPrivateNetwork: true
   */
  allowPrivateNetwork?: boolean;
  /**
   * Called with the reason whenever a request with an `Origin` is refused. Silent by default. Errors it throws
   * are ignored.
   * @example onRefused: (reason) => logger.warn({ cors: reason.code, origin: reason.origin }, reason.message)
   */
  onRefused?: (reason: RefusalReason, request: Request) => void;
  /**
   * Remember validator results per origin (and per `key`, when validators read the request), so a database is
   * not asked on every request. Off by default; `true` means `{ maxEntries: 1000, ttl: 60 }`. A cache from
   * `createOriginCache` can be shared by several policies and invalidated when tenants change.
   * @example validatorCache: { maxEntries: 5000, ttl: 300, key: (origin, request) => request.hostname }
   */
  validatorCache?: boolean | ValidatorCacheOptions<Request> | OriginCache;
  /**
   * On a refused request, add a `Cors-Refusal` response header with the refusal code, what was refused and the
   * option that would change it (`header-not-allowed; header=x-trace; option=allowedHeaders`). It is never an
   * `Access-Control-*` header, so browsers decide the same; DevTools' network panel and `cors-doctor` show it.
   * For development: switch it off in production, where it tells any caller what the policy refuses (a
   * warning is logged once when it is on with `NODE_ENV=production`).
   * @defaultValue false
   * @example debug: process.env.NODE_ENV !== 'production'
   */
  debug?: boolean;
  /**
   * Escape hatch: allow plain `http:` origins that are not loopback together with credentials, which lets
   * anyone on the network path read credentialed responses.
   * @defaultValue false
   * @example
   * // An intranet host without TLS, knowingly:
   * { origin: 'http://intranet.corp', credentials: true, dangerouslyAllowInsecureOrigins: true }
   */
  dangerouslyAllowInsecureOrigins?: boolean;
  /**
   * Escape hatch: allow a `*.` pattern directly over a public suffix (`https://*.github.io`) together with
   * credentials, which trusts every site registered under it.
   * @defaultValue false
   * @example
   * // Trusts every GitHub Pages site, knowingly:
   * { origin: 'https://*.github.io', credentials: true, dangerouslyAllowWildcardOverPublicSuffix: true }
   */
  dangerouslyAllowWildcardOverPublicSuffix?: boolean;
}

export const OPTION_NAMES: readonly string[] = [
  'origin',
  'credentials',
  'methods',
  'allowedHeaders',
  'exposedHeaders',
  'maxAge',
  'preflightStatus',
  'allowPrivateNetwork',
  'onRefused',
  'validatorCache',
  'debug',
  'dangerouslyAllowInsecureOrigins',
  'dangerouslyAllowWildcardOverPublicSuffix',
];

// Names from other CORS middlewares and common slips, with what to write instead.
const KNOWN_SLIPS: Readonly<Record<string, string>> = {
  origins: "did you mean 'origin'?",
  allowOrigin: "did you mean 'origin'?",
  allowedOrigins: "did you mean 'origin'?",
  allowHeaders: "did you mean 'allowedHeaders'?",
  headers: "did you mean 'allowedHeaders'?",
  exposeHeaders: "did you mean 'exposedHeaders'?",
  allowMethods: "did you mean 'methods'?",
  allowedMethods: "did you mean 'methods'?",
  allowCredentials: "did you mean 'credentials'?",
  optionsSuccessStatus: "did you mean 'preflightStatus'?",
  privateNetworkAccess: "did you mean 'allowPrivateNetwork'?",
  preflightContinue: 'remove it: preflights are always answered by the middleware, and never reach your handlers',
  preflight: 'remove it: preflights are always answered; use per-route configuration to turn CORS off for a route',
  strictPreflight: 'remove it: preflights are always checked strictly',
  keepHeadersOnError: 'remove it: CORS headers are always kept on error responses',
  secureContext: 'remove it: cross-origin isolation headers are not CORS; set them with your security headers',
  hideOptionsRoute: 'remove it: no catch-all OPTIONS route is added',
  hook: 'remove it: preflights are always answered before the application sees them',
  delegator: 'pass per-request logic as an origin validator: origin: [(origin, request) => ...]',
};

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** A hint for an unknown option name: the option probably meant, or how to drop it. */
export function suggestOption(name: string): string {
  const slip = Object.hasOwn(KNOWN_SLIPS, name) ? KNOWN_SLIPS[name] : undefined; // not Object.prototype's 'constructor'
  if (slip !== undefined) return slip;
  let best = '';
  let bestDistance = Infinity;
  for (const known of OPTION_NAMES) {
    const d = distance(name.toLowerCase(), known.toLowerCase());
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  if (bestDistance <= Math.max(2, Math.floor(best.length / 3))) return `did you mean '${best}'?`;
  return `remove it; the options are ${OPTION_NAMES.join(', ')}`;
}
