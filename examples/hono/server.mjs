// A small Hono 4 API with a safe CORS policy, on Node through @hono/node-server. The same app runs unchanged on
// Bun (`export default app`), Deno (`Deno.serve(app.fetch)`) and Cloudflare Workers.
//
//   pnpm --filter @cors-internal/examples hono
//   curl -i -H 'Origin: https://app.example.com' http://127.0.0.1:3005/api/profile
//
// Environment: PORT (default 3005; 0 picks a free one), HOST (default 127.0.0.1).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { cors } from '@cors/hono';

const app = new Hono();

app.use(
  '*',
  cors({
    origin: ['https://app.example.com', 'https://*.preview.example.com', 'http://localhost:*'],
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
    onRefused: (reason, c) => console.warn(`cors: refused ${c.req.method} ${c.req.path}: ${reason.message}`),
  }),
);

let nextId = 1;
app.use('*', async (c, next) => {
  c.header('X-Request-Id', String(nextId++));
  await next();
});

app.get('/api/profile', (c) => c.json({ name: 'Ada', framework: 'hono' }));
app.put('/api/profile', (c) => c.json({ updated: true }));
// Unknown paths get Hono's own 404, and an error goes to app.onError: both keep their CORS headers.

const host = process.env.HOST ?? '127.0.0.1';
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3005), hostname: host }, ({ port }) => {
  console.log(`listening on http://${host}:${port}`);
});
