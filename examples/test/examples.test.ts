// Starts every example as its own process, as a user would, and checks what a browser would see.
// The adapters must be built first (`pnpm build`; `pnpm test` does it).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EXAMPLES = fileURLToPath(new URL('..', import.meta.url));

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

/** Runs `node <script>` with PORT=0 and waits for its `listening on http://...` line. */
function start(script: string, env: Record<string, string> = {}): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: EXAMPLES,
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${script} printed no 'listening on' line within 20 s:\n${output}`));
    }, 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ url: match[1], stop });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before listening; is the workspace built (pnpm build)?\n${output}`));
    });
  });
}

/** The names of the Access-Control-* response headers. */
function corsHeaderNames(response: Response): string[] {
  return [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
}

function varyTokens(response: Response): string[] {
  return (response.headers.get('vary') ?? '').split(',').map((token) => token.trim().toLowerCase()).filter(Boolean);
}

function get(url: string, origin: string): Promise<Response> {
  return fetch(url, { headers: { origin } });
}

function preflight(url: string, origin: string, method: string, headers?: string): Promise<Response> {
  const request: Record<string, string> = { origin, 'access-control-request-method': method };
  if (headers !== undefined) request['access-control-request-headers'] = headers;
  return fetch(url, { method: 'OPTIONS', headers: request });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  { framework: 'express', script: 'express/server.mjs' },
  { framework: 'koa', script: 'koa/server.mjs' },
  { framework: 'fastify', script: 'fastify/server.mjs' },
])('the $framework example', ({ framework, script }) => {
  let server: Server;
  beforeAll(async () => {
    server = await start(script);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('allows a listed origin, with credentials and the exposed header', async () => {
    const response = await get(`${server.url}/api/profile`, 'https://app.example.com');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: 'Ada', framework });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(response.headers.get('x-request-id')).not.toBeNull();
    expect(varyTokens(response)).toContain('origin');
  });

  it('refuses another origin: the request is served, with no CORS header at all', async () => {
    const response = await get(`${server.url}/api/profile`, 'https://evil.example.com');
    expect(response.status).toBe(200);
    expect(corsHeaderNames(response)).toEqual([]);
    expect(varyTokens(response)).toContain('origin');
  });

  it('refuses a look-alike of a listed origin', async () => {
    const response = await get(`${server.url}/api/profile`, 'https://app.example.com.evil.com');
    expect(corsHeaderNames(response)).toEqual([]);
  });

  it('answers a preflight from a subdomain pattern', async () => {
    const response = await preflight(`${server.url}/api/profile`, 'https://pr-7.preview.example.com', 'PUT', 'content-type');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://pr-7.preview.example.com');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PUT, DELETE');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type, authorization');
    expect(response.headers.get('access-control-max-age')).toBe('600');
  });

  it('refuses a preflight for a method that is not listed: 403, no CORS header', async () => {
    const response = await preflight(`${server.url}/api/profile`, 'https://app.example.com', 'PATCH');
    expect(response.status).toBe(403);
    expect(corsHeaderNames(response)).toEqual([]);
  });

  it('refuses a preflight for a header that is not listed, never reflecting it', async () => {
    const response = await preflight(`${server.url}/api/profile`, 'https://app.example.com', 'PUT', 'x-evil');
    expect(response.status).toBe(403);
    expect(corsHeaderNames(response)).toEqual([]);
  });

  if (framework === 'fastify') {
    it("a route with config.cors: false gets no CORS header, even from a listed origin", async () => {
      const response = await get(`${server.url}/internal/health`, 'https://app.example.com');
      expect(response.status).toBe(200);
      expect(corsHeaderNames(response)).toEqual([]);
    });
  }
});

describe('the multi-tenant example (tenants in SQLite, an async validator, validatorCache)', () => {
  const TTL_SECONDS = 1;
  let directory: string;
  let env: Record<string, string>;
  let server: Server;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'cors-examples-'));
    env = { TENANTS_DB: join(directory, 'tenants.db'), TENANT_CACHE_TTL: String(TTL_SECONDS) };
    server = await start('multi-tenant/server.mjs', env);
  });
  afterAll(async () => {
    await server?.stop();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  const addTenant = (name: string, origin: string): string =>
    execFileSync(process.execPath, ['multi-tenant/add-tenant.mjs', name, origin], {
      cwd: EXAMPLES,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it('allows the tenants seeded in the database', async () => {
    for (const [origin, tenant] of [
      ['https://acme.example.com', 'Acme'],
      ['https://globex.example.net', 'Globex'],
    ] as const) {
      const response = await get(`${server.url}/api/whoami`, origin);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(varyTokens(response)).toContain('origin');
      expect(await response.json()).toEqual({ tenant });
    }
  });

  it('allows the static admin origin without asking the database', async () => {
    const response = await get(`${server.url}/api/whoami`, 'https://admin.example.com');
    expect(response.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
  });

  it('answers a tenant preflight', async () => {
    const response = await preflight(`${server.url}/api/whoami`, 'https://acme.example.com', 'PUT', 'content-type');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://acme.example.com');
  });

  it('refuses an origin that is not a tenant, and a tenant origin spelled differently', async () => {
    for (const origin of ['https://stranger.example.org', 'https://ACME.example.com', 'https://acme.example.com:443']) {
      const response = await get(`${server.url}/api/whoami`, origin);
      expect(response.status).toBe(200);
      expect(corsHeaderNames(response)).toEqual([]);
      expect(varyTokens(response)).toContain('origin');
    }
  });

  it('allows a tenant inserted later, once the cached refusal has expired', async () => {
    const origin = 'https://initech.example.org';
    const refusedAt = Date.now();
    const before = await get(`${server.url}/api/whoami`, origin);
    expect(corsHeaderNames(before)).toEqual([]); // and the refusal is now cached for TTL_SECONDS

    expect(addTenant('Initech', origin)).toContain('added Initech');

    // The database already knows the tenant; the cached answer may still be the old one.
    const cached = await get(`${server.url}/api/whoami`, origin);
    expect(await cached.json()).toEqual({ tenant: 'Initech' });
    if (Date.now() - refusedAt < TTL_SECONDS * 1000 - 250) {
      expect(corsHeaderNames(cached)).toEqual([]);
    }

    await sleep(Math.max(0, refusedAt + TTL_SECONDS * 1000 + 150 - Date.now()));
    const after = await get(`${server.url}/api/whoami`, origin);
    expect(after.headers.get('access-control-allow-origin')).toBe(origin);
    expect(after.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('add-tenant refuses an origin written the way browsers never send it', () => {
    expect(() => addTenant('Umbrella', 'https://Umbrella.example.com/')).toThrow();
  });
});
