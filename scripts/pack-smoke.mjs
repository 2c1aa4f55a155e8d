#!/usr/bin/env node
// Pack smoke test: what `npm install @cors/<adapter>` gives a user, checked from outside the workspace.
//
//   node scripts/pack-smoke.mjs [results-file]
//
// Needs the packages built (`pnpm build`; `pnpm test` does it). It packs every package with `pnpm pack`, installs
// the tarballs into a fresh project under the OS temp dir together with express@5, koa@3, fastify@5, typescript@5
// and @types/node@20 from the npm registry, then, from that project: requires and imports each package, type-checks
// an ESM (.mts) and a CommonJS (.cts) TypeScript consumer, and serves an allowed and a refused request through each
// adapter on a real server. Each check appends one line to the results file (when given) and prints it:
// `pass <name>` or `fail <name>: <why>`. Exits non-zero when any check failed. The temporary project is removed at
// the end; set CORS_PACK_SMOKE_KEEP=1 to keep it.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = process.argv[2] ? resolve(process.argv[2]) : undefined;
const PACKAGES = ['core', 'node', 'express', 'koa', 'fastify', 'nestjs', 'fetch', 'hono', 'doctor'];
// 'nestjs:express' serves a Nest 12 app on Express through @cors/nestjs, 'nestjs:fastify' on Fastify.
const ADAPTERS = ['node', 'express', 'koa', 'fastify', 'nestjs:express', 'nestjs:fastify', 'fetch', 'hono'];
// hono and @hono/node-server: @cors/hono's peer, and the Node server @cors/fetch and @cors/hono are served with.
const FROM_REGISTRY = ['express@5', 'koa@3', 'fastify@5', 'hono@4', '@hono/node-server@2', 'typescript@5', '@types/node@20'];
// What a Nest 12 application has, for @cors/nestjs.
const NEST_FROM_REGISTRY = ['@nestjs/common@12', '@nestjs/core@12', '@nestjs/platform-express@12', '@nestjs/platform-fastify@12', 'reflect-metadata@0.2', 'rxjs@7'];
// Everything a tarball may hold besides dist/.
const PACKAGE_FILES = new Set(['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md']);
const REQUIRED_FILES = ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts'];

let failures = 0;

/** Records one check: one line, so a reason is flattened and cut. */
function record(name, error) {
  let line;
  if (error === undefined) line = `pass ${name}`;
  else {
    failures += 1;
    const why = String(error instanceof Error ? error.message : error).replace(/\s+/g, ' ').trim().slice(0, 600);
    line = `fail ${name}: ${why || 'failed'}`;
  }
  console.log(line);
  if (resultsFile) appendFileSync(resultsFile, `${line}\n`);
}

/** Runs one check; a thrown error (or a rejected promise) fails it. Returns whether it passed. */
async function check(name, body) {
  try {
    await body();
    record(name);
    return true;
  } catch (error) {
    record(name, error);
    return false;
  }
}

// pnpm's script environment must not leak into npm (it warns about unknown settings such as verify-deps-before-run).
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(npm_config_verify_deps_before_run|npm_config_user_agent|npm_command|npm_lifecycle_|npm_package_|pnpm_config_)/i.test(key)),
);

