// The Hono, Bun, Deno and Workers examples, each started as a user would (Node for Hono; the Bun and Deno
// binaries; workerd serving the worker module, bundled as wrangler does), and checked as a browser would see them.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRuntime } from '../../scripts/runtimes.mjs';
import { startOnRuntime } from '../../framework-matrix/src/fetch-runtimes.js';

const EXAMPLES = fileURLToPath(new URL('..', import.meta.url));

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

/** Runs `command args` in examples/ with PORT=0 and waits for its `listening on http://...` line. */
function start(command: string, args: string[]): Promise<Server> {
  const child = spawn(command, args, { cwd: EXAMPLES, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${args.join(' ')} printed no 'listening on' line within 20 s:\n${output}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ url: match[1], stop });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before listening; is the workspace built (pnpm build)?\n${output}`));
    });
  });
}

const corsHeaderNames = (response: Response): string[] => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
const varyTokens = (response: Response): string[] =>
  (response.headers.get('vary') ?? '').split(',').map((token) => token.trim().toLowerCase()).filter(Boolean);

function preflight(url: string, origin: string, method: string, headers?: string): Promise<Response> {
  const request: Record<string, string> = { origin, 'access-control-request-method': method };
  if (headers !== undefined) request['access-control-request-headers'] = headers;
  return fetch(url, { method: 'OPTIONS', headers: request });
}

const EXAMPLES_TO_START: ReadonlyArray<{ name: string; framework: string; start: () => Promise<Server> }> = [
  { name: 'hono/server.mjs on Node', framework: 'hono', start: () => start(process.execPath, ['hono/server.mjs']) },
  { name: 'bun/server.mjs on Bun', framework: 'bun', start: async () => start(await ensureRuntime('bun'), ['bun/server.mjs']) },
  { name: 'deno/server.mjs on Deno', framework: 'deno', start: async () => start(await ensureRuntime('deno'), ['run', '--no-lock', '--allow-net', '--allow-env', 'deno/server.mjs']) },
  {
    name: 'workers/worker.mjs on workerd',
    framework: 'workerd',
    start: async () => {
      const worker = fileURLToPath(new URL('../workers/worker.mjs', import.meta.url));
      const server = await startOnRuntime('workerd', `export { default } from ${JSON.stringify(worker)};\n`);
      return { url: server.url, stop: server.close };
    },
  },
];

describe.each(EXAMPLES_TO_START)('the $name example', ({ framework, start: startExample }) => {
  let server: Server;
  beforeAll(async () => {
    server = await startExample();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('allows a listed origin, with credentials and the exposed header', async () => {
    const response = await fetch(`${server.url}/api/profile`, { headers: { origin: 'https://app.example.com' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: 'Ada', framework });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(response.headers.get('x-request-id')).not.toBeNull();
    expect(varyTokens(response)).toEqual(['origin']);
  });

  it('refuses another origin and a look-alike: served, with no CORS header at all', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.com']) {
      const response = await fetch(`${server.url}/api/profile`, { headers: { origin } });
      expect(response.status).toBe(200);
      expect(corsHeaderNames(response)).toEqual([]);
      expect(varyTokens(response)).toEqual(['origin']);
    }
  });

  it('answers a preflight from a subdomain pattern', async () => {
    const response = await preflight(`${server.url}/api/profile`, 'https://pr-7.preview.example.com', 'PUT', 'content-type');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://pr-7.preview.example.com');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PUT, DELETE');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type, authorization');
    expect(response.headers.get('access-control-max-age')).toBe('600');
  });

  it('refuses a preflight for a method or a header that is not listed: 403, no CORS header', async () => {
    for (const [method, headers] of [['PATCH', undefined], ['PUT', 'x-evil']] as const) {
      const response = await preflight(`${server.url}/api/profile`, 'https://app.example.com', method, headers);
      expect(response.status).toBe(403);
      expect(corsHeaderNames(response)).toEqual([]);
    }
  });

  it('keeps the CORS headers on a 404', async () => {
    const response = await fetch(`${server.url}/nowhere`, { headers: { origin: 'https://app.example.com' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});
