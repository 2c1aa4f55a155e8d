// Starts the playground: the API (our adapter on the chosen framework, three policies) and the page server
// (the demo page for http://app.localhost, the same files for http://evil.localhost, and the server trace as
// Server-Sent Events). Used by start.mjs and by the playground's browser test.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FRAMEWORKS, buildApp, frameworkVersion } from './api.mjs';

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), 'public');
const STATIC = new Map([
  ['/index.html', 'text/html; charset=utf-8'],
  ['/frame.html', 'text/html; charset=utf-8'],
  ['/app.js', 'text/javascript; charset=utf-8'],
  ['/frame.js', 'text/javascript; charset=utf-8'],
  ['/runner.js', 'text/javascript; charset=utf-8'],
  ['/diagnose.js', 'text/javascript; charset=utf-8'],
  ['/style.css', 'text/css; charset=utf-8'],
]);

export const DEFAULT_PAGE_PORT = 5173;
export const DEFAULT_API_PORT = 3000;
/** Loopback only: the demo is for the person at this machine, never the network. */
const LISTEN_ON = ['127.0.0.1', '::1'];

/** `http://name:port`, without the port when it is the default one. */
const originOf = (host, port) => new URL(`http://${host}:${port}`).origin;

/**
 * The three policies the page demonstrates, given the page origins. Kept as data so the page can show them.
 * @param {{ app: string, pagePort: number }} o
 */
export function playgroundPolicies({ app, pagePort }) {
  const anyLocalhostSubdomain = pagePort === 80 ? 'http://*.localhost' : `http://*.localhost:${pagePort}`;
  return {
    strict: {
      origin: [app],
      credentials: true,
      debug: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT'],
      allowedHeaders: ['content-type', 'x-trace'],
      exposedHeaders: ['x-request-id'],
      maxAge: 600,
    },
    pattern: {
      origin: [anyLocalhostSubdomain],
      credentials: true,
      debug: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT'],
      allowedHeaders: ['content-type', 'x-trace'],
      exposedHeaders: ['x-request-id'],
    },
    null: {
      origin: ['null', app],
      debug: true,
      exposedHeaders: ['x-request-id'],
    },
  };
}