/** Runs a command; resolves with its exit code and output, never rejects (except when it cannot be started). */
function exec(command, args, { cwd, timeout = 120_000 } = {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: { ...cleanEnv, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeout / 1000} s)`;
      child.kill('SIGKILL');
    }, timeout);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? (signal ? 1 : 0), stdout, stderr, output: `${stdout}\n${stderr}`.trim() });
    });
  });
}

/** Like exec, but a non-zero exit is an error that carries the end of the output. */
async function run(command, args, options) {
  const result = await exec(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.output.slice(-500)}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// The fresh project's files.

const LOAD_CHECK = String.raw`'use strict';
// Loaded by load.cjs (require) and load.mjs (import): checks what one package exports, in one module format.
const BAD = { origin: 'https://app.example.com', allowHeaders: ['content-type'] };
const GOOD = { origin: 'https://app.example.com' };

function configErrorOf(make, CorsConfigError) {
  try {
    make();
  } catch (error) {
    if (!(error instanceof CorsConfigError)) throw new Error('a misspelt option threw ' + error + ', not CorsConfigError');
    if (!/allowedHeaders/.test(error.message)) throw new Error('the error does not suggest allowedHeaders: ' + error.message);
    return;
  }
  throw new Error('a misspelt option (allowHeaders) was accepted');
}

module.exports = function checkExports(name, m, resolved, extension) {
  if (!resolved.endsWith('/dist/index' + extension)) throw new Error('@cors/' + name + ' resolved to ' + resolved);
  if (name === 'doctor') {
    for (const key of ['diagnose', 'audit', 'main', 'formatDiagnosis', 'formatAudit']) {
      if (typeof m[key] !== 'function') throw new Error('no ' + key + ' export');
    }
    if (!Array.isArray(m.FAILURE_STEPS) || !m.FAILURE_STEPS.includes('header-not-allowed')) throw new Error('FAILURE_STEPS: ' + m.FAILURE_STEPS);
    if (!Array.isArray(m.FINDING_IDS) || !m.FINDING_IDS.includes('origin-reflected')) throw new Error('FINDING_IDS: ' + m.FINDING_IDS);
    return;
  }
  if (typeof m.CorsConfigError !== 'function') throw new Error('no CorsConfigError export');
  if (name === 'core') {
    for (const key of ['createCorsPolicy', 'parseOrigin', 'mergeVary', 'isThenable']) {
      if (typeof m[key] !== 'function') throw new Error('no ' + key + ' export');
    }
    const decision = m.createCorsPolicy(GOOD).decide('GET', { origin: 'https://app.example.com' });
    const allowOrigin = decision.headers.find((h) => h[0] === 'access-control-allow-origin');
    if (!decision.allowed || !allowOrigin || allowOrigin[1] !== 'https://app.example.com') throw new Error('decide: ' + JSON.stringify(decision));
    configErrorOf(() => m.createCorsPolicy(BAD), m.CorsConfigError);
    return;
  }
  if (name === 'nestjs') {
    if (typeof m.enableCors !== 'function') throw new Error('no enableCors export');
    return;
  }
  if (name === 'fetch') {
    for (const key of ['withCors', 'decideRequest', 'corsRequestHeaders', 'applyDecision', 'writeDecision', 'preflightResponse']) {
      if (typeof m[key] !== 'function') throw new Error('no ' + key + ' export');
    }
    if (typeof m.withCors(GOOD, () => new Response('ok')) !== 'function') throw new Error('withCors(options, handler) did not return a handler');
    configErrorOf(() => m.withCors(BAD, () => new Response('ok')), m.CorsConfigError);
    return;
  }
  if (name === 'node') {
    for (const key of ['withCors', 'writeDecision', 'writeLateDecision', 'writeCorsHeaders', 'keepVary', 'keepCorsHeaders', 'applyKeptVary']) {
      if (typeof m[key] !== 'function') throw new Error('no ' + key + ' export');
    }
    if (typeof m.withCors(GOOD, () => {}) !== 'function') throw new Error('withCors(options, listener) did not return a listener');
    configErrorOf(() => m.withCors(BAD, () => {}), m.CorsConfigError);
    return;
  }
  if (typeof m.cors !== 'function') throw new Error('no cors export');
  if (name === 'fastify') {
    if (m.default !== m.cors) throw new Error('the default export is not cors');
    return;
  }
  if (typeof m.cors(GOOD) !== 'function') throw new Error('cors(options) did not return a middleware');
  configErrorOf(() => m.cors(BAD), m.CorsConfigError);
};
`;

const LOAD_CJS = String.raw`'use strict';
const name = process.argv[2];
const m = require('@cors/' + name);
require('./load-check.cjs')(name, m, require.resolve('@cors/' + name), '.cjs');
`;

const LOAD_ESM = String.raw`import { fileURLToPath } from 'node:url';
import checkExports from './load-check.cjs';
const name = process.argv[2];
const m = await import('@cors/' + name);
checkExports(name, m, fileURLToPath(import.meta.resolve('@cors/' + name)), '.js');
`;

const SERVE = String.raw`// node serve.mjs <adapter>: serves GET /hello through the adapter on a real server, then sends one allowed and one
// refused request with fetch. Prints one JSON line per request: {"check":"allowed"|"refused","error":null|"..."}.
const ALLOWED = 'https://app.example.com';
const REFUSED = 'https://evil.example.net';
const OPTIONS = { origin: ALLOWED, exposedHeaders: ['x-request-id'] };
const adapter = process.argv[2];

async function start() {
  if (adapter === 'node') {
    const { createServer } = await import('node:http');
    const { withCors } = await import('@cors/node');
    const server = createServer(withCors(OPTIONS, (req, res) => res.end(req.url === '/hello' ? 'hello' : '')));
    await new Promise((ok, fail) => {
      server.listen(0, '127.0.0.1', ok);
      server.on('error', fail);
    });
    return { port: server.address().port, close: () => server.close() };
  }
  if (adapter === 'express') {
    const { default: express } = await import('express');
    const { cors } = await import('@cors/express');
    const app = express();
    app.use(cors(OPTIONS));
    app.get('/hello', (req, res) => res.send('hello'));
    const server = await new Promise((ok, fail) => {
      const s = app.listen(0, '127.0.0.1', (error) => (error ? fail(error) : ok(s)));
    });
    return { port: server.address().port, close: () => server.close() };
  }
  if (adapter === 'koa') {
    const { default: Koa } = await import('koa');
    const { cors } = await import('@cors/koa');
    const app = new Koa();
    app.use(cors(OPTIONS));
    app.use((ctx) => {
      if (ctx.path === '/hello') ctx.body = 'hello';
    });
    const server = await new Promise((ok, fail) => {
      const s = app.listen(0, '127.0.0.1', () => ok(s));
      s.on('error', fail);
    });
    return { port: server.address().port, close: () => server.close() };
  }
  if (adapter === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const { default: cors } = await import('@cors/fastify');
    const app = Fastify();
    await app.register(cors, OPTIONS);
    app.get('/hello', async () => 'hello');
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: app.server.address().port, close: () => app.close() };
  }
  if (adapter === 'fetch' || adapter === 'hono') {
    const { serve } = await import('@hono/node-server');
    let fetch;
    if (adapter === 'fetch') {
      const { withCors } = await import('@cors/fetch');
      fetch = withCors(OPTIONS, (request) => new Response(new URL(request.url).pathname === '/hello' ? 'hello' : ''));
    } else {
      const { Hono } = await import('hono');
      const { cors } = await import('@cors/hono');
      const app = new Hono();
      app.use('*', cors(OPTIONS));
      app.get('/hello', (c) => c.text('hello'));
      fetch = app.fetch;
    }
    const server = await new Promise((ok) => {
      const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => ok(s));
    });
    return { port: server.address().port, close: () => server.close() };
  }
  if (adapter.startsWith('nestjs:')) {
    await import('reflect-metadata');
    const { Controller, Get, Module } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    const { enableCors } = await import('@cors/nestjs');
    const platform = adapter === 'nestjs:express' ? new (await import('@nestjs/platform-express')).ExpressAdapter() : new (await import('@nestjs/platform-fastify')).FastifyAdapter();
    // Nest's decorators, applied by hand.
    class HelloController {
      hello() {
        return 'hello';
      }
    }
    Get('hello')(HelloController.prototype, 'hello', Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello'));
    Controller()(HelloController);
    class HelloModule {}
    Module({ controllers: [HelloController] })(HelloModule);
    const app = await NestFactory.create(HelloModule, platform, { logger: false });
    enableCors(app, OPTIONS);
    await app.listen(0, '127.0.0.1');
    return { port: app.getHttpServer().address().port, close: () => app.close() };
  }
  throw new Error('unknown adapter ' + adapter);
}

