// The browser decides: real Chromium judges every adapter on every framework major. The page comes from one
// origin (http://app.localhost:P), the API from another (http://api.localhost:Q, the reference app behind our
// adapter, reached through a counting proxy), and each assertion is what the browser let the script see.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FRAMEWORK_MAJORS, type FrameworkMajor } from '../../framework-matrix/src/types.js';
import { browserRequired, findChromium, launchChromium, type LaunchedChromium } from '../src/chromium.js';
import {
  browserFetch,
  openPage,
  sandboxedFrame,
  startApi,
  type ApiUnderTest,
  type BrowserVerdict,
  type CorsOptions,
} from '../src/harness.js';
import { startPageServer, type PageServer } from '../src/page-server.js';

const lookup = findChromium();
const runSuite = lookup.found || browserRequired();
if (!runSuite) console.warn(`[browser-tests] real-Chromium suite skipped: ${lookup.message}`);

let chromium: LaunchedChromium;
let pages: PageServer;

/** Origins of the pages, known once the page server listens. */
const APP = () => pages.origin('app.localhost');
const EVIL = () => pages.origin('evil.localhost');
const OTHER_SITE = () => pages.origin('other.test');
const APEX = () => pages.origin('localhost');

const JSON_PUT = { method: 'PUT', headers: { 'content-type': 'application/json', 'x-trace': 't-1' }, body: '{"name":"cors"}' } as const;

function expectAllowed(verdict: BrowserVerdict): asserts verdict is Extract<BrowserVerdict, { allowed: true }> {
  expect(verdict, 'the browser should let the script read the response').toMatchObject({ allowed: true });
}

function expectBlocked(verdict: BrowserVerdict): void {
  expect(verdict, 'the browser should refuse the response to the script').toEqual({ allowed: false, error: 'TypeError: Failed to fetch' });
}

/** Waits for Chromium's own explanation of a CORS failure in the console, and returns it. */
async function corsConsoleError(errors: readonly string[], origin: string): Promise<string> {
  const find = () => errors.find((e) => e.includes('blocked by CORS policy') && e.includes(`from origin '${origin}'`));
  await expect.poll(find, { timeout: 3000 }).toBeDefined();
  return find()!;
}

interface Stage {
  api: ApiUnderTest;
  context: BrowserContext;
  /** A page on http://app.localhost:P, kept for the whole group. */
  app: Page;
  appConsole: string[];
}

/**
 * One scenario group: one policy, one API server, one fresh browser context (own cookies, own preflight
 * cache). Every test starts with empty request logs.
 */
function policyGroup(fm: FrameworkMajor, name: string, options: () => CorsOptions, tests: (stage: () => Stage) => void): void {
  describe(name, () => {
    let stage: Stage | undefined;
    beforeAll(async () => {
      const api = await startApi(fm.framework, fm.major, options());
      const context = await chromium.newContext();
      const { page, consoleErrors } = await openPage(context, `${APP()}/`);
      stage = { api, context, app: page, appConsole: consoleErrors };
    });
    afterAll(async () => {
      await stage?.context.close();
      await stage?.api.close();
    });
    beforeEach(() => {
      stage?.api.reset();
      stage?.appConsole.splice(0);
    });
    tests(() => {
      if (stage === undefined) throw new Error('the group did not start');
      return stage;
    });
  });
}

