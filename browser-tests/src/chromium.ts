// Finding and launching the system Chromium for the real-browser suites (browser-tests and the playground test).
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a quiet, deterministic Chromium. `*.test` and `*.localhost` go to 127.0.0.1, so the page servers
 * can be reached as app.localhost, evil.localhost and other.test (a different site) on any port.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP *.test 127.0.0.1, MAP *.localhost 127.0.0.1, MAP localhost 127.0.0.1',
];

export type ChromiumLookup = { readonly found: true; readonly path: string } | { readonly found: false; readonly message: string };

/** CHROMIUM_PATH when set (and only it), otherwise /usr/bin/chromium. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const path = env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
  try {
    accessSync(path, constants.X_OK);
    return { found: true, path };
  } catch {
    const where = env.CHROMIUM_PATH ? `CHROMIUM_PATH=${env.CHROMIUM_PATH}` : DEFAULT_CHROMIUM_PATH;
    return {
      found: false,
      message:
        `no Chromium at ${where}: install one with \`apt-get install chromium\` (Debian/Ubuntu) ` +
        'or point CHROMIUM_PATH at a Chromium/Chrome binary; `npx playwright install` is not needed',
    };
  }
}

/** Under CI a missing browser fails the suite; elsewhere the suite is skipped with `lookup.message`. */
export const browserRequired = (env: NodeJS.ProcessEnv = process.env): boolean => env.CI === 'true';

export interface LaunchedChromium {
  readonly browser: Browser;
  /** A fresh, isolated context (own cookies, own preflight cache). */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Launches one Chromium for a whole test file.
 *
 * Chromium blocks third-party cookies out of the box here (the cookie of api.localhost, set by a fetch from
 * app.localhost, is refused with the reason "UserPreferences"; contexts made by `browser.newContext()` are
 * incognito-like and block them too). A person's everyday Chrome allows them unless they opted out, and
 * credentialed CORS is about exactly those cookies, so the profile is started with "allow all cookies"
 * (`profile.cookie_controls_mode: 0`); the contexts made from it inherit the setting. SameSite and Secure are
 * still enforced by the browser as usual.
 */
export async function launchChromium(executablePath: string): Promise<LaunchedChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'cors-chromium-'));
  mkdirSync(join(profile, 'Default'), { recursive: true });
  writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 0 } }));
  let persistent: BrowserContext;
  try {
    persistent = await chromium.launchPersistentContext(profile, { executablePath, args: [...CHROMIUM_ARGS], headless: true });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const browser = persistent.browser();
  if (browser === null) throw new Error('playwright-core gave no Browser for the persistent context');
  return {
    browser,
    newContext: (options) => browser.newContext(options),
    async close() {
      await persistent.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