async function ask(port, origin) {
  const response = await fetch('http://127.0.0.1:' + port + '/hello', { headers: { Origin: origin } });
  const body = await response.text();
  if (response.status !== 200 || body !== 'hello') throw new Error('got ' + response.status + ' ' + JSON.stringify(body.slice(0, 100)));
  return response.headers;
}

const server = await start();
const checks = {
  async allowed() {
    const headers = await ask(server.port, ALLOWED);
    const allowOrigin = headers.get('access-control-allow-origin');
    if (allowOrigin !== ALLOWED) throw new Error('Access-Control-Allow-Origin is ' + JSON.stringify(allowOrigin) + ', not ' + ALLOWED);
    if (headers.get('access-control-expose-headers') !== 'x-request-id') throw new Error('Access-Control-Expose-Headers is ' + JSON.stringify(headers.get('access-control-expose-headers')));
    if (!/(^|,)\s*origin\s*(,|$)/i.test(headers.get('vary') ?? '')) throw new Error('Vary is ' + JSON.stringify(headers.get('vary')));
  },
  async refused() {
    const headers = await ask(server.port, REFUSED);
    const cors = [...headers.keys()].filter((name) => name.startsWith('access-control-'));
    if (cors.length > 0) throw new Error('a refused origin got ' + cors.map((n) => n + ': ' + headers.get(n)).join(', '));
    if (!/(^|,)\s*origin\s*(,|$)/i.test(headers.get('vary') ?? '')) throw new Error('Vary is ' + JSON.stringify(headers.get('vary')));
  },
};
for (const [name, body] of Object.entries(checks)) {
  let error = null;
  try {
    await body();
  } catch (e) {
    error = String(e && e.message ? e.message : e);
  }
  console.log(JSON.stringify({ check: name, error }));
}
await server.close();
process.exit(0);
`;

// node doctor.mjs: serves GET /hello with @cors/express, then runs the installed cors-doctor bin against it for an
// allowed and a refused origin. Prints one JSON line per run: {"check":"allowed"|"refused","error":null|"..."}.
const DOCTOR = String.raw`import { spawn } from 'node:child_process';
import { join } from 'node:path';
const { default: express } = await import('express');
const { cors } = await import('@cors/express');
const app = express();
app.use(cors({ origin: 'https://app.example.com' }));
app.get('/hello', (req, res) => res.send('hello'));
const server = await new Promise((ok) => {
  const s = app.listen(0, '127.0.0.1', () => ok(s));
});
const url = 'http://127.0.0.1:' + server.address().port + '/hello';
const bin = join(process.cwd(), 'node_modules', '.bin', 'cors-doctor');
function run(origin) {
  return new Promise((ok) => {
    const child = spawn(bin, [url, '--origin', origin, '--json']);
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', (e) => ok({ code: -1, out: String(e) }));
    child.on('close', (code) => ok({ code, out }));
  });
}
for (const [check, origin, code, verdict] of [['allowed', 'https://app.example.com', 0, 'allowed'], ['refused', 'https://evil.example.net', 1, 'blocked']]) {
  const r = await run(origin);
  let error = null;
  try {
    const d = JSON.parse(r.out);
    if (r.code !== code || d.verdict !== verdict) error = 'exit ' + r.code + ', verdict ' + d.verdict;
  } catch {
    error = 'exit ' + r.code + ': ' + r.out.slice(0, 200);
  }
  console.log(JSON.stringify({ check, error }));
}
server.close();
`;

// One consumer per module format. Each uses every package with an options object, and shows that a misspelt option
// does not compile: tsc reports an unused @ts-expect-error if the line type-checks.
const CONSUMER_ESM = String.raw`import { createCorsPolicy, CorsConfigError, type CorsDecision, type CorsOptions } from '@cors/core';
import { cors as expressCors, type CorsMiddleware as ExpressCorsMiddleware } from '@cors/express';
import { cors as koaCors, type CorsMiddleware as KoaCorsMiddleware } from '@cors/koa';
import fastifyCors, { cors as namedFastifyCors, type FastifyCorsOptions } from '@cors/fastify';
import { enableCors, type NestCorsApplication } from '@cors/nestjs';
import { withCors, type NodeCorsResponse } from '@cors/node';
import { withCors as withFetchCors, type FetchHandler } from '@cors/fetch';
import { cors as honoCors } from '@cors/hono';
import { diagnose, FAILURE_STEPS, type Diagnosis, type FailureStep } from '@cors/doctor';
import { Hono, type Context } from 'hono';
import { fastify } from 'fastify';
import { createServer } from 'node:http';