describe.skipIf(!runSuite)(`real Chromium judges every adapter${lookup.found ? '' : ` (${lookup.message})`}`, () => {
  beforeAll(async () => {
    if (!lookup.found) throw new Error(`CI=true requires a browser, and there is ${lookup.message}`);
    pages = await startPageServer();
    chromium = await launchChromium(lookup.path);
  });
  afterAll(async () => {
    await chromium?.close();
    await pages?.close();
  });

  describe.each(FRAMEWORK_MAJORS)('$label', (fm) => {
    // An exact allowlist with credentials: the everyday configuration.
    policyGroup(
      fm,
      'exact allowlist, credentials, maxAge 600',
      () => ({
        origin: [APP()],
        credentials: true,
        methods: ['GET', 'HEAD', 'POST', 'PUT'],
        allowedHeaders: ['content-type', 'x-trace'],
        exposedHeaders: ['x-request-id'],
        maxAge: 600,
      }),
      (stage) => {
        it('simple GET: allowed, and the exposed X-Request-Id is readable by script', async () => {
          const { api, app } = stage();
          const verdict = await browserFetch(app, { url: `${api.url}/resource`, read: ['x-request-id', 'content-type'] });
          expectAllowed(verdict);
          expect(verdict.status).toBe(200);
          expect(verdict.body).toBe('ok');
          expect(verdict.headers['x-request-id']).toBe('42');
          // A simple request needs no preflight.
          expect(api.proxy.count('OPTIONS')).toBe(0);
          expect(api.proxy.seen.map((r) => [r.method, r.headers.origin])).toEqual([['GET', APP()]]);
        });

        it('credentials: the cross-site cookie (SameSite=None; Secure) is stored and reaches the server only with credentials: include', async () => {
          const { api, app, context } = stage();
          const set = await browserFetch(app, { url: `${api.url}/set-cookie`, credentials: 'include' });
          expectAllowed(set);
          expect(set.body).toBe('set');
          // http://api.localhost is a secure context, so the browser kept the Secure cookie; it is api.localhost's.
          const cookies = await context.cookies(api.url);
          expect(cookies).toEqual([expect.objectContaining({ name: 'session', value: 's3cr3t', domain: 'api.localhost', secure: true, sameSite: 'None' })]);
          // A different site: the page cannot see it.
          expect(await app.evaluate(() => String((globalThis as unknown as { document: { cookie: string } }).document.cookie))).toBe('');

          const withCookie = await browserFetch(app, { url: `${api.url}/cookie`, credentials: 'include' });
          expectAllowed(withCookie);
          expect(withCookie.body).toBe('session=s3cr3t');
          // Without credentials: 'include' a cross-origin fetch sends no cookie.
          const without = await browserFetch(app, { url: `${api.url}/cookie` });
          expectAllowed(without);
          expect(without.body).toBe('');
          expect(api.proxy.seen.filter((r) => r.target === '/cookie').map((r) => r.headers.cookie)).toEqual(['session=s3cr3t', undefined]);
        });

        it('preflighted PUT with JSON and a custom header: preflight answered, then the PUT reaches the app', async () => {
          const { api, app } = stage();
          const verdict = await browserFetch(app, { url: `${api.url}/resource?scenario=put`, ...JSON_PUT, credentials: 'include', read: ['x-request-id'] });
          expectAllowed(verdict);
          expect(verdict).toMatchObject({ status: 200, body: 'ok', headers: { 'x-request-id': '42' } });
          expect(api.proxy.seen.map((r) => r.method)).toEqual(['OPTIONS', 'PUT']);
          const preflight = api.proxy.seen[0]!;
          expect(preflight.headers['access-control-request-method']).toBe('PUT');
          expect(preflight.headers['access-control-request-headers']).toBe('content-type,x-trace');
          expect(preflight.headers.cookie).toBeUndefined();
          // The middleware answered the preflight; the application saw only the PUT.
          expect(api.appSeen).toEqual(['PUT /resource']);
          expect(api.refusals).toEqual([]);
        });

        it('an unlisted request header: blocked at the preflight, the PUT is never sent', async () => {
          const { api, app, appConsole } = stage();
          const verdict = await browserFetch(app, {
            url: `${api.url}/resource?scenario=header`,
            method: 'PUT',
            headers: { 'content-type': 'application/json', 'x-secret': '1' },
            body: '{}',
          });
          expectBlocked(verdict);
          expect(api.proxy.seen.map((r) => r.method)).toEqual(['OPTIONS']);
          expect(api.appSeen).toEqual([]);
          expect(api.refusals).toEqual([expect.objectContaining({ code: 'header-not-allowed', preflight: true, headers: ['x-secret'] })]);
          expect(await corsConsoleError(appConsole, APP())).toContain('preflight');
        });

        it('a method not allowed (DELETE): blocked at the preflight, the DELETE is never sent', async () => {
          const { api, app, appConsole } = stage();
          const verdict = await browserFetch(app, { url: `${api.url}/resource?scenario=method`, method: 'DELETE' });
          expectBlocked(verdict);
          expect(api.proxy.seen.map((r) => [r.method, r.headers['access-control-request-method']])).toEqual([['OPTIONS', 'DELETE']]);
          expect(api.appSeen).toEqual([]);
          expect(api.refusals).toEqual([expect.objectContaining({ code: 'method-not-allowed', method: 'DELETE' })]);
          await corsConsoleError(appConsole, APP());
        });

        it('a page on another site (other.test): the request reaches the app, the browser hides the response', async () => {
          const { api, context } = stage();
          const { page, consoleErrors } = await openPage(context, `${OTHER_SITE()}/`);
          try {
            const verdict = await browserFetch(page, { url: `${api.url}/resource` });
            expectBlocked(verdict);
            expect(api.appSeen).toEqual(['GET /resource']);
            expect(api.proxy.seen.map((r) => r.headers.origin)).toEqual([OTHER_SITE()]);
            expect(api.refusals).toEqual([expect.objectContaining({ code: 'origin-not-allowed', origin: OTHER_SITE(), preflight: false })]);
            expect(await corsConsoleError(consoleErrors, OTHER_SITE())).toContain("No 'Access-Control-Allow-Origin' header");
          } finally {
            await page.close();
          }
        });

        it('a sibling subdomain (evil.localhost) under an exact allowlist: blocked', async () => {
          const { api, context } = stage();
          const { page, consoleErrors } = await openPage(context, `${EVIL()}/`);
          try {
            expectBlocked(await browserFetch(page, { url: `${api.url}/resource`, credentials: 'include' }));
            expectBlocked(await browserFetch(page, { url: `${api.url}/resource?scenario=evil-put`, ...JSON_PUT }));
            expect(api.proxy.seen.map((r) => r.method)).toEqual(['GET', 'OPTIONS']);
            expect(api.refusals.map((r) => [r.code, r.origin, r.preflight])).toEqual([
              ['origin-not-allowed', EVIL(), false],
              ['origin-not-allowed', EVIL(), true],
            ]);
            await corsConsoleError(consoleErrors, EVIL());
          } finally {
            await page.close();
          }
        });

        it("a sandboxed iframe (Origin: null) when 'null' is not listed: blocked", async () => {
          const { api, context } = stage();
          const { page, consoleErrors } = await openPage(context, `${APP()}/sandboxed`);
          try {
            const frame = await sandboxedFrame(page);
            expect(await frame.evaluate(() => String((globalThis as unknown as { origin: string }).origin))).toBe('null');
            expectBlocked(await browserFetch(frame, { url: `${api.url}/resource` }));
            expect(api.proxy.seen.map((r) => r.headers.origin)).toEqual(['null']);
            expect(api.refusals).toEqual([expect.objectContaining({ code: 'origin-not-allowed', origin: 'null' })]);
            await corsConsoleError(consoleErrors, 'null');
          } finally {
            await page.close();
          }
        });

        it('the preflight cache: a second identical request within maxAge sends no new preflight', async () => {
          const { api, app } = stage();
          // cache: 'default', because Chromium bypasses its preflight cache for 'no-store' requests.
          const request = { url: `${api.url}/resource?scenario=cache`, ...JSON_PUT, cache: 'default' } as const;
          expectAllowed(await browserFetch(app, request));
          expect([api.proxy.count('OPTIONS'), api.proxy.count('PUT')]).toEqual([1, 1]);
          expectAllowed(await browserFetch(app, request));
          expect([api.proxy.count('OPTIONS'), api.proxy.count('PUT')]).toEqual([1, 2]);
          expect(api.appSeen).toEqual(['PUT /resource', 'PUT /resource']);
        });
      },
    );

    // A subdomain pattern: siblings are welcome, the apex is not. maxAge 0 as the control for the cache test.
    policyGroup(
      fm,
      "'*.' subdomain pattern, credentials, maxAge 0",
      () => ({
        origin: [`http://*.localhost:${pages.port}`],
        credentials: true,
        methods: ['GET', 'PUT'],
        allowedHeaders: ['content-type', 'x-trace'],
        exposedHeaders: ['x-request-id'],
        maxAge: 0,
      }),
      (stage) => {
        it('a sibling subdomain (evil.localhost) under the pattern: allowed, with credentials', async () => {
          const { api, context } = stage();
          const { page } = await openPage(context, `${EVIL()}/`);
          try {
            const verdict = await browserFetch(page, { url: `${api.url}/resource`, credentials: 'include', read: ['x-request-id'] });
            expectAllowed(verdict);
            expect(verdict).toMatchObject({ status: 200, body: 'ok', headers: { 'x-request-id': '42' } });
            const put = await browserFetch(page, { url: `${api.url}/resource?scenario=pattern-put`, ...JSON_PUT, credentials: 'include' });
            expectAllowed(put);
            expect(api.proxy.seen.map((r) => [r.method, r.headers.origin])).toEqual([
              ['GET', EVIL()],
              ['OPTIONS', EVIL()],
              ['PUT', EVIL()],
            ]);
            expect(api.refusals).toEqual([]);
          } finally {
            await page.close();
          }
        });

        it('the apex (http://localhost) is not a subdomain: blocked', async () => {
          const { api, context } = stage();
          const { page, consoleErrors } = await openPage(context, `${APEX()}/`);
          try {
            expectBlocked(await browserFetch(page, { url: `${api.url}/resource` }));
            expect(api.refusals).toEqual([expect.objectContaining({ code: 'origin-not-allowed', origin: APEX() })]);
            await corsConsoleError(consoleErrors, APEX());
          } finally {
            await page.close();
          }
        });

        it('with maxAge 0 every preflighted request sends its own preflight (control for the cache test)', async () => {
          const { api, app } = stage();
          const request = { url: `${api.url}/resource?scenario=no-cache`, ...JSON_PUT, cache: 'default' } as const;
          expectAllowed(await browserFetch(app, request));
          expectAllowed(await browserFetch(app, request));
          expect(api.proxy.seen.map((r) => r.method)).toEqual(['OPTIONS', 'PUT', 'OPTIONS', 'PUT']);
        });
      },
    );

    // The opaque origin, listed on purpose (and therefore without credentials).
    policyGroup(
      fm,
      "'null' listed, no credentials",
      () => ({ origin: ['null', APP()], exposedHeaders: ['x-request-id'] }),
      (stage) => {
        it("a sandboxed iframe when 'null' is listed: allowed", async () => {
          const { api, context } = stage();
          const { page } = await openPage(context, `${APP()}/sandboxed`);
          try {
            const verdict = await browserFetch(await sandboxedFrame(page), { url: `${api.url}/resource`, read: ['x-request-id'] });
            expectAllowed(verdict);
            expect(verdict).toMatchObject({ status: 200, body: 'ok', headers: { 'x-request-id': '42' } });
            expect(api.proxy.seen.map((r) => r.headers.origin)).toEqual(['null']);
            expect(api.refusals).toEqual([]);
          } finally {
            await page.close();
          }
        });

        it("a sandboxed iframe asking for credentials: blocked by the browser ('null' never comes with credentials)", async () => {
          const { api, context } = stage();
          const { page, consoleErrors } = await openPage(context, `${APP()}/sandboxed`);
          try {
            expectBlocked(await browserFetch(await sandboxedFrame(page), { url: `${api.url}/resource`, credentials: 'include' }));
            // The server allowed the origin but sent no Access-Control-Allow-Credentials, so the browser said no.
            expect(api.refusals).toEqual([]);
            expect(api.appSeen).toEqual(['GET /resource']);
            expect(await corsConsoleError(consoleErrors, 'null')).toContain('Access-Control-Allow-Credentials');
          } finally {
            await page.close();
          }
        });
      },
    );
  });
});
