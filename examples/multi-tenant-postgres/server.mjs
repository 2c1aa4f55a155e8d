// Multi-tenant CORS across several instances: tenant origins live in PostgreSQL, an async validator looks an
// origin up, and a cache remembers each answer. A removed tenant must lose access at once, on every instance,
// not when a TTL runs out: a trigger NOTIFYs the changed origin, and every instance LISTENs and deletes that
// origin from its cache.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node multi-tenant-postgres/server.mjs   # run two, on two ports
//   curl -i -H 'Origin: https://acme.example.com' http://127.0.0.1:3008/api/hello     # a seeded tenant: allowed
//   DATABASE_URL=... node multi-tenant-postgres/remove-tenant.mjs https://acme.example.com
//   # ...and every instance refuses it within a moment, although its cached "yes" had minutes to live.
//
// Environment: DATABASE_URL (required), PORT (default 3008; 0 picks a free one), HOST (default 127.0.0.1),
// TENANT_CACHE_TTL (seconds, default 300).
//
// Faults: if the database goes away, the instance keeps serving. Look-ups fail, so unknown origins are refused
// (cached answers still hold), never a 500. The listener reconnects with backoff, LISTENs again and then clears
// the cache, because it may have missed notifications meanwhile. Each fault is logged once, and its end once.
import express from 'express';
import pg from 'pg';
import { createOriginCache } from '@cors/core';
import { cors } from '@cors/express';
import { CHANNEL, LOOKUP_ORIGIN, databaseUrl, ensureSchema } from './tenants.mjs';

const url = databaseUrl();
const ttl = Number(process.env.TENANT_CACHE_TTL ?? 300);

/** Logs a fault when it starts and when it ends, never per request. */
const faults = new Set();
function fault(kind, message) {
  if (faults.has(kind)) return;
  faults.add(kind);
  console.error(`fault: ${kind}: ${message}`);
}
function recovered(kind, message) {
  if (faults.delete(kind)) console.log(`recovered: ${kind}: ${message}`);
}

// Queries: a pool. Failing fast matters more than waiting: while a look-up hangs, every request from that origin
// waits on it (they share one call).
const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 2000, query_timeout: 2000 });
// An idle pooled connection that the server closes (a restart) is reported here; without a listener it would crash
// the process. The pool drops that connection and opens a new one on the next query.
pool.on('error', (error) => fault('pool', `an idle connection failed (${error.message}); it is replaced on the next query`));

// Everything a validator reads is the origin, so the cache needs no key.
const tenantOrigins = createOriginCache({ maxEntries: 10_000, ttl });
const counters = { lookups: 0, notifications: 0, reconnects: 0 };

async function isTenantOrigin(origin) {
  counters.lookups++;
  const { rowCount } = await pool.query({ name: 'lookup-origin', text: LOOKUP_ORIGIN, values: [origin] });
  recovered('lookups', 'tenant look-ups work again');
  return rowCount === 1;
}

// ---- the listener: one dedicated connection, reconnected with backoff ----

let listener;
let listening = false;
let attempt = 0;
let stopping = false;
let reconnectTimer;

async function listen() {
  const client = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: 2000 });
  // Until LISTEN succeeds, a failure arrives as the rejection below; an unhandled 'error' would crash the process.
  client.on('error', () => {});
  client.on('notification', ({ channel, payload }) => {
    if (channel !== CHANNEL) return;
    counters.notifications++;
    if (payload === '*') tenantOrigins.clear();
    else tenantOrigins.delete(payload);
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
  } catch (error) {
    client.end().catch(() => {});
    throw error;
  }
  let lost = false;
  const onLost = (error) => {
    if (lost || stopping) return;
    lost = true;
    listening = false;
    fault('listener', `${error?.message ?? 'the connection ended'}; reconnecting with backoff`);
    client.end().catch(() => {});
    scheduleReconnect();
  };
  client.removeAllListeners('error');
  client.on('error', onLost);
  client.on('end', () => onLost(undefined));
  listener = client;
  listening = true;
}

function scheduleReconnect() {
  // 100 ms, 200 ms, ... up to 5 s, with jitter so that many instances do not reconnect in step.
  const delay = Math.min(5000, 100 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
  attempt++;
  reconnectTimer = setTimeout(async () => {
    try {
      await listen();
    } catch (error) {
      fault('listener', `${error.message}; reconnecting with backoff`);
      if (!stopping) scheduleReconnect();
      return;
    }
    // LISTEN first, then forget: a change after LISTEN is notified, one before it may have been missed.
    tenantOrigins.clear();
    counters.reconnects++;
    attempt = 0;
    recovered('listener', 'listening again; the origin cache was cleared, since notifications may have been missed');
    recovered('pool', 'the database is reachable again');
  }, delay);
}

// ---- the application ----

const app = express();

app.use(
  cors({
    // Static entries are checked first and never reach the database.
    origin: ['https://admin.example.com', isTenantOrigin],
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT'],
    allowedHeaders: ['content-type'],
    validatorCache: tenantOrigins,
    onRefused: (reason) => {
      if (reason.code === 'validator-error') fault('lookups', `tenant look-up failed (${reason.message}); origins not cached are refused meanwhile`);
    },
  }),
);

app.get('/api/hello', (_req, res) => {
  res.json({ hello: 'tenant', instance: process.pid });
});

// For dashboards (and the example's test): the cache's counters and the listener's state.
app.get('/metrics', (_req, res) => {
  res.json({ cache: tenantOrigins.stats(), ...counters, listening });
});

// Start-up: the schema and the listener first, so that the first request is already invalidated correctly.
for (;;) {
  try {
    const client = await pool.connect();
    try {
      await ensureSchema(client);
    } finally {
      client.release();
    }
    await listen();
    break;
  } catch (error) {
    fault('startup', `the database is not reachable (${error.message}); retrying`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
recovered('startup', 'the database is reachable');

const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3008), host, () => {
  const { port } = server.address();
  console.log(`listening on http://${host}:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    stopping = true;
    clearTimeout(reconnectTimer);
    server.close();
    server.closeAllConnections();
    await Promise.allSettled([listener?.end(), pool.end()]);
    process.exit(0);
  });
}