const options: CorsOptions = { origin: ['https://app.example.com', 'https://*.preview.example.com'], credentials: true, allowedHeaders: ['content-type'], maxAge: 600 };
const decision: CorsDecision | Promise<CorsDecision> = createCorsPolicy(options).decide('GET', { origin: 'https://app.example.com' });
void decision;
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
createCorsPolicy({ origin: 'https://app.example.com', allowHeaders: ['content-type'] });
export const isConfigError = (error: unknown): boolean => error instanceof CorsConfigError && error.problems.length > 0;

export const firstStep: FailureStep = FAILURE_STEPS[0];
export const runDoctor = (): Promise<Diagnosis> => diagnose({ url: 'https://api.example.com/', origin: 'https://app.example.com', method: 'PUT', credentials: true });
// @ts-expect-error origins is not an option (origin)
export const misspelt = (): Promise<Diagnosis> => diagnose({ url: 'https://api.example.com/', origins: 'https://app.example.com' });

createServer(withCors({ origin: 'https://app.example.com', onRefused: (reason, req) => console.warn(reason.code, req.url) }, (_req, res) => res.end('ok')));
export const asNodeCorsResponse = (res: NodeCorsResponse): NodeCorsResponse => res;
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
withCors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] }, () => {});

const expressMiddleware: ExpressCorsMiddleware = expressCors({ origin: 'https://app.example.com', credentials: true, allowedHeaders: ['content-type'] });
createServer((req, res) => expressMiddleware(req, res, () => res.end('ok')));
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
expressCors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] });

