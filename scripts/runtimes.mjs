#!/usr/bin/env node
// The JavaScript runtimes the Fetch tests run on, from their npm packages: Bun, Deno and Cloudflare's workerd.
//
//   node scripts/runtimes.mjs            installs whatever is missing, prints { bun, deno, workerd } as JSON
//   node scripts/runtimes.mjs --check    prints what is installed, installs nothing (exit 1 if something is missing)
//
// Each binary ships inside a platform package (`@oven/bun-linux-x64`, `@deno/linux-x64-glibc`,
// `@cloudflare/workerd-linux-64`, the ones `bun`, `deno` and `miniflare` install). Their tarballs are fetched with
// `npm pack` (the ordinary client, no install scripts run) and unpacked into a cache folder, one folder per
// package and version: `$CORS_RUNTIMES_DIR`, or `~/.cache/cors-runtimes`. A second run finds them and does nothing.
// workerd is run directly with a generated config rather than through miniflare, which needs Node.js 22.
//
// Tests import { ensureRuntime } from here: it installs on first use and answers from the cache after that.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir, arch, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned versions; bump them here. */
export const RUNTIMES = {
  bun: { package: '@oven/bun-linux-x64', version: '1.4.5', binary: 'bin/bun' },
  deno: { package: '@deno/linux-x64-glibc', version: '2.9.6', binary: 'deno' },
  workerd: { package: '@cloudflare/workerd-linux-64', version: '1.20261117.1', binary: 'bin/workerd' },
};

/** The cache folder. */
export function runtimesDir() {
  return resolve(process.env.CORS_RUNTIMES_DIR || join(homedir(), '.cache', 'cors-runtimes'));
}

function folderOf(name) {
  const { package: pkg, version } = RUNTIMES[name];
  return join(runtimesDir(), `${pkg.replace(/^@/, '').replace('/', '+')}@${version}`);
}

/** The binary's path when it is in the cache, else undefined. */
export function locateRuntime(name) {
  const spec = RUNTIMES[name];
  if (spec === undefined) throw new Error(`unknown runtime ${name}; known: ${Object.keys(RUNTIMES).join(', ')}`);
  const path = join(folderOf(name), spec.binary);
  return existsSync(path) ? path : undefined;
}

function run(command, args, options) {
  return new Promise((done, fail) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: 600_000, ...options }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else done(stdout);
    });
  });
}

// pnpm's script environment must not leak into npm (it warns about settings it does not know).
function npmEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_)/i.test(key)));
}

const pending = new Map();

/**
 * Returns the path of the runtime's binary, fetching and unpacking its package first when it is not cached.
 * Concurrent calls (and concurrent processes: the unpacking happens in a temporary folder renamed into place)
 * share the work.
 */
export function ensureRuntime(name) {
  const found = locateRuntime(name);
  if (found !== undefined) return Promise.resolve(found);
  if (platform() !== 'linux' || arch() !== 'x64') {
    return Promise.reject(new Error(`scripts/runtimes.mjs knows the linux-x64 packages only (this is ${platform()}-${arch()})`));
  }
  if (!pending.has(name)) {
    pending.set(
      name,
      install(name).finally(() => pending.delete(name)),
    );
  }
  return pending.get(name);
}

async function install(name) {
  const spec = RUNTIMES[name];
  mkdirSync(runtimesDir(), { recursive: true });
  const work = mkdtempSync(join(runtimesDir(), `.${name}-`));
  try {
    const out = await run('npm', ['pack', `${spec.package}@${spec.version}`, '--silent', '--pack-destination', work], { cwd: work, env: npmEnv() });
    const tarball = out.trim().split('\n').pop();
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    await run('tar', ['xzf', join(work, tarball), '-C', unpacked, '--strip-components=1']);
    chmodSync(join(unpacked, spec.binary), 0o755);
    const target = folderOf(name);
    try {
      renameSync(unpacked, target);
    } catch (error) {
      // Another process got there first: its copy is as good as ours.
      if (!existsSync(join(target, spec.binary))) throw error;
    }
    return join(target, spec.binary);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Removes cached versions that are no longer pinned. */
function prune() {
  const keep = new Set(Object.keys(RUNTIMES).map((name) => folderOf(name)));
  if (!existsSync(runtimesDir())) return;
  for (const entry of readdirSync(runtimesDir())) {
    const path = join(runtimesDir(), entry);
    const ours = Object.values(RUNTIMES).some((spec) => entry.startsWith(`${spec.package.replace(/^@/, '').replace('/', '+')}@`));
    if (ours && !keep.has(path)) rmSync(path, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const checkOnly = process.argv.includes('--check');
  const paths = {};
  let missing = false;
  for (const name of Object.keys(RUNTIMES)) {
    if (checkOnly) {
      paths[name] = locateRuntime(name) ?? null;
      missing ||= paths[name] === null;
    } else {
      try {
        paths[name] = await ensureRuntime(name);
      } catch (error) {
        console.error(`runtimes: ${name}: ${error.message}`);
        paths[name] = null;
        missing = true;
      }
    }
  }
  if (!checkOnly) prune();
  console.log(JSON.stringify(paths, null, 2));
  process.exitCode = missing ? 1 : 0;
}
