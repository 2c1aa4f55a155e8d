// What a scenario needs: an API under test (reference app + our adapter + a policy, behind a counting proxy),
// a way to make the browser send a request from a page or frame, and the browser's own verdict on it.
import type { BrowserContext, ConsoleMessage, Frame, Page } from 'playwright-core';
import { START_REFERENCE_APP } from '../../framework-matrix/src/servers/index.js';
import type { FrameworkName, ReferenceAppOptions, RunningServer } from '../../framework-matrix/src/types.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';

export type CorsOptions = ReferenceAppOptions['cors'];
export type RefusalReason = Parameters<NonNullable<CorsOptions['onRefused']>>[0];

export interface ApiUnderTest {
  /** How the browser reaches it, e.g. `http://api.localhost:41234` (through the counting proxy). */
  readonly url: string;
  /** Every request that reached the server, preflights included. */
  readonly proxy: CountingProxy;
  /** `METHOD path` for every request that reached the application's handlers (never a preflight). */
  readonly appSeen: string[];
  /** What the policy's onRefused hook received. */
  readonly refusals: RefusalReason[];
  reset(): void;
  close(): Promise<void>;
}

/** Starts the reference app of `framework` `major` behind `cors(options)`, plus onRefused, behind a counting proxy. */
export async function startApi(framework: FrameworkName, major: number, options: CorsOptions): Promise<ApiUnderTest> {
  const appSeen: string[] = [];
  const refusals: RefusalReason[] = [];
  const server: RunningServer = await START_REFERENCE_APP[framework](major, {
    cors: { ...options, onRefused: (reason: RefusalReason) => void refusals.push(reason) },
    onRequestSeen: (line) => void appSeen.push(line),
  });
  let proxy: CountingProxy;
  try {
    proxy = await startCountingProxy(server.port);
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    url: `http://api.localhost:${proxy.port}`,
    proxy,
    appSeen,
    refusals,
    reset() {
      proxy.clear();
      appSeen.length = 0;
      refusals.length = 0;
    },
    async close() {
      await proxy.close();
      await server.close();
    },
  };
}

export interface BrowserRequest {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly credentials?: 'omit' | 'same-origin' | 'include';
  /**
   * The fetch cache mode; 'no-store' unless said otherwise, so no HTTP cache answers for the server. Chromium
   * also skips its preflight cache for 'no-store' (and 'reload'), so the preflight-cache tests ask for 'default'.
   */
  readonly cache?: 'default' | 'no-store';
  /** Response headers the script tries to read. */
  readonly read?: readonly string[];
}

export type BrowserVerdict =
  | {
      readonly allowed: true;
      readonly status: number;
      readonly body: string;
      /** What `response.headers.get(name)` gave the script (null: not readable). */
      readonly headers: Readonly<Record<string, string | null>>;
    }
  | { readonly allowed: false; readonly error: string };

/**
 * Runs `fetch` inside the page or frame and reports what the script got: the response, or the error that a
 * CORS failure turns into (`TypeError: Failed to fetch`). Self-contained: it is serialised into the browser.
 */
function inPageFetch(request: BrowserRequest): Promise<BrowserVerdict> {
  // Node's RequestInit type does not list `cache`, hence the loose record.
  const init: Record<string, unknown> = { method: request.method ?? 'GET', cache: request.cache ?? 'no-store', credentials: request.credentials ?? 'same-origin' };
  if (request.headers) init.headers = { ...request.headers };
  if (request.body !== undefined) init.body = request.body;
  return fetch(request.url, init as RequestInit).then(
    async (response) => {
      const headers: Record<string, string | null> = {};
      for (const name of request.read ?? []) headers[name] = response.headers.get(name);
      return { allowed: true as const, status: response.status, body: await response.text(), headers };
    },
    (error: unknown) => ({ allowed: false as const, error: String(error) }),
  );
}

/** The browser's verdict on one request sent from `where` (a page, or a frame such as a sandboxed iframe). */
export function browserFetch(where: Page | Frame, request: BrowserRequest): Promise<BrowserVerdict> {
  return where.evaluate(inPageFetch, request);
}

/** Collects the console errors of a page and its frames (Chromium explains every CORS failure there). */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

/** Opens `url` in a new page of the context, with its console errors collected. */
export async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; consoleErrors: string[] }> {
  const page = await context.newPage();
  const consoleErrors = watchConsole(page);
  await page.goto(url);
  return { page, consoleErrors };
}

/** The sandboxed (`allow-scripts` only, so opaque origin) iframe of a page served at `/sandboxed`. */
export async function sandboxedFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe#sandboxed', { state: 'attached' });
  const frame = await handle.contentFrame();
  if (frame === null) throw new Error('the sandboxed iframe has no frame');
  await frame.waitForLoadState('load');
  return frame;
}
