// Security review, finding 1, through real servers: the validator cache was keyed by origin only, although
// validators receive the request. With `origin: [async (o, req) => tenants[req.hostname] === o]` and
// `validatorCache: { ttl: 60 }`, a request to globex.api.test from https://globex.example cached "yes", and a
// credentialed request to acme.api.test from https://globex.example was then allowed: one tenant's origin read
// another tenant's data. A cached "no" locked real tenants out the same way.
//
// Now such a configuration is refused at start-up unless the cache says what of the request it is keyed by, and
// with a key each (origin, host) pair gets its own answer, on every adapter and framework major.
import { CorsConfigError, createOriginCache, type CorsOptions } from '@cors/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawResponse } from '../src/raw-http.js';
import { startExpress } from '../src/servers/express.js';
import { startFastify } from '../src/servers/fastify.js';
import { startKoa } from '../src/servers/koa.js';
import type { RunningServer, StartReferenceApp } from '../src/types.js';

const MAJORS: readonly { label: string; major: number; start: StartReferenceApp }[] = [
  { label: 'express 4', major: 4, start: startExpress },
  { label: 'express 5', major: 5, start: startExpress },
  { label: 'koa 2', major: 2, start: startKoa },
  { label: 'koa 3', major: 3, start: startKoa },
  { label: 'fastify 4', major: 4, start: startFastify },
  { label: 'fastify 5', major: 5, start: startFastify },
];

const ACME = 'https://acme.example';
const GLOBEX = 'https://globex.example';
/** Each tenant's API host and the one origin its front end runs on. */
const TENANTS: Readonly<Record<string, string>> = { 'acme.api.test': ACME, 'globex.api.test': GLOBEX };

/** The request object each framework hands validators (req, ctx, request) has `hostname`, from the Host header. */
interface WithHostname {
  readonly hostname: string;
}

function tenantPolicy(calls: string[], validatorCache: CorsOptions<WithHostname>['validatorCache']): CorsOptions<WithHostname> {
  return {
    origin: [
      async (origin: string, request: WithHostname) => {
        calls.push(`${request.hostname} ${origin}`);
        return TENANTS[request.hostname] === origin;
      },
    ],
    credentials: true,
    validatorCache,
  };
}

function get(server: RunningServer, host: string, origin: string): Promise<RawResponse> {
  return rawRequest(server.url, 'GET', '/resource', [
    ['Host', host],
    ['Origin', origin],
    ['Cookie', 'session=s3cr3t'],
  ]);
}

function expectAllowed(res: RawResponse, origin: string): void {
  expect(res.status).toBe(200);
  expect(res.body).toBe('ok');
  expect(res.header('access-control-allow-origin')).toBe(origin);
  expect(res.header('access-control-allow-credentials')).toBe('true');
}

function expectRefused(res: RawResponse): void {
  expect(res.status).toBe(200);
  expect(res.body).toBe('ok');
  expect(res.corsHeaderNames()).toEqual([]);
}

const byHostname = (_origin: string, request: WithHostname): string => request.hostname;

for (const { label, major, start } of MAJORS) {
  describe(`review-1-validator-cache-ignores-request on ${label}`, () => {
    it.each([
      ['validatorCache: { ttl: 60 }', () => ({ ttl: 60 })],
      ['validatorCache: true', () => true as const],
      ['a shared cache without key', () => createOriginCache({ ttl: 60 })],
    ])('a validator reading the request is refused at start-up with %s, and the hint names key', async (_name, make) => {
      let server: RunningServer | undefined;
      let error: unknown;
      try {
        server = await start(major, { cors: tenantPolicy([], make()) });
      } catch (caught) {
        error = caught;
      }
      await server?.close();
      expect(error).toBeInstanceOf(CorsConfigError);
      const problems = (error as CorsConfigError).problems;
      expect(problems.map((p) => p.path)).toEqual(['validatorCache']);
      expect(problems[0]!.hint).toContain('key: (origin, request) =>');
    });

    describe.each([
      ['an inline key', () => ({ ttl: 60, key: byHostname })],
      ['a shared cache with a key', () => createOriginCache<WithHostname>({ ttl: 60, key: byHostname })],
    ])('with %s', (_name, make) => {
      let server: RunningServer;
      const calls: string[] = [];
      beforeAll(async () => {
        server = await start(major, { cors: tenantPolicy(calls, make()) });
      });
      afterAll(async () => {
        await server?.close();
      });

      it("a cached yes for one tenant's host is not reused for another host", async () => {
        calls.length = 0;
        expectAllowed(await get(server, 'globex.api.test', GLOBEX), GLOBEX);
        // The attack: globex's origin, credentialed, against acme's API.
        expectRefused(await get(server, 'acme.api.test', GLOBEX));
        expectRefused(await get(server, 'acme.api.test', GLOBEX));
        expectAllowed(await get(server, 'globex.api.test', GLOBEX), GLOBEX);
        expect(calls).toEqual(['globex.api.test https://globex.example', 'acme.api.test https://globex.example']);
      });

      it("a cached no for one host does not lock the origin's own tenant out", async () => {
        calls.length = 0;
        expectRefused(await get(server, 'globex.api.test', ACME));
        expectAllowed(await get(server, 'acme.api.test', ACME), ACME);
        expectAllowed(await get(server, 'acme.api.test', ACME), ACME);
        expectRefused(await get(server, 'globex.api.test', ACME));
        expect(calls).toEqual(['globex.api.test https://acme.example', 'acme.api.test https://acme.example']);
      });
    });
  });
}
