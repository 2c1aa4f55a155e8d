// Security review, finding 11, through real servers on every adapter and framework major:
// (a) RegExps that reflect every origin, trust plain http or public hosting are refused with credentials at
//     start-up, and ordinary anchored RegExps keep working;
// (b) a polluted Object.prototype switches nothing on;
// (c) schemes that never appear in an Origin header are refused at start-up, and app schemes keep working.
import type { CorsOptions } from '@cors/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOnRuntime, type RemoteRuntime } from '../src/fetch-runtimes.js';
import { rawRequest } from '../src/raw-http.js';
import { referenceAppSource } from '../src/servers/fetch.js';
import { START_REFERENCE_APP } from '../src/servers/index.js';
import { FRAMEWORK_MAJORS, type FrameworkMajor, type RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
const APP_ORIGINS = [
  'capacitor://localhost',
  'ionic://localhost',
  'tauri://localhost',
  'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
  'moz-extension://2e0c4bdb-3c45-4d8e-9c1a-6b7e6f8a1c2d',
];

/** Servers on another runtime: their policy is made in that process. */
const REMOTE: ReadonlySet<string> = new Set(['fetch-bun', 'fetch-deno', 'fetch-workerd']);

function start(fm: FrameworkMajor, cors: CorsOptions): Promise<RunningServer> {
  return START_REFERENCE_APP[fm.framework](fm.major, { cors });
}

/**
 * Starting the app must fail with a CorsConfigError whose message says `pattern`; nothing is left serving. On
 * another runtime the error shows in that process's output (workerd opens its socket before the worker has
 * loaded, and prints the worker's error after).
 */
async function expectRefusedAtStartUp(fm: FrameworkMajor, cors: CorsOptions, pattern: RegExp): Promise<void> {
  if (REMOTE.has(fm.framework)) {
    let output: string;
    try {
      const server = await startOnRuntime(fm.framework.slice('fetch-'.length) as RemoteRuntime, referenceAppSource({ cors }, 'http://127.0.0.1:9/'), 'mjs');
      for (let i = 0; i < 100 && !server.output().includes('CorsConfigError'); i++) await new Promise((r) => setTimeout(r, 50));
      output = server.output();
      await server.close();
    } catch (error) {
      output = (error as Error).message;
    }
    expect(output).toContain('CorsConfigError');
    expect(output).toMatch(pattern);
    return;
  }
  let server: RunningServer | undefined;
  let failure: unknown;
  try {
    server = await start(fm, cors);
  } catch (error) {
    failure = error;
  }
  await server?.close();
  expect(server, 'the server started').toBeUndefined();
  expect((failure as Error).name).toBe('CorsConfigError');
  expect((failure as Error).message).toMatch(pattern);
}

function polluted<T>(props: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  const proto = Object.prototype as Record<string, unknown>;
  for (const [key, value] of Object.entries(props)) {
    Object.defineProperty(proto, key, { value, configurable: true, writable: true, enumerable: false });
  }
  return run().finally(() => {
    for (const key of Object.keys(props)) delete proto[key];
  });
}

for (const fm of FRAMEWORK_MAJORS) {
  describe(`review-11-regexp-refused-like-strings on ${fm.label}`, () => {
    it.each([
      [/^.*$/, /matches every origin/],
      [/^https:\/\/a\.com|.*$/, /matches every origin/],
      [/^http:\/\/evil\.com$/, /is plain http with credentials[\s\S]*hint: use 'https:\/\/evil\.com'/],
      [/^https:\/\/[a-z]+\.github\.io$/, /trusts every site registered under the public suffix 'github\.io'[\s\S]*hint: narrow it to your own domain, e\.g\. 'https:\/\/\*\.your-site\.github\.io'/],
    ])('%s with credentials is refused at start-up', async (re, message) => {
      await expectRefusedAtStartUp(fm, { origin: ['https://app.example.com', re], credentials: true }, message);
    });

    describe('an ordinary anchored RegExp keeps working with credentials', () => {
      let server: RunningServer;
      beforeAll(async () => {
        server = await start(fm, { origin: /^https:\/\/pr-\d+\.example\.com$/, credentials: true, methods: ['GET', 'PUT'] });
      });
      afterAll(async () => {
        await server?.close();
      });

      it('allows a matching origin, with credentials, on actual requests and preflights', async () => {
        const actual = await rawRequest(server.url, 'GET', '/resource', [['Origin', 'https://pr-12.example.com']]);
        expect(actual.status).toBe(200);
        expect(actual.header('access-control-allow-origin')).toBe('https://pr-12.example.com');
        expect(actual.header('access-control-allow-credentials')).toBe('true');
        const preflight = await rawRequest(server.url, 'OPTIONS', '/resource', [
          ['Origin', 'https://pr-12.example.com'],
          ['Access-Control-Request-Method', 'PUT'],
        ]);
        expect(preflight.status).toBe(204);
        expect(preflight.header('access-control-allow-origin')).toBe('https://pr-12.example.com');
      });

      it('refuses the others', async () => {
        for (const origin of ['https://pr-x.example.com', 'http://pr-12.example.com', 'https://pr-12.example.com.evil.com']) {
          const res = await rawRequest(server.url, 'GET', '/resource', [['Origin', origin]]);
          expect(res.corsHeaderNames(), origin).toEqual([]);
        }
      });
    });
  });

  // Pollution here reaches only the policies made in this process (fetch on node covers @cors/fetch).
  if (!REMOTE.has(fm.framework)) describe(`review-11-options-read-as-own-properties on ${fm.label}`, () => {
    let server: RunningServer;
    beforeAll(async () => {
      // Prototype pollution elsewhere in the application, while the policy is made.
      server = await polluted(
        {
          credentials: true,
          allowPrivateNetwork: true,
          methods: ['GET', 'HEAD', 'POST', 'DELETE'],
          allowedHeaders: ['x-anything'],
          exposedHeaders: ['x-request-id'],
          maxAge: 86400,
        },
        () => start(fm, { origin: APP }),
      );
    });
    afterAll(async () => {
      await server?.close();
    });

    it('an allowed actual request gets no credentials and exposes nothing', async () => {
      const res = await rawRequest(server.url, 'GET', '/resource', [['Origin', APP]]);
      expect(res.status).toBe(200);
      expect(res.header('access-control-allow-origin')).toBe(APP);
      expect(res.corsHeaderNames().sort()).toEqual(['access-control-allow-origin']);
    });

    it('a preflight gets the default methods and no headers, max-age or private network access', async () => {
      const allowed = await rawRequest(server.url, 'OPTIONS', '/resource', [
        ['Origin', APP],
        ['Access-Control-Request-Method', 'POST'],
      ]);
      expect(allowed.status).toBe(204);
      expect(allowed.header('access-control-allow-methods')).toBe('GET, HEAD, POST');
      expect(allowed.header('access-control-allow-credentials')).toBeUndefined();
      expect(allowed.header('access-control-max-age')).toBeUndefined();
      for (const extra of [
        [['Access-Control-Request-Method', 'DELETE']],
        [['Access-Control-Request-Method', 'GET'], ['Access-Control-Request-Headers', 'x-anything']],
        [['Access-Control-Request-Method', 'GET'], ['Access-Control-Request-Private-Network', 'true']],
      ] as Array<Array<[string, string]>>) {
        const refused = await rawRequest(server.url, 'OPTIONS', '/resource', [['Origin', APP], ...extra]);
        expect(refused.status, JSON.stringify(extra)).toBe(403);
        expect(refused.corsHeaderNames()).toEqual([]);
      }
    });
  });

  describe(`review-11-never-sent-schemes-refused on ${fm.label}`, () => {
    it.each(['wss://app.example.com', 'ws://app.example.com', 'ftp://files.example.com', 'data:text/html,hi', 'javascript:alert(1)', 'blob:https://app.example.com/x'])(
      '%s is refused at start-up with a hint',
      async (entry) => {
        await expectRefusedAtStartUp(fm, { origin: [APP, entry] }, /scheme(, which never appears in an Origin header|, whose documents have an opaque origin and send Origin: null)[\s\S]*hint: write/);
      },
    );

    describe('app schemes browsers send keep working', () => {
      let server: RunningServer;
      beforeAll(async () => {
        server = await start(fm, { origin: [APP, ...APP_ORIGINS], credentials: true, methods: ['GET', 'PUT'] });
      });
      afterAll(async () => {
        await server?.close();
      });

      it.each(APP_ORIGINS)('%s is allowed, with credentials', async (origin) => {
        const actual = await rawRequest(server.url, 'GET', '/resource', [['Origin', origin]]);
        expect(actual.status).toBe(200);
        expect(actual.header('access-control-allow-origin')).toBe(origin);
        expect(actual.header('access-control-allow-credentials')).toBe('true');
        const preflight = await rawRequest(server.url, 'OPTIONS', '/resource', [
          ['Origin', origin],
          ['Access-Control-Request-Method', 'PUT'],
        ]);
        expect(preflight.status).toBe(204);
        expect(preflight.header('access-control-allow-origin')).toBe(origin);
      });

      it('other hosts under the same schemes are refused', async () => {
        for (const origin of ['capacitor://evil', 'chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', 'https://localhost']) {
          const res = await rawRequest(server.url, 'GET', '/resource', [['Origin', origin]]);
          expect(res.corsHeaderNames(), origin).toEqual([]);
        }
      });
    });
  });
}
