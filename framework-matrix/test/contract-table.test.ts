// The contract's decisions, one table, run against real servers of every adapter on every framework major.
import type { CorsOptions, RefusalReason } from '@cors/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_NETWORK, PUBLIC_STAR, REGEXP, STRICT, WITH_NULL, validatorPolicy } from '../src/policies.js';
import { rawRequest, type RawResponse } from '../src/raw-http.js';
import { START_REFERENCE_APP } from '../src/servers/index.js';
import { FRAMEWORK_MAJORS, type RunningServer } from '../src/types.js';

type Header = readonly [string, string];

interface Expectation {
  status: number;
  /** Exact values of these headers; `undefined` means absent. */
  headers?: Record<string, string | undefined>;
  /** No `access-control-*` header at all. */
  noCors?: boolean;
  /** Expected Vary tokens (lower-case, in any order, each exactly once), or 'none' for no Vary header. */
  vary?: readonly string[] | 'none';
  body?: string;
  /** Whether the application's handlers saw the request. */
  reachedApp?: boolean;
  /** A refusal reason code reported to onRefused. */
  reason?: RefusalReason['code'];
}

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: readonly Header[];
  body?: string;
  expect: Expectation;
}

interface PolicyGroup {
  name: string;
  options: () => CorsOptions;
  cases: readonly Case[];
}

const APP = 'https://app.example.com';
const origin = (value: string): Header => ['Origin', value];
const acrm = (value: string): Header => ['Access-Control-Request-Method', value];
const acrh = (value: string): Header => ['Access-Control-Request-Headers', value];

const strictAllowedActual = (o: string) => ({
  'access-control-allow-origin': o,
  'access-control-allow-credentials': 'true',
  'access-control-expose-headers': 'x-request-id',
  'access-control-allow-methods': undefined,
  'access-control-max-age': undefined,
});
const strictPreflight = (o: string) => ({
  'access-control-allow-origin': o,
  'access-control-allow-credentials': 'true',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE',
  'access-control-allow-headers': 'content-type, x-trace',
  'access-control-max-age': '600',
  'access-control-expose-headers': undefined,
});
const refusedActual: Expectation = { status: 200, body: 'ok', noCors: true, vary: ['origin'], reachedApp: true };
const malformed = (value: string): Case => ({
  name: `malformed Origin ${JSON.stringify(value)} gets no CORS headers`,
  method: 'GET',
  path: '/resource',
  headers: [origin(value)],
  expect: { ...refusedActual, reason: value === '' ? undefined : 'malformed-origin' },
});

