// The doctor's verdict against real headless Chromium: the same fetch() from a page on http://app.localhost (or
// http://evil.localhost) to real servers on http://api.localhost, and the doctor and the browser must agree on
// allowed or blocked, on the expected verdict, on the line Chromium prints in its console (word for word), and
// on which response headers the script can read.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserRequired, findChromium, launchChromium, type LaunchedChromium } from '../../../browser-tests/src/chromium.js';
import { diagnose, type FailureStep } from '../src/index.js';
import { adapterExpress, CAREFUL, corsWith, nodeServer, type Running } from './servers.mjs';
import { isPreflight, type Handler } from './support.js';

const lookup = findChromium();
const runSuite = lookup.found || browserRequired();
if (!runSuite) console.warn(`[doctor] Chromium test skipped: ${lookup.message}`);

interface Request {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly credentials?: boolean;
  readonly body?: string;
}

interface Scenario {
  readonly name: string;
  /** Which server (started in beforeAll) and path. */
  readonly server: string;
  readonly path?: string;
  /** The page the request comes from. */
  readonly from?: 'app' | 'evil';
  readonly request?: Request;
  readonly expect: 'allowed' | 'blocked';
  readonly step?: FailureStep;
  /**
   * Where Chromium does not follow the Fetch standard, the doctor follows the standard and says so; the
   * scenario then checks that Chromium still differs, so the day it changes this test says so.
   */
  readonly chromium?: 'allowed';
}

type BrowserResult = { allowed: true; status: number; readable: string[] } | { allowed: false; error: string };

