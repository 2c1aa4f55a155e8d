// What every variant is configured with and what every scenario sends: one place, so that `cors`, `@koa/cors`,
// `@fastify/cors` and ours are compared on the same policy and the same requests.

/** The allowlist every CORS variant is given. Requests come from the first entry, which favours the peers'
 * linear scans a little; the refused origin makes them scan the whole list. */
export const ORIGINS = ['https://app.example.com', 'https://admin.example.com', 'https://docs.example.com'];
export const ALLOWED_ORIGIN = ORIGINS[0];
export const REFUSED_ORIGIN = 'https://evil.example.net';
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
export const ALLOWED_HEADERS = ['content-type', 'authorization', 'x-request-id'];
export const EXPOSED_HEADERS = ['x-request-id'];
export const MAX_AGE = 600;

/** Options for `@cors/express`, `@cors/koa` and `@cors/fastify`. */
export function oursOptions() {
  return {
    origin: [...ORIGINS],
    credentials: true,
    methods: [...METHODS],
    allowedHeaders: [...ALLOWED_HEADERS],
    exposedHeaders: [...EXPOSED_HEADERS],
    maxAge: MAX_AGE,
  };
}

/** The same policy in `cors` (Express) terms: it uses our option names. */
export const expressPeerOptions = oursOptions;

/** The same policy in `@koa/cors` terms: it takes one origin or a function, so the allowlist is a function,
 * written the way its README suggests (return the origin to allow it, a falsy value to skip CORS). */
export function koaPeerOptions() {
  const origins = [...ORIGINS];
  return {
    origin(ctx) {
      const origin = ctx.get('Origin');
      return origins.includes(origin) ? origin : '';
    },
    credentials: true,
    allowMethods: [...METHODS],
    allowHeaders: [...ALLOWED_HEADERS],
    exposeHeaders: [...EXPOSED_HEADERS],
    maxAge: MAX_AGE,
  };
}

/** The same policy in `@fastify/cors` terms: it uses our option names too. */
export const fastifyPeerOptions = oursOptions;

export const FRAMEWORKS = ['express', 'koa', 'fastify', 'node'];
/**
 * `floor` is a reference, not a contender: a middleware with no decision logic that writes exactly the headers
 * ours writes, which is the least any CORS middleware can cost with this policy.
 */
export const ALL_VARIANTS = ['none', 'floor', 'peer', 'ours'];
export const PEER_NAMES = { express: 'cors', koa: '@koa/cors', fastify: '@fastify/cors', node: 'cors' };
export const OURS_NAMES = { express: '@cors/express', koa: '@cors/koa', fastify: '@cors/fastify', node: '@cors/node' };

export function variantLabel(framework, variant) {
  if (variant === 'none') return 'no CORS';
  if (variant === 'floor') return 'headers only';
  return variant === 'peer' ? PEER_NAMES[framework] : OURS_NAMES[framework];
}

/**
 * The four requests. `actual` scenarios are the ones whose CORS share is judged; the preflight is judged on its
 * total, because without CORS an OPTIONS request does something else entirely (Express answers with `Allow`,
 * Fastify with a 404).
 */
export const SCENARIOS = [
  { id: 'allowed', label: 'allowed actual request', method: 'GET', headers: { origin: ALLOWED_ORIGIN }, actual: true },
  { id: 'refused', label: 'refused actual request', method: 'GET', headers: { origin: REFUSED_ORIGIN }, actual: true },
  { id: 'no-origin', label: 'request without Origin', method: 'GET', headers: {}, actual: true },
  {
    id: 'preflight',
    label: 'allowed preflight',
    method: 'OPTIONS',
    headers: {
      origin: ALLOWED_ORIGIN,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type,x-request-id',
    },
    actual: false,
  },
];

export const SCENARIO_IDS = SCENARIOS.map((s) => s.id);

export function scenarioById(id) {
  const scenario = SCENARIOS.find((s) => s.id === id);
  if (!scenario) throw new Error(`unknown scenario ${id}`);
  return scenario;
}

/**
 * Checks that a variant answered a scenario the way its configuration says, so that a benchmark never times a
 * middleware that silently does nothing. Returns a problem description, or null.
 * `get(name)` reads a response header (any case); `status` is the response status when known.
 */
export function checkAnswer(variant, scenario, get, status) {
  const acao = get('access-control-allow-origin');
  if (variant === 'none') {
    return acao === undefined ? null : `no-CORS server sent Access-Control-Allow-Origin: ${acao}`;
  }
  switch (scenario.id) {
    case 'allowed':
      if (acao !== ALLOWED_ORIGIN) return `allowed origin got Access-Control-Allow-Origin: ${acao}`;
      if (get('access-control-allow-credentials') !== 'true') return 'allowed origin got no Access-Control-Allow-Credentials: true';
      return null;
    case 'refused':
    case 'no-origin':
      return acao === undefined ? null : `${scenario.label} got Access-Control-Allow-Origin: ${acao}`;
    case 'preflight': {
      if (acao !== ALLOWED_ORIGIN) return `preflight got Access-Control-Allow-Origin: ${acao}`;
      const methods = String(get('access-control-allow-methods') ?? '');
      if (!methods.includes('PUT')) return `preflight got Access-Control-Allow-Methods: ${methods}`;
      if (status !== undefined && (status < 200 || status > 299)) return `preflight got status ${status}`;
      return null;
    }
    default:
      return `unknown scenario ${scenario.id}`;
  }
}

/**
 * What the `floor` variant writes: the headers ours writes for each scenario, with names lower-case and values
 * fixed, behind the fewest checks that tell the scenarios apart. Returns [status or 0, [name, value][]].
 */
const ALLOWED_SET = new Set(ORIGINS);
const FLOOR_ACTUAL = [
  ['access-control-allow-credentials', 'true'],
  ['access-control-expose-headers', EXPOSED_HEADERS.join(', ')],
  ['vary', 'Origin'],
];
const FLOOR_PREFLIGHT = [
  ['access-control-allow-credentials', 'true'],
  ['access-control-allow-methods', METHODS.join(', ')],
  ['access-control-allow-headers', ALLOWED_HEADERS.join(', ')],
  ['access-control-max-age', String(MAX_AGE)],
  ['vary', 'Origin'],
];
const FLOOR_VARY = [['vary', 'Origin']];
export function floorHeaders(method, headers) {
  const origin = headers.origin;
  if (origin === undefined || !ALLOWED_SET.has(origin)) return FLOOR_VARY;
  return method === 'OPTIONS' && headers['access-control-request-method'] !== undefined ? FLOOR_PREFLIGHT : FLOOR_ACTUAL;
}

/** Loads a module that may not be built yet, with a message that says what to do. */
export async function load(specifier) {
  try {
    return await import(specifier);
  } catch (error) {
    const hint = specifier.startsWith('@cors/') ? ` (build it: cd packages/${specifier.slice(6)} && pnpm build)` : '';
    throw new Error(`cannot load ${specifier}${hint}: ${error.message}`);
  }
}

/** The adapter's middleware factory or plugin, whichever export name it uses. */
export function pick(mod, ...names) {
  for (const name of names) if (typeof mod[name] === 'function') return mod[name];
  if (typeof mod.default === 'function') return mod.default;
  if (mod.default && typeof mod.default === 'object') for (const name of names) if (typeof mod.default[name] === 'function') return mod.default[name];
  throw new Error(`none of the exports ${names.join(', ')} or default is a function`);
}