export const koaMiddleware: KoaCorsMiddleware = koaCors({ origin: ['https://app.example.com'], exposedHeaders: ['x-request-id'], maxAge: 600 });
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
koaCors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] });

const app = fastify();
const fastifyOptions: FastifyCorsOptions = { origin: 'https://*.example.com', allowedHeaders: ['content-type'] };
await app.register(fastifyCors, fastifyOptions);
await app.register(namedFastifyCors, { origin: 'https://app.example.com', credentials: true });
app.put('/upload', { config: { cors: { methods: ['PUT'] } } }, async () => 'ok');
app.get('/public', { config: { cors: false } }, async () => 'ok');
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
await app.register(fastifyCors, { origin: 'https://app.example.com', allowHeaders: ['content-type'] });

export const fetchHandler: FetchHandler<[env: { name: string }]> = withFetchCors({ origin: 'https://app.example.com', onRefused: (reason, request: Request) => console.warn(reason.code, request.url) }, async (_request: Request, env: { name: string }) => new Response(env.name));
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
withFetchCors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] }, () => new Response('ok'));

const hono = new Hono<{ Variables: { tenant: string } }>();
hono.use('*', honoCors<{ Variables: { tenant: string } }>({ origin: (origin: string, c: Context<{ Variables: { tenant: string } }>) => c.get('tenant') === 'acme' && origin === 'https://acme.example.com' }));
// @ts-expect-error allowHeaders is hono/cors's name (allowedHeaders)
hono.use('*', honoCors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] }));

export function withNestCors(nestApp: NestCorsApplication): void {
  enableCors(nestApp, { origin: 'https://app.example.com', credentials: true, onRefused: (reason) => console.warn(reason.code) });
  // @ts-expect-error allowHeaders is misspelt (allowedHeaders)
  enableCors(nestApp, { origin: 'https://app.example.com', allowHeaders: ['content-type'] });
}
`;

const CONSUMER_CJS = String.raw`import core = require('@cors/core');
import express = require('@cors/express');
import { cors as koaCors } from '@cors/koa';
import fastifyCors = require('@cors/fastify');
import nestjs = require('@cors/nestjs');
import node = require('@cors/node');
import fetchCors = require('@cors/fetch');
import honoCors = require('@cors/hono');
import doctor = require('@cors/doctor');
import { Hono } from 'hono';
import { fastify } from 'fastify';
import { createServer } from 'node:http';

const options: core.CorsOptions = { origin: ['https://app.example.com', 'https://*.preview.example.com'], credentials: true, allowedHeaders: ['content-type'], maxAge: 600 };
const decision: core.CorsDecision | Promise<core.CorsDecision> = core.createCorsPolicy(options).decide('GET', { origin: 'https://app.example.com' });
void decision;
export const runDoctor = (): Promise<doctor.Diagnosis> => doctor.diagnose({ url: 'https://api.example.com/', origin: 'https://app.example.com' });
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
core.createCorsPolicy({ origin: 'https://app.example.com', allowHeaders: ['content-type'] });
export const isConfigError = (error: unknown): boolean => error instanceof core.CorsConfigError && error.problems.length > 0;