/** Runs in the page: fetch() and the names of the headers the script can read. Self-contained. */
function pageFetch(spec: { url: string; method: string; headers: Record<string, string>; credentials: string; body?: string }): Promise<BrowserResult> {
  const init: Record<string, unknown> = { method: spec.method, headers: spec.headers, credentials: spec.credentials, cache: 'no-store' };
  if (spec.body !== undefined) init.body = spec.body;
  return fetch(spec.url, init as RequestInit).then(
    async (response) => {
      await response.text();
      const readable: string[] = [];
      (response.headers as unknown as { forEach(f: (v: string, k: string) => void): void }).forEach((_v, k) => readable.push(k));
      return { allowed: true as const, status: response.status, readable: readable.sort() };
    },
    (error: unknown) => ({ allowed: false as const, error: String(error) }),
  );
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'simple GET, exposed header', server: 'express', expect: 'allowed' },
  { name: 'credentialed GET', server: 'express', request: { credentials: true }, expect: 'allowed' },
  { name: 'preflighted PUT with JSON and a custom header', server: 'express', request: { method: 'PUT', headers: { 'content-type': 'application/json', 'x-trace': '1' }, credentials: true, body: '{}' }, expect: 'allowed' },
  { name: 'a header the list lacks (cors)', server: 'careful', request: { method: 'PUT', headers: { 'x-secret': '1', 'x-trace': '1' } }, expect: 'blocked', step: 'header-not-allowed' },
  { name: 'a header the list lacks (@cors refuses the preflight)', server: 'express', request: { method: 'PUT', headers: { 'x-secret': '1' } }, expect: 'blocked', step: 'allow-origin-missing' },
  { name: 'a method the list lacks', server: 'careful', request: { method: 'DELETE' }, expect: 'blocked', step: 'method-not-allowed' },
  { name: 'a foreign origin', server: 'express', from: 'evil', expect: 'blocked', step: 'allow-origin-missing' },
  { name: 'a foreign origin, one fixed origin sent to everyone', server: 'fixed', from: 'evil', expect: 'blocked', step: 'allow-origin-mismatch' },
  { name: '* with credentials', server: 'starCredentials', request: { credentials: true }, expect: 'blocked', step: 'wildcard-with-credentials' },
  { name: '* without credentials', server: 'starCredentials', expect: 'allowed' },
  { name: 'authentication before CORS', server: 'authBefore', request: { headers: { authorization: 'Bearer good' }, credentials: true }, expect: 'blocked', step: 'allow-origin-missing' },
  { name: 'CORS, then authentication answers the preflight 401', server: 'authAfter', request: { method: 'PUT' }, expect: 'blocked', step: 'preflight-status' },
  { name: 'a redirecting preflight', server: 'redirectPreflight', request: { method: 'PUT' }, expect: 'blocked', step: 'preflight-redirect' },
  { name: 'no Access-Control-Allow-Credentials', server: 'expressNoCredentials', request: { credentials: true }, expect: 'blocked', step: 'allow-credentials-missing' },
  { name: "Access-Control-Allow-Credentials: 'True'", server: 'credentialsTrue', request: { credentials: true }, expect: 'blocked', step: 'allow-credentials-invalid' },
  { name: 'two Access-Control-Allow-Origin headers', server: 'twoOrigins', expect: 'blocked', step: 'allow-origin-multiple' },
  { name: 'a trailing slash in Access-Control-Allow-Origin', server: 'trailingSlash', expect: 'blocked', step: 'allow-origin-mismatch' },
  { name: 'a host without scheme in Access-Control-Allow-Origin', server: 'noScheme', expect: 'blocked', step: 'allow-origin-invalid' },
  { name: 'Access-Control-Allow-Headers: * without credentials', server: 'star', request: { headers: { 'x-anything': '1' } }, expect: 'allowed' },
  { name: 'Access-Control-Allow-Headers: * with credentials', server: 'starWithCredentials', request: { headers: { 'x-anything': '1' }, credentials: true }, expect: 'blocked', step: 'header-not-allowed' },
  { name: 'Authorization under Access-Control-Allow-Headers: *', server: 'star', request: { headers: { authorization: 'Bearer x' } }, expect: 'blocked', step: 'header-not-allowed', chromium: 'allowed' },
  { name: 'an Access-Control-Allow-Methods that does not parse', server: 'badMethods', request: { method: 'PUT' }, expect: 'blocked', step: 'allow-methods-invalid' },
  { name: 'a POST with text/plain needs no preflight', server: 'noOptions', request: { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: 'hi' }, expect: 'allowed' },
  { name: 'a POST with application/json needs one', server: 'noOptions', request: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, expect: 'blocked', step: 'preflight-status' },
  { name: 'a safelisted header over 128 bytes needs one', server: 'noOptions', request: { headers: { 'accept-language': `en-GB,${'x'.repeat(130)}` } }, expect: 'blocked', step: 'preflight-status' },
  { name: 'a single byte range needs none', server: 'noOptions', request: { headers: { range: 'bytes=0-3' } }, expect: 'allowed' },
  { name: 'two byte ranges need one', server: 'noOptions', request: { headers: { range: 'bytes=0-1,3-4' } }, expect: 'blocked', step: 'preflight-status' },
  { name: 'a cross-origin redirect to a server that allows *', server: 'redirectToStar', expect: 'allowed' },
  { name: 'a cross-origin redirect: Origin becomes null, which @cors refuses', server: 'redirectToExpress', expect: 'blocked', step: 'allow-origin-missing' },
  { name: 'a redirect to a URL with credentials in it', server: 'redirectWithCredentials', expect: 'blocked', step: 'redirect-not-allowed' },
  { name: 'a preflight that passes, then a response without CORS headers', server: 'preflightOnly', request: { method: 'PUT' }, expect: 'blocked', step: 'allow-origin-missing' },
  { name: 'Access-Control-Expose-Headers: *', server: 'exposeAll', expect: 'allowed' },
  { name: '@cors with debug: a refused header, and the reason in Cors-Refusal', server: 'expressDebug', request: { method: 'PUT', headers: { 'x-secret': '1' } }, expect: 'blocked', step: 'allow-origin-missing' },
];

