// The playground, driven by real Chromium: start the demo as a user does (node playground/start.mjs, here on
// free ports), click every scenario, and check the verdict and the reason the page shows.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserRequired, findChromium, launchChromium, type LaunchedChromium } from '../../browser-tests/src/chromium.js';

const here = dirname(fileURLToPath(import.meta.url));
const START = join(here, '..', 'start.mjs');
// The README's picture is rewritten only on request (`pnpm screenshot`): every run's ports differ, so writing it
// on each test run would leave the working tree changed. Otherwise the picture is taken all the same, elsewhere.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? join(here, '..', '..', 'docs', 'playground.png') : join(tmpdir(), `cors-playground-${process.pid}.png`);

interface Demo {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
  appUrl: string;
  evilOrigin: string;
}

/** Runs start.mjs with `args` on free ports and waits for its banner. */
function startDemo(args: readonly string[], env: Record<string, string> = {}): Promise<Demo> {
  const child = spawn(process.execPath, [START, ...args], {
    env: { ...process.env, PLAYGROUND_PAGE_PORT: '0', PLAYGROUND_API_PORT: '0', ...env },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the playground did not start within 20 s:\n${out}`));
    }, 20_000);
    const check = () => {
      const app = /Open the demo:\s+(http:\/\/app\.localhost:\d+\/)/.exec(out);
      const evil = /(http:\/\/evil\.localhost:\d+)\//.exec(out);
      if (app && evil && out.includes('Ctrl+C')) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve({ child, output: () => out, exited, appUrl: app[1]!, evilOrigin: evil[1]! });
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the playground exited with ${code} before it was ready:\n${out}`));
    });
  });
}

/** Runs start.mjs to completion (for the flags that make it exit at once). */
async function runToExit(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [START, ...args], { env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

describe('playground start.mjs', () => {
  it('--help prints the usage and exits 0', async () => {
    const { code, output } = await runToExit(['--help']);
    expect(code).toBe(0);
    expect(output).toContain('--framework');
  });

  it('an unknown framework is refused with the choices', async () => {
    const { code, output } = await runToExit(['--', '--framework', 'hapi']);
    expect(code).toBe(2);
    expect(output).toContain('express, koa, fastify');
  });

  it('a busy port is reported clearly and the process exits 1', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const { code, output } = await runToExit([], { PLAYGROUND_PAGE_PORT: String(port), PLAYGROUND_API_PORT: '0' });
      expect(code).toBe(1);
      expect(output).toContain(`port ${port} for the pages is in use`);
    } finally {
      blocker.close();
    }
  });
});

const lookup = findChromium();
const runSuite = lookup.found || browserRequired();
if (!runSuite) console.warn(`[playground] Chromium test skipped: ${lookup.message}`);

interface ScenarioCheck {
  key: string;
  verdict: 'allowed' | 'blocked';
  check(card: Locator, demo: Demo): Promise<void>;
}

const reason = (card: Locator, code: string) => card.locator(`.reason[data-code="${code}"]`);

const SCENARIOS: readonly ScenarioCheck[] = [
  {
    key: 'simple-get',
    verdict: 'allowed',
    async check(card) {
      await expect(card.locator('.browser').textContent()).resolves.toContain('x-request-id: 42');
      await expect(card.locator('.server').textContent()).resolves.toContain('access-control-expose-headers: x-request-id');
    },
  },
  {
    key: 'credentials',
    verdict: 'allowed',
    async check(card) {
      await expect(card.locator('.note.ok').textContent()).resolves.toContain('The server received the cookie: “playground_session=s3cr3t”');
      await expect(card.locator('.server').textContent()).resolves.toContain('access-control-allow-credentials: true');
    },
  },
  {
    key: 'preflight-put',
    verdict: 'allowed',
    async check(card) {
      const server = (await card.locator('.server').textContent()) ?? '';
      expect(server).toMatch(/preflightOPTIONS \/strict\/resource → 204/);
      expect(server).toContain('access-control-request-headers: content-type,x-trace');
      expect(server).toContain('PUT /strict/resource → 200');
    },
  },
  {
    key: 'unlisted-header',
    verdict: 'blocked',
    async check(card) {
      await expect(reason(card, 'header-not-allowed').locator('.reason-message').textContent()).resolves.toBe('Request header x-secret not allowed');
      await expect(reason(card, 'header-not-allowed').locator('.reason-hint').textContent()).resolves.toBe("add 'x-secret' to allowedHeaders");
      // The preflight was refused: the PUT itself never reached the server.
      expect(await card.locator('.server > ol > li').count()).toBe(1);
    },
  },
  {
    key: 'method-not-allowed',
    verdict: 'blocked',
    async check(card) {
      await expect(reason(card, 'method-not-allowed').locator('.reason-message').textContent()).resolves.toBe('Method DELETE is not allowed');
      await expect(reason(card, 'method-not-allowed').locator('.reason-hint').textContent()).resolves.toContain("add 'DELETE' to the methods option");
    },
  },
  {
    key: 'other-site',
    verdict: 'blocked',
    async check(card, demo) {
      await expect(reason(card, 'origin-not-allowed').locator('.reason-message').textContent()).resolves.toBe(`Origin ${demo.evilOrigin} is not allowed`);
      await expect(reason(card, 'origin-not-allowed').locator('.reason-hint').textContent()).resolves.toContain(`add '${demo.evilOrigin}'`);
    },
  },
  {
    key: 'sibling-pattern',
    verdict: 'allowed',
    async check(card, demo) {
      await expect(card.locator('.server').textContent()).resolves.toContain(`access-control-allow-origin: ${demo.evilOrigin}`);
    },
  },
  {
    key: 'null-unlisted',
    verdict: 'blocked',
    async check(card) {
      await expect(reason(card, 'origin-not-allowed').locator('.reason-message').textContent()).resolves.toBe('Origin null is not allowed');
      await expect(reason(card, 'origin-not-allowed').locator('.reason-hint').textContent()).resolves.toContain("listed as 'null', without credentials");
    },
  },
  {
    key: 'null-listed',
    verdict: 'allowed',
    async check(card) {
      await expect(card.locator('.browser').textContent()).resolves.toContain('x-request-id: 42');
      await expect(card.locator('.server').textContent()).resolves.toContain('access-control-allow-origin: null');
    },
  },
  {
    key: 'null-credentials',
    verdict: 'blocked',
    async check(card) {
      // The server refused nothing; the page explains what the browser objected to.
      expect(await card.locator('.reason').count()).toBe(0);
      await expect(card.locator('.reason-browser').textContent()).resolves.toContain('no Access-Control-Allow-Credentials: true');
    },
  },
  {
    key: 'preflight-cache',
    verdict: 'allowed',
    async check(card) {
      await expect(card.locator('.note').textContent()).resolves.toBe('The server saw 1 preflight for 2 PUTs.');
    },
  },
];

