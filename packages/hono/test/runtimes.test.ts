// @cors/hono on every runtime Hono runs on, each a real server on a loopback port: Node through
// @hono/node-server, Bun, Deno and workerd.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../../framework-matrix/src/raw-http.js';
import { startOnRuntime, type RemoteRuntime } from '../../../framework-matrix/src/fetch-runtimes.js';
import { serveOnNode } from '../../../framework-matrix/src/servers/fetch.js';
import type { RunningServer } from '../../../framework-matrix/src/types.js';
import app from './fixtures/app.js';

const APP = 'https://app.example.com';
const FIXTURE = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));

describe.each(['node', 'bun', 'deno', 'workerd'] as const)('@cors/hono on %s', (runtime) => {
  let server: RunningServer;
  beforeAll(async () => {
    server =
      runtime === 'node'
        ? await serveOnNode(app.fetch)
        : await startOnRuntime(runtime as RemoteRuntime, `import app from ${JSON.stringify(FIXTURE)};\nexport default { fetch: (request) => app.fetch(request) };\n`);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('allowed, refused, and a preflight', async () => {
    const allowed = await rawRequest(server.url, 'GET', '/json', [['Origin', APP]]);
    expect(allowed.status).toBe(200);
    expect(allowed.header('access-control-allow-origin')).toBe(APP);
    expect(allowed.header('access-control-allow-credentials')).toBe('true');
    expect(allowed.header('vary')).toBe('Origin');
    const refused = await rawRequest(server.url, 'GET', '/json', [['Origin', 'https://evil.example.com']]);
    expect(refused.corsHeaderNames()).toEqual([]);
    expect(refused.header('vary')).toBe('Origin');
    const pre = await rawRequest(server.url, 'OPTIONS', '/json', [
      ['Origin', APP],
      ['Access-Control-Request-Method', 'PUT'],
    ]);
    expect(pre.status).toBe(204);
    expect(pre.header('content-length')).toBeUndefined();
    expect(pre.header('access-control-allow-methods')).toBe('GET, PUT');
  });

  it("a route's Vary, an immutable redirect and an onError answer keep the headers", async () => {
    expect((await rawRequest(server.url, 'GET', '/vary', [['Origin', APP]])).header('vary')).toBe('Accept-Encoding, Origin');
    const redirect = await rawRequest(server.url, 'GET', '/redirect', [['Origin', APP]]);
    expect(redirect.status).toBe(302);
    expect(redirect.header('location')).toBe('https://elsewhere.example/');
    expect(redirect.header('access-control-allow-origin')).toBe(APP);
    const error = await rawRequest(server.url, 'GET', '/throws', [['Origin', APP]]);
    expect(error.status).toBe(500);
    expect(error.body).toBe('handled');
    expect(error.header('access-control-allow-origin')).toBe(APP);
  });
});
