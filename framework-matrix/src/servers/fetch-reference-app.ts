// The reference application of types.ts as a Fetch handler, for @cors/fetch on every runtime (Node through
// @hono/node-server, Bun, Deno, workerd). It imports nothing, so the same file runs everywhere: Bun and Deno load
// it as TypeScript, workerd gets it bundled. A Fetch handler has no framework to turn a thrown error into a
// response, so the app does that itself, inside withCors, as a real application that wants CORS headers on its
// errors would; what happens when an error escapes withCors is tested in packages/fetch.

const RESOURCE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

function text(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
}

async function route(request: Request, path: string): Promise<Response> {
  const method = request.method;
  const get = method === 'GET' || method === 'HEAD';
  switch (path) {
    case '/resource':
      if (RESOURCE_METHODS.has(method)) return text('ok', 200, { 'x-request-id': '42' });
      break;
    case '/cookie':
      if (get) return text(request.headers.get('cookie') ?? '');
      break;
    case '/set-cookie':
      if (get) return text('set', 200, { 'set-cookie': 'session=s3cr3t; Path=/; SameSite=None; Secure' });
      break;
    case '/own-options':
      if (get || method === 'OPTIONS') return text('own', 200, { 'x-own-options': 'yes' });
      break;
    case '/throws':
      if (get) throw new Error('boom');
      break;
    case '/vary':
      if (get) return text('ok', 200, { vary: 'Accept-Encoding' });
      break;
    case '/vary-star':
      if (get) return text('ok', 200, { vary: '*' });
      break;
    case '/schema':
      if (method === 'POST') {
        let name: unknown;
        try {
          const body: unknown = JSON.parse(await request.text());
          name = body !== null && typeof body === 'object' ? (body as { name?: unknown }).name : undefined;
        } catch {
          name = undefined;
        }
        return typeof name === 'string' ? text('ok') : text('body must be JSON { "name": string }', 400);
      }
      break;
  }
  return text('Not Found', 404);
}

/**
 * The reference routes as a Fetch handler. `seen` is called with `METHOD path` for every request that reaches
 * them. A thrown error becomes a 500, as a framework's default error handler would answer.
 */
export function referenceFetchHandler(seen?: (line: string) => void): (request: Request) => Promise<Response> {
  return async (request) => {
    const path = new URL(request.url).pathname;
    seen?.(`${request.method} ${path}`);
    try {
      return await route(request, path);
    } catch {
      return text('Internal Server Error', 500);
    }
  };
}
