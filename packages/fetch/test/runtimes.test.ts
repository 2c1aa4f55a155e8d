// The rules specific to Fetch responses, on every runtime @cors/fetch promises, each a real server on a loopback
// port: Node through @hono/node-server, Bun (Bun.serve), Deno (Deno.serve) and Cloudflare's workerd. The same
// application (fixtures/app.ts) runs on each.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../../framework-matrix/src/raw-http.js';
import { startOnRuntime, type RemoteRuntime } from '../../../framework-matrix/src/fetch-runtimes.js';
import { serveOnNode } from '../../../framework-matrix/src/servers/fetch.js';
import type { RunningServer } from '../../../framework-matrix/src/types.js';
import app from './fixtures/app.js';

const APP = 'https://app.example.com';
const FIXTURE = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));
const RUNTIMES = ['node', 'bun', 'deno', 'workerd'] as const;

/** An upstream that sends its head and a first chunk at once, and the rest only when told to. */
interface Upstream {
  readonly url: string;
  finish(): void;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  let pending: ServerResponse | undefined;
  const server: Server = createServer((req, res) => {
    res.writeHead(203, {
      'content-type': 'text/plain',
      'x-upstream': 'yes',
      vary: 'Accept-Language',
      // The upstream's own CORS answer: ours replaces it.
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'DELETE',
    });
    res.write('upstream-first;');
    pending = res;
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stream`,
    finish: () => pending?.end('upstream-last'),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** Reads a streamed body up to `text`, then returns what came so far and a reader for the rest. */
async function readUntil(response: Response, text: string): Promise<{ seen: string; rest: () => Promise<string> }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  while (!seen.includes(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value, { stream: true });
  }
  const rest = async () => {
    let more = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return more;
      more += decoder.decode(value, { stream: true });
    }
  };
  return { seen, rest };
}

function corsNames(headers: Headers): string[] {
  return [...headers.keys()].filter((name) => name.startsWith('access-control-'));
}

describe.each(RUNTIMES)('@cors/fetch on %s', (runtime) => {
  let server: RunningServer;
  let upstream: Upstream;
  beforeAll(async () => {
    upstream = await startUpstream();
    server =
      runtime === 'node'
        ? await serveOnNode(app.fetch)
        : await startOnRuntime(runtime as RemoteRuntime, `export { default } from ${JSON.stringify(FIXTURE)};\n`);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('an allowed request gets the CORS headers and Vary: Origin', async () => {
    const res = await fetch(`${server.url}/resource`, { headers: { origin: APP } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-expose-headers')).toBe('x-upstream');
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('a refused origin is served without any CORS header, with Vary: Origin', async () => {
    const res = await fetch(`${server.url}/resource`, { headers: { origin: 'https://evil.example.com' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(corsNames(res.headers)).toEqual([]);
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('a preflight is answered without the handler: 204, no Content-Length, empty body', async () => {
    const res = await rawRequest(server.url, 'OPTIONS', '/resource', [
      ['Origin', APP],
      ['Access-Control-Request-Method', 'PUT'],
      ['Access-Control-Request-Headers', 'content-type'],
    ]);
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect(res.header('content-length')).toBeUndefined();
    expect(res.header('x-handler-saw')).toBeUndefined();
    expect(res.header('access-control-allow-origin')).toBe(APP);
    expect(res.header('access-control-allow-methods')).toBe('GET, PUT');
    expect(res.header('access-control-allow-headers')).toBe('content-type');
    expect(res.header('vary')).toBe('Origin');
  });

  it('a refused preflight: 403, empty body, no CORS header', async () => {
    const res = await rawRequest(server.url, 'OPTIONS', '/resource', [
      ['Origin', APP],
      ['Access-Control-Request-Method', 'DELETE'],
    ]);
    expect(res.status).toBe(403);
    expect(res.body).toBe('');
    expect(res.header('content-length') ?? '0').toBe('0');
    expect(res.corsHeaderNames()).toEqual([]);
    expect(res.header('x-handler-saw')).toBeUndefined();
  });

  it('OPTIONS without Access-Control-Request-Method, and HEAD, reach the handler', async () => {
    const options = await rawRequest(server.url, 'OPTIONS', '/own-options', [['Origin', APP]]);
    expect(options.status).toBe(200);
    expect(options.body).toBe('own');
    expect(options.header('x-handler-saw')).toBe('OPTIONS');
    expect(options.header('access-control-allow-origin')).toBe(APP);
    expect(options.header('access-control-allow-methods')).toBeUndefined();
    const head = await rawRequest(server.url, 'HEAD', '/resource', [['Origin', APP]]);
    expect(head.status).toBe(200);
    expect(head.header('x-handler-saw')).toBe('HEAD');
    expect(head.header('access-control-allow-origin')).toBe(APP);
  });

  it('two Origin header lines reach Request.headers joined: malformed, so no CORS header', async () => {
    const res = await rawRequest(server.url, 'GET', '/resource', [
      ['Origin', APP],
      ['Origin', 'https://evil.example.com'],
    ]);
    expect(res.status).toBe(200);
    expect(res.corsHeaderNames()).toEqual([]);
    expect(res.header('vary')).toBe('Origin');
  });

  it("the handler's own Vary is merged, never repeated, and Vary: * is left alone", async () => {
    const own = await fetch(`${server.url}/vary`, { headers: { origin: APP } });
    expect(own.headers.get('vary')).toBe('Accept-Encoding, Origin');
    expect(own.headers.get('access-control-allow-origin')).toBe(APP);
    const already = await fetch(`${server.url}/vary-origin`, { headers: { origin: APP } });
    expect(already.headers.get('vary')).toBe('accept, origin');
    const star = await fetch(`${server.url}/vary-star`, { headers: { origin: APP } });
    expect(star.headers.get('vary')).toBe('*');
    await Promise.all([own.text(), already.text(), star.text()]);
  });

  it('a Response.redirect() (immutable headers) is copied with its status and Location', async () => {
    const res = await fetch(`${server.url}/redirect`, { headers: { origin: APP }, redirect: 'manual' });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('https://elsewhere.example/next');
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('vary')).toBe('Origin');
    await res.text();
  });

  it("a proxied fetch() response is copied keeping status, headers and the body stream, unbuffered; the upstream's CORS headers are replaced", async () => {
    const res = await fetch(`${server.url}/proxy?to=${encodeURIComponent(upstream.url)}`, { headers: { origin: APP } });
    expect(res.status).toBe(203);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('vary')).toBe('Accept-Language, Origin');
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    // The head and the first chunk arrived while the upstream has not finished its body: nothing was buffered.
    const { seen, rest } = await readUntil(res, 'upstream-first;');
    expect(seen).toBe('upstream-first;');
    upstream.finish();
    expect(await rest()).toBe('upstream-last');
  });

  it("a refused origin gets none of a proxied upstream's CORS headers", async () => {
    const res = await fetch(`${server.url}/proxy?to=${encodeURIComponent(upstream.url)}`, { headers: { origin: 'https://evil.example.com' } });
    expect(res.status).toBe(203);
    expect(corsNames(res.headers)).toEqual([]);
    const { seen, rest } = await readUntil(res, 'upstream-first;');
    expect(seen).toBe('upstream-first;');
    upstream.finish();
    expect(await rest()).toBe('upstream-last');
  });

  it("the handler's own stream goes out as it is produced", async () => {
    const res = await fetch(`${server.url}/stream?to=${encodeURIComponent(upstream.url)}`, { headers: { origin: APP } });
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('vary')).toBe('Origin');
    const { seen, rest } = await readUntil(res, 'upstream-first;');
    expect(seen).toBe('upstream-first;');
    upstream.finish();
    expect(await rest()).toBe('upstream-last');
  });

  it('a handler that throws, or rejects: the runtime answers its own 500, with no CORS header left', async () => {
    for (const path of ['/throws', '/rejects']) {
      const res = await rawRequest(server.url, 'GET', path, [['Origin', APP]]);
      expect(res.status, path).toBe(500);
      expect(res.corsHeaderNames(), path).toEqual([]);
      expect(res.header('vary'), path).toBeUndefined();
    }
    // And the server goes on serving.
    const after = await fetch(`${server.url}/resource`, { headers: { origin: APP } });
    expect(after.headers.get('access-control-allow-origin')).toBe(APP);
    await after.text();
  });
});