describe.skipIf(!runSuite)(`the doctor agrees with Chromium${lookup.found ? '' : ` (${lookup.message})`}`, () => {
  let chromium: LaunchedChromium;
  let context: BrowserContext;
  let pageServer: Server;
  const pages: Record<'app' | 'evil', { page: Page; origin: string; console: string[] }> = {} as never;
  const servers: Record<string, Running> = {};

  beforeAll(async () => {
    if (!lookup.found) throw new Error(`CI=true requires a browser, and there is ${lookup.message}`);
    pageServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>cors-doctor</title><p>page'));
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', () => resolve()));
    const pagePort = (pageServer.address() as AddressInfo).port;
    const app = `http://app.localhost:${pagePort}`;
    const evil = `http://evil.localhost:${pagePort}`;

    const echo = (origin: string | undefined) => origin ?? '';
    const api = (handler: Handler) => nodeServer(handler, 'api.localhost');
    const careful = { ...CAREFUL, origin: [app] };
    const started = await Promise.all([
      ['express', adapterExpress(careful, 'api.localhost')],
      ['expressDebug', adapterExpress({ ...careful, debug: true }, 'api.localhost')],
      ['expressNoCredentials', adapterExpress({ ...careful, credentials: false }, 'api.localhost')],
      ['careful', corsWith({ origin: [app], credentials: true, methods: ['GET', 'HEAD', 'POST', 'PUT'], allowedHeaders: ['content-type', 'x-trace'] }, 'api.localhost')],
      ['fixed', corsWith({ origin: app }, 'api.localhost')],
      ['starCredentials', corsWith({ origin: '*', credentials: true }, 'api.localhost')],
      [
        'authBefore',
        api((req, res) => {
          if (req.headers.authorization !== 'Bearer good') return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
          res.writeHead(200, { 'access-control-allow-origin': echo(req.headers.origin), 'access-control-allow-credentials': 'true', 'access-control-allow-headers': 'authorization', vary: 'Origin' }).end('ok');
        }),
      ],
      ['authAfter', api((req, res) => res.writeHead(isPreflight(req) ? 401 : 200, { 'access-control-allow-origin': echo(req.headers.origin), 'access-control-allow-methods': 'PUT', vary: 'Origin' }).end())],
      ['redirectPreflight', api((req, res) => (isPreflight(req) ? res.writeHead(308, { location: '/data/' }).end() : res.writeHead(200, { 'access-control-allow-origin': echo(req.headers.origin) }).end('ok')))],
      ['credentialsTrue', api((req, res) => res.writeHead(200, { 'access-control-allow-origin': echo(req.headers.origin), 'access-control-allow-credentials': 'True' }).end('ok'))],
      ['twoOrigins', api((req, res) => res.writeHead(200, [['Access-Control-Allow-Origin', echo(req.headers.origin)], ['Access-Control-Allow-Origin', echo(req.headers.origin)]]).end('ok'))],
      ['trailingSlash', api((req, res) => res.writeHead(200, { 'access-control-allow-origin': `${echo(req.headers.origin)}/` }).end('ok'))],
      // The host alone: with its port, `app.localhost:1234` would parse as a URL with the scheme `app.localhost`.
      ['noScheme', api((req, res) => res.writeHead(200, { 'access-control-allow-origin': new URL(echo(req.headers.origin)).hostname }).end('ok'))],
      ['star', api((req, res) => res.writeHead(isPreflight(req) ? 204 : 200, { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' }).end())],
      [
        'starWithCredentials',
        api((req, res) => res.writeHead(isPreflight(req) ? 204 : 200, { 'access-control-allow-origin': echo(req.headers.origin), 'access-control-allow-credentials': 'true', 'access-control-allow-headers': '*' }).end()),
      ],
      ['badMethods', api((req, res) => res.writeHead(isPreflight(req) ? 204 : 200, { 'access-control-allow-origin': echo(req.headers.origin), 'access-control-allow-methods': 'GET PUT' }).end())],
      // Answers every request with CORS headers, but has no OPTIONS route: 404, so any preflight fails.
      ['noOptions', api((req, res) => res.writeHead(req.method === 'OPTIONS' ? 404 : 200, { 'access-control-allow-origin': echo(req.headers.origin) }).end(req.method === 'OPTIONS' ? 'no route' : 'ok'))],
      ['preflightOnly', api((req, res) => res.writeHead(isPreflight(req) ? 204 : 200, isPreflight(req) ? { 'access-control-allow-origin': echo(req.headers.origin), 'access-control-allow-methods': 'PUT' } : {}).end())],
      ['exposeAll', api((req, res) => res.writeHead(200, { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*', 'x-request-id': '7', 'x-other': '8', etag: '"e"' }).end('ok'))],
      ['starOther', nodeServer((_req, res) => res.writeHead(200, { 'access-control-allow-origin': '*' }).end('final'), 'other.localhost')],
    ] as const);
    for (const [name, promise] of started) servers[name] = await promise;
    // Servers that redirect to the ones above.
    const redirecting = await Promise.all([
      ['redirectToStar', api((req, res) => res.writeHead(302, { location: `${servers.starOther!.url}/final`, 'access-control-allow-origin': echo(req.headers.origin) }).end())],
      ['redirectToExpress', api((req, res) => res.writeHead(302, { location: `${servers.express!.url.replace('api.localhost', 'other.localhost')}/data`, 'access-control-allow-origin': echo(req.headers.origin) }).end())],
      [
        'redirectWithCredentials',
        api((req, res) =>
          req.url!.startsWith('/data')
            ? res.writeHead(302, { location: `http://user:secret@api.localhost:${(req.socket.address() as AddressInfo).port}/final`, 'access-control-allow-origin': echo(req.headers.origin) }).end()
            : res.writeHead(200, { 'access-control-allow-origin': '*' }).end('final'),
        ),
      ],
    ] as const);
    for (const [name, promise] of redirecting) servers[name] = await promise;

    chromium = await launchChromium(lookup.path);
    context = await chromium.newContext();
    for (const [key, origin] of [['app', app], ['evil', evil]] as const) {
      const page = await context.newPage();
      const consoleLines: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleLines.push(m.text());
      });
      await page.goto(`${origin}/`);
      pages[key] = { page, origin, console: consoleLines };
    }
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await chromium?.close();
    await Promise.all(Object.values(servers).map((s) => s.close()));
    await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
  });

  it('runs at least 20 scenarios, both verdicts well represented', () => {
    expect(SCENARIOS.filter((s) => s.chromium === undefined).length).toBeGreaterThanOrEqual(20);
    expect(SCENARIOS.filter((s) => s.expect === 'allowed').length).toBeGreaterThanOrEqual(8);
    expect(SCENARIOS.filter((s) => s.expect === 'blocked').length).toBeGreaterThanOrEqual(12);
  });

  let run = 0;
  it.each(SCENARIOS)('$name: $expect', async (scenario) => {
    const where = pages[scenario.from ?? 'app'];
    const server = servers[scenario.server]!;
    // A fresh path per run, so no cache of the browser's answers for another.
    const url = `${server.url}${scenario.path ?? '/data'}?run=${++run}`;
    const method = scenario.request?.method ?? 'GET';
    const headers = scenario.request?.headers ?? {};
    const credentials = scenario.request?.credentials === true;

    const doctor = await diagnose({ url, origin: where.origin, method, headers, credentials });
    const before = where.console.length;
    const browser = await where.page.evaluate(pageFetch, { url, method, headers, credentials: credentials ? 'include' : 'same-origin', body: scenario.request?.body });

    if (scenario.chromium !== undefined) {
      expect(browser.allowed ? 'allowed' : 'blocked', 'Chromium still departs from the standard here').toBe(scenario.chromium);
      expect(doctor.verdict).toBe(scenario.expect);
      expect(doctor.failure?.step).toBe(scenario.step);
      expect(doctor.failure!.fix.join(' ')).toContain('Chromium (156 when this was written) still lets it through');
      return;
    }
    expect(browser.allowed ? 'allowed' : 'blocked', 'what Chromium did').toBe(scenario.expect);
    expect(doctor.verdict, JSON.stringify(doctor.failure)).toBe(browser.allowed ? 'allowed' : 'blocked');
    if (scenario.step) expect(doctor.failure?.step).toBe(scenario.step);
    if (browser.allowed) {
      expect(doctor.readableHeaders).toEqual(browser.readable);
      expect(doctor.status).toBe(browser.status);
    } else {
      // Chromium's console line arrives just after the rejection.
      const deadline = Date.now() + 2000;
      while (!where.console.slice(before).some((l) => l.startsWith('Access to fetch at')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const lines = where.console.slice(before).filter((l) => l.startsWith('Access to fetch at'));
      expect(lines, `the line Chromium printed\nchromium: ${lines.join('\n')}\ndoctor:   ${doctor.failure!.message}`).toContain(doctor.failure!.message);
    }
    if (scenario.server === 'expressDebug') expect(doctor.server.refusal).toMatchObject({ code: 'header-not-allowed', params: { header: ['x-secret'] } });
  });
});
