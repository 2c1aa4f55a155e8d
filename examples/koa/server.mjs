// A small Koa 3 API with a safe CORS policy: an allowlist, cookies allowed, nothing reflected.
//
//   pnpm --filter @cors-internal/examples koa
//   curl -i -H 'Origin: https://app.example.com' http://127.0.0.1:3002/api/profile
//
// Environment: PORT (default 3002; 0 picks a free one), HOST (default 127.0.0.1).
import Koa from 'koa';
import { cors } from '@cors/koa';

const app = new Koa();

app.use(
  cors({
    origin: ['https://app.example.com', 'https://*.preview.example.com', 'http://localhost:*'],
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
    onRefused: (reason, ctx) => console.warn(`cors: refused ${ctx.method} ${ctx.path}: ${reason.message}`),
  }),
);

let nextId = 1;
app.use(async (ctx, next) => {
  ctx.set('X-Request-Id', String(nextId++));
  await next();
});

// A router is not needed for two routes; @koa/router works the same way (see packages/koa/README.md).
app.use(async (ctx) => {
  if (ctx.path !== '/api/profile') ctx.throw(404); // CORS headers stay on the error response
  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    ctx.body = { name: 'Ada', framework: 'koa' };
  } else if (ctx.method === 'PUT') {
    ctx.body = { updated: true };
  } else {
    ctx.throw(405);
  }
});

const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3002), host, () => {
  const { port } = server.address();
  console.log(`listening on http://${host}:${port}`);
});
