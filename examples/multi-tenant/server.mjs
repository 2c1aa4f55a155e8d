// Multi-tenant CORS: every tenant's front end lives on its own origin, listed in a SQLite table.
// An async origin validator looks the origin up; validatorCache remembers each answer for a while,
// so the database is asked about once per origin per TTL, not on every request.
//
//   pnpm --filter @cors-internal/examples multi-tenant
//   curl -i -H 'Origin: https://acme.example.com' http://127.0.0.1:3004/api/whoami     # a seeded tenant: allowed
//   curl -i -H 'Origin: https://initech.example.org' http://127.0.0.1:3004/api/whoami  # unknown: no CORS headers
//   pnpm --filter @cors-internal/examples add-tenant Initech https://initech.example.org
//   # ...and after TENANT_CACHE_TTL seconds the same request is allowed, without a restart.
//
// Environment: PORT (default 3004; 0 picks a free one), HOST (default 127.0.0.1),
// TENANTS_DB (default multi-tenant/tenants.db), TENANT_CACHE_TTL (seconds, default 60).
import express from 'express';
import { cors } from '@cors/express';
import { openTenants } from './tenants.mjs';

const db = openTenants();
const findTenant = db.prepare('SELECT id, name FROM tenants WHERE origin = ?');

// better-sqlite3 answers synchronously; a networked database would be awaited here just the same.
// The validator only ever sees a well-formed origin, exactly as the browser sent it, so a plain
// equality look-up is safe: 'https://ACME.example.com' or 'https://acme.example.com:443' never get here.
async function isTenantOrigin(origin) {
  return findTenant.get(origin) !== undefined;
}

const app = express();

app.use(
  cors({
    // Static entries are checked first and never reach the database.
    origin: ['https://admin.example.com', isTenantOrigin],
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT'],
    allowedHeaders: ['content-type'],
    validatorCache: { maxEntries: 10_000, ttl: Number(process.env.TENANT_CACHE_TTL ?? 60) },
    onRefused: (reason) => console.warn(`cors: ${reason.code}: ${reason.message}`),
  }),
);

app.get('/api/whoami', (req, res) => {
  const origin = req.get('origin');
  const tenant = origin === undefined ? undefined : findTenant.get(origin);
  res.json({ tenant: tenant?.name ?? null });
});

const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3004), host, () => {
  const { port } = server.address();
  console.log(`listening on http://${host}:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    db.close();
    process.exit(0);
  });
}
