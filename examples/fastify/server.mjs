// A small Fastify 5 API with a safe CORS policy: an allowlist, cookies allowed, nothing reflected.
//
//   pnpm --filter @cors-internal/examples fastify
//   curl -i -H 'Origin: https://app.example.com' http://127.0.0.1:3003/api/profile
//
// Environment: PORT (default 3003; 0 picks a free one), HOST (default 127.0.0.1).
import Fastify from 'fastify';
import cors from '@cors/fastify';

const app = Fastify({ logger: { level: 'warn' } });

await app.register(cors, {
  origin: ['https://app.example.com', 'https://*.preview.example.com', 'http://localhost:*'],
  credentials: true,
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
  allowedHeaders: ['content-type', 'authorization'],
  exposedHeaders: ['x-request-id'],
  maxAge: 600,
  onRefused: (reason, request) => request.log.warn({ cors: reason.code, origin: reason.origin }, reason.message),
});

let nextId = 1;
app.addHook('onRequest', async (request, reply) => {
  reply.header('X-Request-Id', String(nextId++));
});

// Declare routes after `register`: a route's `config.cors` is read when the route is declared.
app.get('/api/profile', async () => ({ name: 'Ada', framework: 'fastify' }));

app.put('/api/profile', async (request) => ({ updated: true, body: request.body }));

// This route and its preflights get no CORS headers at all: only same-origin pages can read it.
app.get('/internal/health', { config: { cors: false } }, async () => ({ ok: true }));

const host = process.env.HOST ?? '127.0.0.1';
await app.listen({ port: Number(process.env.PORT ?? 3003), host });
console.log(`listening on http://${host}:${app.server.address().port}`);