interface DiagnoseCase {
  name: string;
  url?: string;
  from?: 'page' | 'evil' | 'elsewhere';
  method?: string;
  headers?: string;
  credentials?: boolean;
  doctor: 'allowed' | 'blocked' | 'error';
  browser?: 'allowed' | 'blocked' | 'n/a';
  error?: string;
  check?(result: Locator): Promise<void>;
}

/** Requests typed into the Diagnose panel: the doctor's verdict beside the browser's. */
const DIAGNOSES: readonly DiagnoseCase[] = [
  {
    name: 'a simple GET from this page: both allow it, and the script reads x-request-id',
    doctor: 'allowed',
    browser: 'allowed',
    async check(result) {
      await expect(result.locator('.browser').textContent()).resolves.toContain('x-request-id: 42');
      await expect(result.locator('.reason-allowed').textContent()).resolves.toContain('x-request-id');
    },
  },
  {
    name: 'a PUT with an unlisted header: both block it, and the server says why (debug)',
    method: 'PUT',
    headers: 'Content-Type: application/json\nX-Secret: 1',
    credentials: true,
    doctor: 'blocked',
    browser: 'blocked',
    async check(result) {
      expect(await result.locator('[data-testid="failure"]').getAttribute('data-step')).toBe('allow-origin-missing');
      await expect(result.locator('[data-testid="chromium-line"]').textContent()).resolves.toContain(
        "Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
      );
      await expect(result.locator('.doctor').textContent()).resolves.toContain('Cors-Refusal: header-not-allowed; header=x-secret; option=allowedHeaders');
      await expect(result.locator('[data-testid="fix"]').last().textContent()).resolves.toContain("add 'x-secret' to `allowedHeaders`");
    },
  },
  { name: 'a GET from the other site: both block it', from: 'evil', doctor: 'blocked', browser: 'blocked' },
  {
    name: 'an origin this page cannot send from: the doctor alone',
    from: 'elsewhere',
    doctor: 'blocked',
    browser: 'n/a',
    async check(result) {
      await expect(result.locator('[data-testid="browser-verdict"]').textContent()).resolves.toContain('https://elsewhere.example is the doctor');
    },
  },
  { name: 'a URL that is not one: the doctor says so', url: 'not a url', doctor: 'error', error: 'not an absolute URL' },
];

/** Each framework, started the way a user would pass the flag. */
const RUNS = [
  { framework: 'express', args: [] as string[], screenshot: true }, // the default
  { framework: 'koa', args: ['--', '--framework', 'koa'], screenshot: false }, // as `pnpm demo -- --framework koa` passes it
  { framework: 'fastify', args: ['--framework=fastify'], screenshot: false },
  { framework: 'hono', args: ['--framework', 'hono'], screenshot: false },
] as const;