const GROUPS: readonly PolicyGroup[] = [
  {
    name: 'exact origins, patterns and credentials',
    options: () => STRICT,
    cases: [
      { name: 'allowed actual GET', method: 'GET', path: '/resource', headers: [origin(APP)], expect: { status: 200, body: 'ok', headers: { ...strictAllowedActual(APP), 'x-request-id': '42' }, vary: ['origin'], reachedApp: true } },
      { name: 'allowed actual HEAD', method: 'HEAD', path: '/resource', headers: [origin(APP)], expect: { status: 200, headers: strictAllowedActual(APP), vary: ['origin'] } },
      { name: 'allowed actual POST', method: 'POST', path: '/resource', headers: [origin(APP)], body: 'x', expect: { status: 200, body: 'ok', headers: strictAllowedActual(APP), vary: ['origin'], reachedApp: true } },
      { name: 'refused origin: the request is served, without CORS headers', method: 'GET', path: '/resource', headers: [origin('https://evil.example.com')], expect: { ...refusedActual, reason: 'origin-not-allowed' } },
      { name: 'no Origin: served, no CORS headers, still Vary: Origin', method: 'GET', path: '/resource', expect: refusedActual },
      malformed('https://APP.example.com'),
      malformed('https://app.example.com:443'),
      malformed('https://app.example.com.'),
      malformed('https://user@app.example.com'),
      malformed('https://app.example.com, https://evil.example.com'),
      malformed('https://app.example.com/'),
      malformed('https://app.example.com/path'),
      malformed(''),
      malformed('app.example.com'),
      {
        name: 'two Origin header lines are malformed',
        method: 'GET',
        path: '/resource',
        headers: [origin(APP), origin('https://evil.example.com')],
        expect: refusedActual,
      },
      { name: 'subdomain pattern allows one label', method: 'GET', path: '/resource', headers: [origin('https://a.example.org')], expect: { status: 200, headers: strictAllowedActual('https://a.example.org'), vary: ['origin'] } },
      { name: 'subdomain pattern allows several labels', method: 'GET', path: '/resource', headers: [origin('https://a.b.example.org')], expect: { status: 200, headers: strictAllowedActual('https://a.b.example.org'), vary: ['origin'] } },
      { name: 'subdomain pattern never allows the apex', method: 'GET', path: '/resource', headers: [origin('https://example.org')], expect: { ...refusedActual, reason: 'origin-not-allowed' } },
      { name: 'subdomain pattern refuses a look-alike suffix', method: 'GET', path: '/resource', headers: [origin('https://evilexample.org')], expect: { ...refusedActual, reason: 'origin-not-allowed' } },
      { name: 'exact origin refuses the configured host under another domain', method: 'GET', path: '/resource', headers: [origin('https://app.example.com.evil.com')], expect: { ...refusedActual, reason: 'origin-not-allowed' } },
      { name: 'subdomain pattern refuses another scheme', method: 'GET', path: '/resource', headers: [origin('http://a.example.org')], expect: refusedActual },
      { name: 'subdomain pattern refuses another port', method: 'GET', path: '/resource', headers: [origin('https://a.example.org:8443')], expect: refusedActual },
      { name: 'any-port pattern allows a port', method: 'GET', path: '/resource', headers: [origin('http://localhost:5173')], expect: { status: 200, headers: strictAllowedActual('http://localhost:5173'), vary: ['origin'] } },
      { name: 'any-port pattern allows the implicit port', method: 'GET', path: '/resource', headers: [origin('http://localhost')], expect: { status: 200, headers: strictAllowedActual('http://localhost'), vary: ['origin'] } },
      { name: 'null origin is refused unless listed', method: 'GET', path: '/resource', headers: [origin('null')], expect: { ...refusedActual, reason: 'origin-not-allowed' } },
      {
        name: 'allowed preflight is answered by the middleware',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin(APP), acrm('PUT'), acrh('content-type,x-trace')],
        expect: { status: 204, body: '', headers: strictPreflight(APP), vary: ['origin'], reachedApp: false },
      },
      {
        name: 'preflight headers tolerate case, spaces and empty elements',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin(APP), acrm('DELETE'), acrh(' Content-Type ,, X-TRACE ,')],
        expect: { status: 204, body: '', headers: strictPreflight(APP), reachedApp: false },
      },
      {
        name: 'preflight without requested headers',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin('https://x.example.org'), acrm('GET')],
        expect: { status: 204, body: '', headers: strictPreflight('https://x.example.org'), reachedApp: false },
      },
      {
        name: 'preflight refused by origin: 403, no CORS headers',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin('https://evil.example.com'), acrm('PUT')],
        expect: { status: 403, body: '', noCors: true, vary: ['origin'], reachedApp: false, reason: 'origin-not-allowed' },
      },
      {
        name: 'preflight refused by method',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin(APP), acrm('PATCH')],
        expect: { status: 403, body: '', noCors: true, vary: ['origin'], reachedApp: false, reason: 'method-not-allowed' },
      },
      {
        name: 'preflight methods match case-sensitively',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin(APP), acrm('put')],
        expect: { status: 403, noCors: true, vary: ['origin'], reachedApp: false, reason: 'method-not-allowed' },
      },
      {
        name: 'preflight refused by an unlisted header',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin(APP), acrm('PUT'), acrh('content-type,x-secret')],
        expect: { status: 403, body: '', noCors: true, vary: ['origin'], reachedApp: false, reason: 'header-not-allowed' },
      },
      {
        name: 'preflight with a malformed origin is refused',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin('https://APP.example.com'), acrm('PUT')],
        expect: { status: 403, noCors: true, vary: ['origin'], reachedApp: false, reason: 'malformed-origin' },
      },
      {
        name: 'private network access is refused unless enabled',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin(APP), acrm('GET'), ['Access-Control-Request-Private-Network', 'true']],
        expect: { status: 403, noCors: true, vary: ['origin'], reachedApp: false, reason: 'private-network-not-allowed' },
      },
      {
        name: 'OPTIONS without Access-Control-Request-Method reaches the application',
        method: 'OPTIONS',
        path: '/own-options',
        headers: [origin(APP)],
        expect: { status: 200, body: 'own', headers: { 'x-own-options': 'yes', 'access-control-allow-origin': APP, 'access-control-allow-methods': undefined }, reachedApp: true },
      },
      {
        name: 'a preflight to a path with its own OPTIONS handler is still answered by the middleware',
        method: 'OPTIONS',
        path: '/own-options',
        headers: [origin(APP), acrm('GET')],
        expect: { status: 204, body: '', headers: { ...strictPreflight(APP), 'x-own-options': undefined }, reachedApp: false },
      },
      {
        name: 'a preflight to an unknown path is answered',
        method: 'OPTIONS',
        path: '/no-such-path',
        headers: [origin(APP), acrm('PUT')],
        expect: { status: 204, headers: strictPreflight(APP), reachedApp: false },
      },
      { name: 'a thrown error keeps CORS headers', method: 'GET', path: '/throws', headers: [origin(APP)], expect: { status: 500, headers: strictAllowedActual(APP), vary: ['origin'] } },
      { name: 'a 404 keeps CORS headers', method: 'GET', path: '/no-such-path', headers: [origin(APP)], expect: { status: 404, headers: strictAllowedActual(APP), vary: ['origin'] } },
      {
        name: 'a validation failure keeps CORS headers',
        method: 'POST',
        path: '/schema',
        headers: [origin(APP), ['Content-Type', 'application/json']],
        body: '{}',
        expect: { status: 400, headers: strictAllowedActual(APP), vary: ['origin'] },
      },
      {
        name: 'a valid body passes the same route',
        method: 'POST',
        path: '/schema',
        headers: [origin(APP), ['Content-Type', 'application/json']],
        body: '{"name":"a"}',
        expect: { status: 200, headers: strictAllowedActual(APP) },
      },
      { name: "Vary: Origin survives the route's own Vary", method: 'GET', path: '/vary', headers: [origin(APP)], expect: { status: 200, headers: strictAllowedActual(APP), vary: ['accept-encoding', 'origin'] } },
      { name: "Vary: Origin survives the route's own Vary without Origin", method: 'GET', path: '/vary', expect: { status: 200, noCors: true, vary: ['accept-encoding', 'origin'] } },
      { name: 'Vary: * is left alone', method: 'GET', path: '/vary-star', headers: [origin(APP)], expect: { status: 200, headers: strictAllowedActual(APP), vary: ['*'] } },
    ],
  },
  {
    name: "the public '*' policy",
    options: () => PUBLIC_STAR,
    cases: [
      { name: 'any origin gets *', method: 'GET', path: '/resource', headers: [origin('https://anyone.example')], expect: { status: 200, body: 'ok', headers: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': undefined, 'access-control-expose-headers': 'x-request-id' }, vary: 'none' } },
      { name: 'the null origin gets *', method: 'GET', path: '/resource', headers: [origin('null')], expect: { status: 200, headers: { 'access-control-allow-origin': '*' } } },
      // A static policy gives a static answer, so a shared cache may store any copy (review finding 2).
      { name: 'no Origin: the same * answer, and no Vary', method: 'GET', path: '/resource', expect: { status: 200, headers: { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-request-id' }, vary: 'none' } },
      { name: 'a malformed origin: the same * answer, and no Vary', method: 'GET', path: '/resource', headers: [origin('https://a.example, https://b.example')], expect: { status: 200, headers: { 'access-control-allow-origin': '*' }, vary: 'none' } },
      {
        name: 'allowed preflight with *',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin('https://anyone.example'), acrm('PUT'), acrh('content-type')],
        expect: { status: 204, headers: { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, PUT', 'access-control-allow-headers': 'content-type', 'access-control-allow-credentials': undefined, 'access-control-max-age': undefined }, reachedApp: false },
      },
      {
        name: 'preflight refused by method under *',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin('https://anyone.example'), acrm('DELETE')],
        expect: { status: 403, noCors: true, vary: 'none', reachedApp: false, reason: 'method-not-allowed' },
      },
    ],
  },
  {
    name: "an explicit 'null'",
    options: () => WITH_NULL,
    cases: [
      { name: 'null is allowed when listed', method: 'GET', path: '/resource', headers: [origin('null')], expect: { status: 200, headers: { 'access-control-allow-origin': 'null', 'access-control-allow-credentials': undefined }, vary: ['origin'] } },
      { name: 'the listed origin is allowed', method: 'GET', path: '/resource', headers: [origin(APP)], expect: { status: 200, headers: { 'access-control-allow-origin': APP } } },
      { name: 'preflight defaults: GET, HEAD, POST and no headers', method: 'OPTIONS', path: '/resource', headers: [origin('null'), acrm('POST')], expect: { status: 204, headers: { 'access-control-allow-origin': 'null', 'access-control-allow-methods': 'GET, HEAD, POST', 'access-control-allow-headers': undefined } } },
      { name: 'default allowedHeaders is empty', method: 'OPTIONS', path: '/resource', headers: [origin(APP), acrm('POST'), acrh('content-type')], expect: { status: 403, noCors: true, vary: ['origin'], reason: 'header-not-allowed' } },
    ],
  },
  {
    name: 'an anchored RegExp',
    options: () => REGEXP,
    cases: [
      { name: 'matching origin is allowed', method: 'GET', path: '/resource', headers: [origin('https://pr-42.example.com')], expect: { status: 200, headers: { 'access-control-allow-origin': 'https://pr-42.example.com' } } },
      { name: 'non-matching origin is refused', method: 'GET', path: '/resource', headers: [origin('https://pr-42.example.com.evil.com')], expect: { ...refusedActual, reason: 'origin-not-allowed' } },
      { name: 'the RegExp never sees a malformed origin', method: 'GET', path: '/resource', headers: [origin('https://pr-42.example.com:443')], expect: { ...refusedActual, reason: 'malformed-origin' } },
    ],
  },
  {
    name: 'private network access',
    options: () => PRIVATE_NETWORK,
    cases: [
      {
        name: 'answered when enabled',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin(APP), acrm('GET'), ['Access-Control-Request-Private-Network', 'true']],
        expect: { status: 204, headers: { 'access-control-allow-origin': APP, 'access-control-allow-private-network': 'true', 'access-control-allow-methods': 'GET' } },
      },
      {
        name: 'not sent when not asked',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin(APP), acrm('GET')],
        expect: { status: 204, headers: { 'access-control-allow-private-network': undefined } },
      },
    ],
  },
  {
    name: 'origin validators',
    options: validatorPolicy,
    cases: [
      { name: 'an async validator allows a tenant', method: 'GET', path: '/resource', headers: [origin('https://tenant.example.net')], expect: { status: 200, body: 'ok', headers: { 'access-control-allow-origin': 'https://tenant.example.net', 'access-control-allow-credentials': 'true' }, vary: ['origin'], reachedApp: true } },
      { name: 'a static entry needs no validator', method: 'GET', path: '/resource', headers: [origin(APP)], expect: { status: 200, headers: { 'access-control-allow-origin': APP } } },
      { name: 'validators refuse an unknown origin', method: 'GET', path: '/resource', headers: [origin('https://stranger.example.net')], expect: { ...refusedActual, reason: 'origin-not-allowed' } },
      { name: 'a throwing validator refuses, and the request goes on', method: 'GET', path: '/resource', headers: [origin('https://throws.example.net')], expect: { ...refusedActual, reason: 'validator-error' } },
      { name: 'a rejecting validator refuses, and the request goes on', method: 'GET', path: '/resource', headers: [origin('https://rejects.example.net')], expect: { ...refusedActual, reason: 'validator-error' } },
      { name: 'validators never see a malformed origin', method: 'GET', path: '/resource', headers: [origin('https://TENANT.example.net')], expect: { ...refusedActual, reason: 'malformed-origin' } },
      {
        name: 'a preflight allowed by an async validator uses preflightStatus',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin('https://tenant.example.net'), acrm('PUT'), acrh('content-type')],
        expect: { status: 200, body: '', headers: { 'access-control-allow-origin': 'https://tenant.example.net', 'access-control-allow-methods': 'GET, PUT' }, reachedApp: false },
      },
      {
        name: 'a preflight with a throwing validator is refused with 403',
        method: 'OPTIONS',
        path: '/resource',
        headers: [origin('https://throws.example.net'), acrm('PUT')],
        expect: { status: 403, noCors: true, vary: ['origin'], reachedApp: false, reason: 'validator-error' },
      },
    ],
  },
];

function varyTokens(res: RawResponse): string[] {
  const value = res.header('vary');
  if (value === undefined) return [];
  return value.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
}

for (const fm of FRAMEWORK_MAJORS) {
  describe(`contract table on ${fm.label}`, () => {
    for (const group of GROUPS) {
      describe(group.name, () => {
        let server: RunningServer;
        const seen: string[] = [];
        const reasons: RefusalReason[] = [];
        beforeAll(async () => {
          server = await START_REFERENCE_APP[fm.framework](fm.major, {
            cors: { ...group.options(), onRefused: (reason) => reasons.push(reason) },
            onRequestSeen: (line) => seen.push(line),
          });
        });
        afterAll(async () => {
          await server?.close();
        });

        for (const c of group.cases) {
          it(c.name, async () => {
            seen.length = 0;
            reasons.length = 0;
            const res = await rawRequest(server.url, c.method, c.path, c.headers ?? [], c.body);
            const e = c.expect;
            expect(res.status, `status of ${c.method} ${c.path}`).toBe(e.status);
            for (const [name, value] of Object.entries(e.headers ?? {})) {
              expect(res.header(name), `header ${name}`).toBe(value);
            }
            if (e.noCors) expect(res.corsHeaderNames()).toEqual([]);
            // Never more than one value for the headers a browser reads strictly.
            expect(res.headers.get('access-control-allow-origin')?.length ?? 0).toBeLessThanOrEqual(1);
            if (e.vary === 'none') expect(res.header('vary')).toBeUndefined();
            else if (e.vary) {
              const tokens = varyTokens(res);
              expect([...tokens].sort()).toEqual([...e.vary].sort());
            }
            if (e.body !== undefined) expect(res.body).toBe(e.body);
            if (e.reachedApp !== undefined) expect(seen.length > 0, `app saw: ${seen.join(', ')}`).toBe(e.reachedApp);
            if (e.reason !== undefined) expect(reasons.map((r) => r.code)).toContain(e.reason);
            if (!c.headers?.some(([n]) => n === 'Origin')) expect(reasons, 'no Origin is not a refusal').toEqual([]);
          });
        }
      });
    }
  });
}
