// A small Express 5 API with a safe CORS policy: an allowlist, cookies allowed, nothing reflected.
//
//   pnpm --filter @cors-internal/examples express
//   curl -i -H 'Origin: https://app.example.com' http://127.0.0.1:3001/api/profile
//
// Environment: PORT (default 3001; 0 picks a free one), HOST (default 127.0.0.1).
import express from 'express';
import { cors } from '@cors/express';

const app = express();

app.use(
  cors({
    // Exact origins, every subdomain of preview.example.com, and any local dev server port.
    origin: ['https://app.example.com', 'https://*.preview.example.com', 'http://localhost:*'],
    credentials: true, // browsers may send cookies; refused together with '*' at start-up
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
    // Silent by default: log why a browser was turned away.
    onRefused: (reason, req) => console.warn(`cors: refused ${req.method} ${req.path}: ${reason.message}`),
  }),
);

app.use(express.json());

let nextId = 1;
app.use((req, res, next) => {
  res.setHeader('X-Request-Id', String(nextId++));
  next();
});

app.get('/api/profile', (req, res) => {
  res.json({ name: 'Ada', framework: 'express' });
});

app.put('/api/profile', (req, res) => {
  res.json({ updated: true, body: req.body });
});

const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3001), host, () => {
  const { port } = server.address();
  console.log(`listening on http://${host}:${port}`);
});
