// Starts a Fetch application on a real runtime, as a real server on a loopback port: Bun (`Bun.serve`), Deno
// (`Deno.serve`) or Cloudflare's workerd (its own HTTP socket, the module bundled by esbuild as wrangler does).
// The runtimes come from their npm packages through scripts/runtimes.mjs. The application is an ES module source
// whose default export is `{ fetch }`; bare imports (`@cors/fetch`, `hono`) resolve from this package's
// node_modules, where the module is written.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ensureRuntime } from '../../scripts/runtimes.mjs';
import type { RunningServer } from './types.js';

export type RemoteRuntime = 'bun' | 'deno' | 'workerd';

const here = dirname(fileURLToPath(import.meta.url));
// Inside the package, so that bare imports resolve from its node_modules (Deno loads nothing well from inside
// node_modules itself); the folder ignores itself in git.
const appsDir = resolve(here, '..', '.runtime-apps');
let counter = 0;

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A file URL for an import in a generated module. */
export function importUrl(path: string): string {
  return pathToFileURL(path).href;
}

export interface RuntimeServer extends RunningServer {
  readonly runtime: RemoteRuntime;
  /** What the runtime printed so far (stdout and stderr). */
  output(): string;
}

/**
 * Runs `source` (an ES module whose default export is `{ fetch }`) on `runtime`, listening on 127.0.0.1.
 * `extension` is the module's file extension: `ts` when the source is TypeScript.
 */
export async function startOnRuntime(runtime: RemoteRuntime, source: string, extension: 'ts' | 'mjs' = 'mjs'): Promise<RuntimeServer> {
  const binary = await ensureRuntime(runtime);
  const dir = join(appsDir, `${runtime}-${process.pid}-${++counter}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(appsDir, '.gitignore'), '*\n');
  const entry = join(dir, `app.${extension}`);
  writeFileSync(entry, source);
  try {
    if (runtime === 'workerd') return await startWorkerd(binary, dir, entry);
    const main = join(dir, `main.${extension}`);
    const appUrl = `./app.${extension}`;
    if (runtime === 'bun') {
      writeFileSync(
        main,
        `import app from ${JSON.stringify(appUrl)};\n` +
          `const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (request, bunServer) => app.fetch(request, bunServer) });\n` +
          `console.log('listening on http://127.0.0.1:' + server.port);\n`,
      );
      return await startPrinting('bun', binary, ['run', main], dir);
    }
    writeFileSync(
      main,
      `import app from ${JSON.stringify(appUrl)};\n` +
        `Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log('listening on http://127.0.0.1:' + port) }, (request, info) => app.fetch(request, info));\n`,
    );
    return await startPrinting('deno', binary, ['run', '--quiet', '--no-lock', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', main], dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Started {
  child: ChildProcess;
  output(): string;
}

function launch(binary: string, args: string[], cwd: string): Started {
  const child = spawn(binary, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return () =>
    new Promise<void>((done) => {
      const finish = () => {
        rmSync(dir, { recursive: true, force: true });
        done();
      };
      if (child.exitCode !== null || child.signalCode !== null) return finish();
      child.once('exit', finish);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    });
}

/** Bun and Deno print `listening on URL` once they serve. */
async function startPrinting(runtime: 'bun' | 'deno', binary: string, args: string[], dir: string): Promise<RuntimeServer> {
  const { child, output } = launch(binary, args, dir);
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${runtime} did not start within 20 s:\n${output()}`)), 20_000);
    const look = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
      if (match) {
        clearTimeout(timer);
        done(match[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${runtime} exited (${code}) before listening:\n${output()}`));
    });
  });
  return { runtime, url, port: Number(new URL(url).port), output, close: stopper(child, dir) };
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createNetServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** workerd serves the bundled module on a socket of its own config; outbound fetch may reach loopback. */
async function startWorkerd(binary: string, dir: string, entry: string): Promise<RuntimeServer> {
  await build({
    entryPoints: [entry],
    outfile: join(dir, 'worker.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.capnp'),
      [
        'using Workerd = import "/workerd/workerd.capnp";',
        'const config :Workerd.Config = (',
        '  services = [',
        '    (name = "main", worker = .app),',
        // The test's own collector listens on loopback, which workerd's default network does not reach.
        '    (name = "internet", network = (allow = ["public", "private", "local"])),',
        '  ],',
        `  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],`,
        ');',
        'const app :Workerd.Worker = (',
        '  modules = [ (name = "worker.mjs", esModule = embed "worker.mjs") ],',
        '  compatibilityDate = "2025-09-01",',
        '  compatibilityFlags = ["nodejs_compat"],',
        ');',
        '',
      ].join('\n'),
    );
    const { child, output } = launch(binary, ['serve', 'config.capnp'], dir);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await accepts(port)) {
        return { runtime: 'workerd', url: `http://127.0.0.1:${port}`, port, output, close: stopper(child, dir) };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    lastError = new Error(`workerd did not serve on port ${port}:\n${output()}`);
    await stopper(child, join(dir, '.none'))();
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

/**
 * A loopback HTTP server that a remote application posts JSON lines to. The application awaits each post before
 * it answers, so whatever it reports is here before the response reaches the client.
 */
export interface Collector {
  readonly url: string;
  close(): Promise<void>;
}

export async function startCollector(receive: (entry: unknown) => void): Promise<Collector> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      try {
        for (const entry of JSON.parse(body) as unknown[]) receive(entry);
      } catch {
        // A malformed report is the test's own bug; the assertions that need it will fail.
      }
      res.end('ok');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/**
 * JavaScript source for a value, functions included (as their own source), so options can be rebuilt inside
 * another runtime. Functions must not close over anything but globals.
 */
export function toSource(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (value instanceof RegExp) return `new RegExp(${JSON.stringify(value.source)}, ${JSON.stringify(value.flags)})`;
  if (typeof value === 'function') {
    const text = value.toString();
    // A method written in shorthand (`name() {}`) is not an expression by itself.
    if (/^(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.test(text)) return `(${text})`;
    return `({ ${text} })[${JSON.stringify(value.name)}]`;
  }
  if (Array.isArray(value)) return `[${value.map(toSource).join(', ')}]`;
  if (typeof value === 'object') {
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([key, v]) => `${JSON.stringify(key)}: ${toSource(v)}`)
      .join(', ')} }`;
  }
  throw new Error(`cannot serialise a ${typeof value}`);
}
