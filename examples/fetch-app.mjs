// The API the Bun, Deno and Workers examples share: a plain Fetch handler behind withCors. Each runtime's own
// file only starts it.
import { withCors } from '@cors/fetch';

let nextId = 1;

const api = (runtime) => async (request) => {
  const { pathname } = new URL(request.url);
  const headers = { 'x-request-id': String(nextId++) };
  if (pathname !== '/api/profile') return Response.json({ error: 'not found' }, { status: 404, headers });
  if (request.method === 'GET' || request.method === 'HEAD') return Response.json({ name: 'Ada', framework: runtime }, { headers });
  if (request.method === 'PUT') return Response.json({ updated: true }, { headers });
  return Response.json({ error: 'method not allowed' }, { status: 405, headers: { ...headers, allow: 'GET, HEAD, PUT' } });
};

/** The handler: CORS for every request, the API for everything but preflights. `runtime` names the host. */
export const createHandler = (runtime) =>
  withCors(
  {
    origin: ['https://app.example.com', 'https://*.preview.example.com', 'http://localhost:*'],
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
    onRefused: (reason, request) => console.warn(`cors: refused ${request.method} ${new URL(request.url).pathname}: ${reason.message}`),
  },
  api(runtime),
);