createServer(node.withCors({ origin: 'https://app.example.com', onRefused: (reason, req) => console.warn(reason.code, req.url) }, (_req, res) => res.end('ok')));
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
node.withCors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] }, () => {});

const expressMiddleware: express.CorsMiddleware = express.cors({ origin: 'https://app.example.com', credentials: true, allowedHeaders: ['content-type'] });
createServer((req, res) => expressMiddleware(req, res, () => res.end('ok')));
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
express.cors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] });

export const koaMiddleware = koaCors({ origin: ['https://app.example.com'], exposedHeaders: ['x-request-id'], maxAge: 600 });
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
koaCors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] });

export async function main(): Promise<void> {
  const app = fastify();
  const fastifyOptions: fastifyCors.FastifyCorsOptions = { origin: 'https://*.example.com', allowedHeaders: ['content-type'] };
  await app.register(fastifyCors.cors, fastifyOptions);
  await app.register(fastifyCors.default, { origin: 'https://app.example.com', credentials: true });
  app.put('/upload', { config: { cors: { methods: ['PUT'] } } }, async () => 'ok');
  app.get('/public', { config: { cors: false } }, async () => 'ok');
  // @ts-expect-error allowHeaders is misspelt (allowedHeaders)
  await app.register(fastifyCors.cors, { origin: 'https://app.example.com', allowHeaders: ['content-type'] });
}

export const fetchHandler = fetchCors.withCors({ origin: 'https://app.example.com' }, async () => new Response('ok'));
// @ts-expect-error allowHeaders is misspelt (allowedHeaders)
fetchCors.withCors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] }, () => new Response('ok'));
new Hono().use('*', honoCors.cors({ origin: ['https://app.example.com'], credentials: true }));
// @ts-expect-error allowHeaders is hono/cors's name (allowedHeaders)
honoCors.cors({ origin: 'https://app.example.com', allowHeaders: ['content-type'] });

