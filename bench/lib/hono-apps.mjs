// Hono 4 and plain Fetch handlers, in process: each variant answers one request through Hono's own app.request()
// (or calls the Fetch handler with a new Request), with no socket, so what is left is the middleware's cost.
//
// Hono variants: `none` (the route alone: Hono's single-handler fast path), `next` (a middleware that only awaits
// next(): the floor, since any middleware takes Hono off that fast path), `peer` (hono/cors, configured
// equivalently), `ours` (@cors/hono) and `headers` (the same headers as ours written the cheapest way Hono offers,
// c.header() before next(), with no decision logic). Fetch variants: `fetch-bare` (a handler), `fetch-ours`
// (withCors around it) and `fetch-headers` (the handler, then the same headers set on its Response).
import { ALLOWED_HEADERS, EXPOSED_HEADERS, MAX_AGE, METHODS, ORIGINS, floorHeaders, load, oursOptions } from './setup.mjs';

export const HONO_VARIANTS = ['none', 'next', 'peer', 'ours', 'headers'];
export const FETCH_VARIANTS = ['fetch-bare', 'fetch-ours', 'fetch-headers'];
export const HONO_LABELS = {
  none: 'no middleware',
  next: 'await next() only',
  peer: 'hono/cors',
  ours: '@cors/hono',
  headers: 'headers only',
  'fetch-bare': 'bare handler',
  'fetch-ours': '@cors/fetch',
  'fetch-headers': 'headers only',
};

/** The same policy in hono/cors's terms (its option names; `origin` as a list, which it checks with includes). */
function honoPeerOptions() {
  return {
    origin: [...ORIGINS],
    credentials: true,
    allowMethods: [...METHODS],
    allowHeaders: [...ALLOWED_HEADERS],
    exposeHeaders: [...EXPOSED_HEADERS],
    maxAge: MAX_AGE,
  };
}

const URL_ = 'http://localhost/';

/** What the reference variants read off a request, in the shape floorHeaders() takes. */
function requestHeaders(raw) {
  const headers = raw.headers;
  const origin = headers.get('origin') ?? undefined;
  return raw.method === 'OPTIONS'
    ? { origin, 'access-control-request-method': headers.get('access-control-request-method') ?? undefined }
    : { origin };
}

async function honoApp(variant) {
  const { Hono } = await load('hono');
  const app = new Hono();
  if (variant === 'next') {
    app.use('*', async (_c, next) => {
      await next();
    });
  } else if (variant === 'peer') {
    const { cors } = await load('hono/cors');
    app.use('*', cors(honoPeerOptions()));
  } else if (variant === 'ours') {
    const { cors } = await load('@cors/hono');
    app.use('*', cors(oursOptions()));
  } else if (variant === 'headers') {
    app.use('*', async (c, next) => {
      const raw = c.req.raw;
      const wanted = requestHeaders(raw);
      const headers = floorHeaders(raw.method, wanted);
      if (headers.length > 3) {
        return new Response(null, { status: 204, headers: [['access-control-allow-origin', wanted.origin], ...headers] });
      }
      if (headers.length > 1) c.header('access-control-allow-origin', wanted.origin);
      for (let i = 0; i < headers.length; i++) c.header(headers[i][0], headers[i][1]);
      await next();
    });
  }
  app.get('/', (c) => c.text('ok'));
  // hono/cors and the references answer preflights themselves; without CORS an OPTIONS gets Hono's 404.
  return app;
}

async function fetchHandler(variant) {
  const bare = () => new Response('ok', { headers: { 'content-type': 'text/plain; charset=UTF-8' } });
  if (variant === 'fetch-bare') return bare;
  if (variant === 'fetch-ours') {
    const { withCors } = await load('@cors/fetch');
    return withCors(oursOptions(), bare);
  }
  return (request) => {
    const wanted = requestHeaders(request);
    const headers = floorHeaders(request.method, wanted);
    if (headers.length > 3) return new Response(null, { status: 204, headers: [['access-control-allow-origin', wanted.origin], ...headers] });
    const response = bare();
    const h = response.headers;
    if (headers.length > 1) h.set('access-control-allow-origin', wanted.origin);
    for (let i = 0; i < headers.length; i++) h.set(headers[i][0], headers[i][1]);
    return response;
  };
}

/**
 * A runner for one variant: `one(scenario)` handles one request and returns a promise (or nothing when the
 * answer came synchronously); `inspect(scenario)` also returns what the answer was, for checking it.
 */
export async function createHonoRunner(variant) {
  let handle;
  if (FETCH_VARIANTS.includes(variant)) {
    const handler = await fetchHandler(variant);
    handle = (scenario) => handler(new Request(URL_, { method: scenario.method, headers: scenario.headers }));
  } else if (HONO_VARIANTS.includes(variant)) {
    const app = await honoApp(variant);
    handle = (scenario) => app.request('/', { method: scenario.method, headers: scenario.headers });
  } else {
    throw new Error(`unknown Hono bench variant ${variant}`);
  }
  return {
    one: (scenario) => {
      const answer = handle(scenario);
      return answer instanceof Response ? undefined : answer;
    },
    async inspect(scenario) {
      const response = await handle(scenario);
      return { get: (name) => response.headers.get(name) ?? undefined, status: response.status };
    },
    close: async () => {},
  };
}

/** Whether a variant writes CORS headers at all (for checking its answers). */
export function writesCors(variant) {
  return !['none', 'next', 'fetch-bare'].includes(variant);
}