describe.skipIf(!runSuite)(`the playground in real Chromium${lookup.found ? '' : ` (${lookup.message})`}`, () => {
  let chromium: LaunchedChromium;
  beforeAll(async () => {
    if (!lookup.found) throw new Error(`CI=true requires a browser, and there is ${lookup.message}`);
    chromium = await launchChromium(lookup.path);
  });
  afterAll(async () => {
    await chromium?.close();
  });

  describe.each(RUNS)('$framework', (run) => {
    let demo: Demo | undefined;
    let context: BrowserContext | undefined;
    let page: Page;
    let pageErrors: string[] = [];

    beforeAll(async () => {
      demo = await startDemo(run.args);
      context = await chromium.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      pageErrors = [];
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      await page.goto(demo.appUrl);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    });
    afterAll(async () => {
      await context?.close();
      if (demo && demo.child.exitCode === null) {
        demo.child.kill('SIGKILL');
        await demo.exited;
      }
    });

    it(`prints the URLs to open and how to stop it, and runs ${run.framework}`, () => {
      const output = demo!.output();
      expect(output).toContain(`CORS playground: ${run.framework} `);
      expect(output).toMatch(/Open the demo:\s+http:\/\/app\.localhost:\d+\//);
      expect(output).toMatch(/http:\/\/evil\.localhost:\d+\//);
      expect(output).toMatch(/The API:\s+http:\/\/api\.localhost:\d+/);
      expect(output).toContain('Stop with Ctrl+C');
    });

    it.each(SCENARIOS)('scenario $key: the page shows $verdict and why', async (scenario) => {
      const card = page.locator(`[data-scenario="${scenario.key}"]`);
      await card.locator(`button[data-run="${scenario.key}"]`).click();
      await page.waitForSelector(`[data-scenario="${scenario.key}"][data-state="done"]`, { timeout: 15_000 });
      expect(await card.getAttribute('data-verdict')).toBe(scenario.verdict);
      expect(await card.locator('[data-testid="verdict"]').textContent()).toBe(scenario.verdict.toUpperCase());
      expect(await card.getAttribute('data-matches')).toBe('true');
      await scenario.check(card, demo!);
    });

    it('streamed the refusal reasons to the live log', async () => {
      const refusals = await page.locator('#log li.refusal').allTextContents();
      expect(refusals.some((line) => line.includes('header-not-allowed'))).toBe(true);
      expect(refusals.some((line) => line.includes('method-not-allowed'))).toBe(true);
      expect(refusals.some((line) => line.includes('origin-not-allowed') && line.includes(' null '))).toBe(true);
      expect(pageErrors).toEqual([]);
    });

    it.each(DIAGNOSES)('the Diagnose panel: $name', async (c) => {
      const api = (await page.textContent('#api-origin'))!;
      const origin = c.from === 'evil' ? demo!.evilOrigin : c.from === 'elsewhere' ? 'https://elsewhere.example' : new URL(demo!.appUrl).origin;
      await page.fill('#d-url', c.url ?? `${api}/strict/resource`);
      await page.fill('#d-origin', origin);
      await page.fill('#d-method', c.method ?? 'GET');
      await page.fill('#d-headers', c.headers ?? '');
      await page.setChecked('#d-credentials', c.credentials === true);
      await page.click('#d-run');
      const result = page.locator('#diagnose-result');
      await page.waitForSelector(`#diagnose-result[data-state="${c.doctor === 'error' ? 'error' : 'done'}"]`, { timeout: 15_000 });
      if (c.doctor === 'error') {
        await expect(result.locator('[data-testid="diagnose-error"]').textContent()).resolves.toContain(c.error!);
        return;
      }
      expect(await result.getAttribute('data-doctor')).toBe(c.doctor);
      expect(await result.getAttribute('data-browser')).toBe(c.browser);
      expect(await result.getAttribute('data-agree')).toBe('true');
      await expect(result.locator('[data-testid="doctor-verdict"]').textContent()).resolves.toBe(c.doctor.toUpperCase());
      await c.check?.(result);
    });

    if (run.screenshot) {
      it('takes the screenshot for the README (docs/playground.png with UPDATE_SCREENSHOT=1)', async () => {
        mkdirSync(dirname(SCREENSHOT), { recursive: true });
        // The top of the page down to the first blocked scenario: setup, policies, allowed and refused cards.
        const bottom = await page.evaluate(
          // Runs in the page; typed loosely because the project's TypeScript has no DOM library.
          (selector) => {
            const g = globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): { bottom: number } } | null }; scrollY: number };
            const card = g.document.querySelector(selector);
            return card === null ? 0 : card.getBoundingClientRect().bottom + g.scrollY;
          },
          '[data-scenario="unlisted-header"]',
        );
        expect(bottom).toBeGreaterThan(0);
        await page.screenshot({ path: SCREENSHOT, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom + 24) } });
        expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
        if (process.env.UPDATE_SCREENSHOT !== '1') rmSync(SCREENSHOT);
      });
    }

    it('stops cleanly on Ctrl+C (SIGINT)', async () => {
      demo!.child.kill('SIGINT');
      expect(await demo!.exited).toBe(0);
      expect(demo!.output()).toContain('Stopped (SIGINT).');
    });
  });
});