export function withNestCors(nestApp: nestjs.NestCorsApplication): void {
  nestjs.enableCors(nestApp, { origin: 'https://app.example.com', credentials: true });
  // @ts-expect-error allowHeaders is misspelt (allowedHeaders)
  nestjs.enableCors(nestApp, { origin: 'https://app.example.com', allowHeaders: ['content-type'] });
}
`;

function tsconfig(file) {
  return `${JSON.stringify(
    {
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        lib: ['es2022'],
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        noUnusedLocals: true,
      },
      files: [file],
    },
    null,
    2,
  )}\n`;
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'cors-pack-smoke-'));
  const app = join(work, 'app');
  mkdirSync(app);
  console.log(`pack smoke in ${work}`);

  // 1. Pack each package as it would be published.
  const tarballs = {};
  for (const name of PACKAGES) {
    await check(`pack-smoke pack @cors/${name}`, async () => {
      const destination = join(work, 'tarballs', name);
      mkdirSync(destination, { recursive: true });
      await run('pnpm', ['pack', '--pack-destination', destination], { cwd: join(root, 'packages', name) });
      const [file, ...more] = readdirSync(destination).filter((f) => f.endsWith('.tgz'));
      if (!file || more.length > 0) throw new Error(`expected one tarball in ${destination}`);
      const tarball = join(destination, file);
      tarballs[name] = tarball; // usable for the install below even if a check of its contents fails
      const listing = (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean).map((entry) => entry.replace(/^package\//, ''));
      const missing = REQUIRED_FILES.filter((f) => !listing.includes(f));
      if (missing.length > 0) throw new Error(`the tarball lacks ${missing.join(', ')}`);
      const stray = listing.filter((f) => !PACKAGE_FILES.has(f) && !f.startsWith('dist/'));
      if (stray.length > 0) throw new Error(`the tarball holds files that are not for users: ${stray.join(', ')}`);
      const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout);
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
          if (String(range).startsWith('workspace:')) throw new Error(`${field}.${dep} is still ${range}`);
        }
      }
    });
  }

  // 2. Install them, with the frameworks, into a fresh project outside the workspace.
  const packed = PACKAGES.every((name) => tarballs[name]);
  const installed = await check('pack-smoke npm install', async () => {
    if (!packed) throw new Error('skipped: a package did not pack');
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'cors-pack-smoke', version: '0.0.0', private: true }, null, 2)}\n`);
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...PACKAGES.map((name) => tarballs[name]), ...FROM_REGISTRY, ...NEST_FROM_REGISTRY], {
      cwd: app,
      timeout: 300_000,
    });
  });
  const needInstall = () => {
    if (!installed) throw new Error('skipped: npm install failed');
  };

  // 3. require() and import each package.
  writeFileSync(join(app, 'load-check.cjs'), LOAD_CHECK);
  writeFileSync(join(app, 'load.cjs'), LOAD_CJS);
  writeFileSync(join(app, 'load.mjs'), LOAD_ESM);
  for (const name of PACKAGES) {
    for (const [how, script] of [['require', 'load.cjs'], ['import', 'load.mjs']]) {
      await check(`pack-smoke ${how} @cors/${name}`, async () => {
        needInstall();
        await run(process.execPath, [script, name], { cwd: app, timeout: 60_000 });
      });
    }
  }

  // 4. Type-check a TypeScript consumer in each module format, with the declarations of each format.
  writeFileSync(join(app, 'consumer.mts'), CONSUMER_ESM);
  writeFileSync(join(app, 'consumer.cts'), CONSUMER_CJS);
  writeFileSync(join(app, 'tsconfig.esm.json'), tsconfig('consumer.mts'));
  writeFileSync(join(app, 'tsconfig.cjs.json'), tsconfig('consumer.cts'));
  for (const [format, config, declarations] of [
    ['ESM (.mts)', 'tsconfig.esm.json', 'index.d.ts'],
    ['CommonJS (.cts)', 'tsconfig.cjs.json', 'index.d.cts'],
  ]) {
    await check(`pack-smoke type-check ${format} consumer`, async () => {
      needInstall();
      const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
      const result = await exec(process.execPath, [tsc, '-p', config, '--listFiles', '--pretty', 'false'], { cwd: app, timeout: 180_000 });
      const errors = result.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
      if (result.code !== 0 || errors.length > 0) throw new Error(errors.join(' | ') || result.output.slice(-500));
      for (const name of PACKAGES) {
        const expected = `/node_modules/@cors/${name}/dist/${declarations}`;
        if (!result.stdout.split('\n').some((line) => line.endsWith(expected))) throw new Error(`@cors/${name} was not typed by dist/${declarations}`);
      }
    });
  }

  // 5. Serve an allowed and a refused request through each adapter.
  writeFileSync(join(app, 'serve.mjs'), SERVE);
  for (const adapter of ADAPTERS) {
    let outcome;
    const serve = async () => {
      needInstall();
      outcome ??= (async () => {
        const result = await run(process.execPath, ['serve.mjs', adapter], { cwd: app, timeout: 60_000 });
        return Object.fromEntries(
          result.stdout
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line))
            .map((entry) => [entry.check, entry.error]),
        );
      })();
      return outcome;
    };
    for (const kind of ['allowed', 'refused']) {
      await check(`pack-smoke serve @cors/${adapter} ${kind} origin`, async () => {
        const errors = await serve();
        if (!(kind in errors)) throw new Error(`serve.mjs printed no result for the ${kind} request`);
        if (errors[kind] !== null) throw new Error(errors[kind]);
      });
    }
  }

  // 6. The cors-doctor bin, as npx runs it.
  writeFileSync(join(app, 'doctor.mjs'), DOCTOR);
  await check('pack-smoke bin cors-doctor', async () => {
    needInstall();
    const result = await run(process.execPath, ['doctor.mjs'], { cwd: app, timeout: 60_000 });
    const lines = result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    if (lines.length !== 2) throw new Error(`doctor.mjs printed ${lines.length} results: ${result.output.slice(-300)}`);
    const failed = lines.filter((l) => l.error !== null);
    if (failed.length > 0) throw new Error(failed.map((l) => `${l.check}: ${l.error}`).join('; '));
  });

  if (process.env.CORS_PACK_SMOKE_KEEP === '1') console.log(`kept ${work}`);
  else {
    rmSync(work, { recursive: true, force: true });
    if (failures > 0) console.log('run with CORS_PACK_SMOKE_KEEP=1 to keep the temporary project for a look');
  }
}

try {
  await main();
} catch (error) {
  record('pack-smoke', error);
}
console.log(failures === 0 ? 'pack smoke: all checks passed' : `pack smoke: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