/** What the trace keeps of request headers: the ones CORS is about, plus custom `x-` headers. */
function requestHeadersThatMatter(headers) {
  const kept = {};
  for (const [name, value] of Object.entries(headers)) {
    if (
      name === 'origin' ||
      name === 'cookie' ||
      name === 'content-type' ||
      name.startsWith('access-control-request-') ||
      name.startsWith('x-')
    ) {
      kept[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  return kept;
}

function responseHeadersThatMatter(headers) {
  const kept = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('access-control-') || lower === 'vary' || lower === 'set-cookie' || lower === 'x-request-id' || lower === 'cors-refusal') {
      kept[lower] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  return kept;
}

/**
 * The refusal reason as plain JSON. Read field by field: `message` and `hint` may be getters (the core builds
 * them lazily), which a spread would drop, and a validator's `error` may not serialise.
 */
function plainReason(reason) {
  const plain = { code: reason.code, origin: reason.origin, preflight: reason.preflight, message: reason.message, hint: reason.hint };
  if (reason.method !== undefined) plain.method = reason.method;
  if (reason.headers !== undefined) plain.headers = [...reason.headers];
  if (reason.error !== undefined) plain.error = reason.error instanceof Error ? reason.error.message : String(reason.error);
  return plain;
}

/**
 * Records every API exchange (request headers that matter, the status and CORS headers of the answer, and the
 * refusal reason from onRefused) and publishes it to the page as Server-Sent Events.
 */
function createTrace() {
  /** @type {any[]} */
  const events = [];
  const listeners = new Set();
  const exchanges = new WeakMap();
  let seq = 0;

  function publish(event) {
    const stamped = { ...event, seq: ++seq, time: Date.now() };
    events.push(stamped);
    if (events.length > 1000) events.shift();
    for (const listener of listeners) listener(stamped);
  }

  /** Called for every API request before the framework sees it. */
  function observe(req, res, policy) {
    const url = new URL(req.url ?? '/', 'http://api.invalid');
    const exchange = {
      policy,
      method: req.method,
      path: url.pathname,
      run: url.searchParams.get('run'),
      preflight: req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined,
      request: requestHeadersThatMatter(req.headers),
      refusals: [],
    };
    exchanges.set(req, exchange);
    // The head is final when writeHead runs (explicitly, as Fastify calls it, or implicitly on the first
    // write); record it then, before the browser can see a byte of the answer.
    const writeHead = res.writeHead;
    res.writeHead = function tracedWriteHead(statusCode, ...rest) {
      const fields = rest.find((arg) => arg !== null && typeof arg === 'object');
      const headers = { ...res.getHeaders() };
      if (Array.isArray(fields)) for (let i = 0; i + 1 < fields.length; i += 2) headers[String(fields[i]).toLowerCase()] = fields[i + 1];
      else if (fields) for (const [name, value] of Object.entries(fields)) headers[name.toLowerCase()] = value;
      publish({ type: 'exchange', ...exchange, status: statusCode, response: responseHeadersThatMatter(headers) });
      res.writeHead = writeHead;
      return writeHead.call(this, statusCode, ...rest);
    };
  }

  /** The policies' onRefused hook: stream the reason at once, and attach it to its exchange. */
  function refused(policy, reason, request) {
    // Express's req, Koa's ctx.req, Fastify's request.raw, or the Node request Hono's context carries in env.
    const raw = request?.env?.incoming ?? request?.raw ?? request?.req ?? request;
    const exchange = raw ? exchanges.get(raw) : undefined;
    const plain = plainReason(reason);
    exchange?.refusals.push(plain);
    publish({ type: 'refusal', policy, run: exchange?.run ?? null, method: exchange?.method ?? null, path: exchange?.path ?? null, reason: plain });
  }

  /** GET /events: the trace as Server-Sent Events; replays what a reconnecting page missed (Last-Event-ID). */
  function stream(req, res) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (event) => res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ seq })}\n\n`);
    const since = Number(req.headers['last-event-id']);
    if (Number.isInteger(since)) for (const event of events) if (event.seq > since) send(event);
    listeners.add(send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    keepAlive.unref();
    req.on('close', () => {
      clearInterval(keepAlive);
      listeners.delete(send);
    });
  }

  return { observe, refused, stream, seq: () => seq };
}

/**
 * POST /diagnose, for the Diagnose panel: cors-doctor's verdict on one request, from this machine. Only the
 * playground's own pages may ask (their Origin, a JSON body), so no other site can make it send requests.
 */
async function diagnoseRequest(req, res, config) {
  const json = (status, body) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  const from = req.headers.origin;
  if (req.method !== 'POST' || (from !== config.appOrigin && from !== config.evilOrigin) || !/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    json(403, { error: 'only the playground page may ask for a diagnosis, with a JSON POST' });
    return;
  }
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) return json(413, { error: 'the request is too large' });
    chunks.push(chunk);
  }
  let ask;
  try {
    ask = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return json(400, { error: 'the body is not JSON' });
  }
  const { diagnose, DoctorUsageError } = await import('@cors/doctor');
  try {
    const headers = Array.isArray(ask.headers) ? ask.headers.filter((h) => Array.isArray(h) && h.length === 2).map(([n, v]) => [String(n), String(v)]) : [];
    const diagnosis = await diagnose({ url: String(ask.url ?? ''), origin: String(ask.origin ?? ''), method: String(ask.method || 'GET'), headers, credentials: ask.credentials === true, timeout: 5000 });
    json(200, diagnosis);
  } catch (error) {
    if (error instanceof DoctorUsageError) json(400, { error: error.message });
    else throw error;
  }
}

async function listenAll(server, port, label) {
  const servers = [];
  let actualPort = port;
  for (const host of LISTEN_ON) {
    const s = host === LISTEN_ON[0] ? server : createServer((req, res) => server.emit('request', req, res));
    try {
      await new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(actualPort, host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      actualPort = s.address().port;
      servers.push(s);
    } catch (error) {
      // IPv6 loopback is a convenience (browsers may try ::1 for *.localhost); IPv4 is required.
      if (host === LISTEN_ON[0]) {
        if (error.code === 'EADDRINUSE') {
          error.message = `port ${port} for the ${label} is in use: stop what runs there, or choose another port (see --help)`;
        }
        throw error;
      }
    }
  }
  return { port: actualPort, servers };
}

function closeAll(servers) {
  return Promise.all(
    servers.map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
}

/**
 * @param {{ framework?: 'express' | 'koa' | 'fastify', pagePort?: number, apiPort?: number }} [options]
 */
export async function startPlayground(options = {}) {
  const framework = options.framework ?? 'express';
  if (!FRAMEWORKS.includes(framework)) throw new Error(`unknown framework ${JSON.stringify(framework)}; use one of ${FRAMEWORKS.join(', ')}`);
  const trace = createTrace();
  /** @type {Record<string, { handle: Function, close: () => Promise<void> }>} */
  const byPolicy = {};

  // The API server: /<policy>/<path> goes to that policy's application as /<path>.
  const apiServer = createServer((req, res) => {
    const match = /^\/(strict|pattern|null)(\/.*)?$/.exec((req.url ?? '/').split('?')[0]);
    const app = match ? byPolicy[match[1]] : undefined;
    if (!match || !app) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The playground API serves /strict/..., /pattern/... and /null/...; open the page printed at start.\n');
      return;
    }
    trace.observe(req, res, match[1]);
    req.url = (req.url ?? '/').slice(match[1].length + 1) || '/';
    app.handle(req, res);
  });

  let config;
  const pageServer = createServer((req, res) => {
    handlePage(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  async function handlePage(req, res) {
    if (config === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('starting');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const host = (req.headers.host ?? '').toLowerCase();
    const known = host === new URL(config.appOrigin).host || host === new URL(config.evilOrigin).host;
    if (path === '/' && !known) {
      // http://localhost:5173 or http://127.0.0.1:5173: the demo needs the app.localhost origin.
      res.writeHead(302, { location: `${config.appOrigin}/` }).end();
      return;
    }
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(config));
      return;
    }
    if (path === '/events') return trace.stream(req, res);
    if (path === '/diagnose') return diagnoseRequest(req, res, config);
    if (path === '/events/seq') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ seq: trace.seq() }));
      return;
    }
    const file = path === '/' ? '/index.html' : path;
    const type = STATIC.get(file);
    if (type === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = await readFile(join(PUBLIC, file));
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(body);
  }

  const listening = [];
  try {
    const page = await listenAll(pageServer, options.pagePort ?? DEFAULT_PAGE_PORT, 'pages');
    listening.push(...page.servers);
    const api = await listenAll(apiServer, options.apiPort ?? DEFAULT_API_PORT, 'API');
    listening.push(...api.servers);

    const appOrigin = originOf('app.localhost', page.port);
    const evilOrigin = originOf('evil.localhost', page.port);
    const apiOrigin = originOf('api.localhost', api.port);
    const policies = playgroundPolicies({ app: appOrigin, pagePort: page.port });
    for (const [name, policy] of Object.entries(policies)) {
      byPolicy[name] = await buildApp(framework, { ...policy, onRefused: (reason, request) => trace.refused(name, reason, request) });
    }
    const version = await frameworkVersion(framework);
    config = {
      framework,
      frameworkVersion: version,
      adapter: `@cors/${framework}`,
      appOrigin,
      evilOrigin,
      apiOrigin,
      policies,
    };
    return {
      framework,
      frameworkVersion: version,
      appUrl: `${appOrigin}/`,
      evilUrl: `${evilOrigin}/`,
      apiUrl: apiOrigin,
      pagePort: page.port,
      apiPort: api.port,
      async close() {
        await closeAll(listening);
        await Promise.all(Object.values(byPolicy).map((app) => app.close()));
      },
    };
  } catch (error) {
    await closeAll(listening);
    await Promise.all(Object.values(byPolicy).map((app) => app.close().catch(() => {})));
    throw error;
  }
}
