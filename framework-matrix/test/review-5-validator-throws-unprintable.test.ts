// Security review, finding 5, through real servers: a validator that throws a value which cannot be turned into
// a string (sync or async) gave a 500. The origin must be refused, the reason must say the validator failed, and
// the request must still be served.
import type { CorsOptions, RefusalReason } from '@cors/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../src/raw-http.js';
import { START_REFERENCE_APP } from '../src/servers/index.js';
import { FRAMEWORK_MAJORS, type RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';

/** What each tenant's validator throws, made fresh on every call (a revoked Proxy cannot be un-revoked). */
const THROWN: Readonly<Record<string, () => unknown>> = {
  'null-prototype': () => Object.create(null),
  'throwing-tostring': () => ({
    toString() {
      throw new Error('toString refuses');
    },
  }),
  'revoked-proxy': () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  'throwing-message': () => {
    const error = new Error('hidden');
    Object.defineProperty(error, 'message', {
      get() {
        throw new Error('message getter refuses');
      },
    });
    return error;
  },
};

function tenantOf(origin: string): string | undefined {
  return /^https:\/\/(sync|async)-([a-z-]+)\.example\.net$/.exec(origin)?.[2];
}

function policy(reasons: RefusalReason[]): CorsOptions {
  return {
    origin: [
      APP,
      (origin: string) => {
        const tenant = tenantOf(origin);
        if (origin.startsWith('https://sync-') && tenant !== undefined) throw THROWN[tenant]!();
        return false;
      },
      async (origin: string) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        const tenant = tenantOf(origin);
        if (origin.startsWith('https://async-') && tenant !== undefined) throw THROWN[tenant]!();
        return false;
      },
    ],
    credentials: true,
    methods: ['GET', 'PUT'],
    onRefused: (reason) => reasons.push(reason),
  };
}

const CASES = Object.keys(THROWN).flatMap((tenant) => [`https://sync-${tenant}.example.net`, `https://async-${tenant}.example.net`]);

for (const fm of FRAMEWORK_MAJORS) {
  describe(`review-5-validator-throws-unprintable on ${fm.label}`, () => {
    let server: RunningServer;
    const reasons: RefusalReason[] = [];
    beforeAll(async () => {
      server = await START_REFERENCE_APP[fm.framework](fm.major, { cors: policy(reasons) });
    });
    afterAll(async () => {
      await server?.close();
    });

    it.each(CASES)('an actual request from %s is served without CORS headers', async (origin) => {
      reasons.length = 0;
      const res = await rawRequest(server.url, 'GET', '/resource', [['Origin', origin]]);
      expect(res.status).toBe(200);
      expect(res.body).toBe('ok');
      expect(res.corsHeaderNames()).toEqual([]);
      expect(res.header('vary')?.toLowerCase()).toContain('origin');
      expect(reasons.map((r) => r.code)).toEqual(['validator-error']);
      expect(reasons[0]!.message).toContain(`An origin validator failed for ${origin}`);
    });

    it.each(CASES)('a preflight from %s is refused with 403 and no CORS headers', async (origin) => {
      reasons.length = 0;
      const res = await rawRequest(server.url, 'OPTIONS', '/resource', [
        ['Origin', origin],
        ['Access-Control-Request-Method', 'PUT'],
      ]);
      expect(res.status).toBe(403);
      expect(res.corsHeaderNames()).toEqual([]);
      expect(reasons.map((r) => r.code)).toEqual(['validator-error']);
    });

    it('the server still answers an allowed origin afterwards', async () => {
      const res = await rawRequest(server.url, 'GET', '/resource', [['Origin', APP]]);
      expect(res.status).toBe(200);
      expect(res.header('access-control-allow-origin')).toBe(APP);
      expect(res.header('access-control-allow-credentials')).toBe('true');
    });
  });
}
