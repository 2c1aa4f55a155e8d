import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createCorsPolicy, isThenable, type CorsDecision, type CorsPolicy, type CorsRequestHeaders } from '../src/index.js';
import { decideNow } from './support.js';

// ---------------------------------------------------------------------------------------------------------------
// A reference model of the origin grammar, written to be obviously right rather than fast: a regular expression
// for what a browser sends, and string comparisons for exact, `*.` and `:*` patterns.
// ---------------------------------------------------------------------------------------------------------------

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

interface RefPattern {
  readonly scheme: string;
  readonly wildcard: boolean;
  readonly host: string;
  /** '' for the default port, '*' for any. */
  readonly port: string;
}

function refParse(origin: string): { scheme: string; host: string; port: string } | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([a-z0-9_-]+(?:\.[a-z0-9_-]+)*)(?::([1-9]\d{0,4}))?$/.exec(origin);
  if (m === null) return null;
  const scheme = m[1]!;
  const host = m[2]!;
  const port = m[3] ?? '';
  if (port !== '' && (Number(port) > 65535 || DEFAULT_PORT[scheme] === port)) return null;
  if (host.length > 253 || host.split('.').some((label) => label.length > 63)) return null;
  const last = host.slice(host.lastIndexOf('.') + 1);
  if (/^(?:\d+|0x[0-9a-f]*)$/.test(last) && !IPV4.test(host)) return null;
  return { scheme, host, port };
}

type Verdict = 'allowed' | 'refused' | 'malformed';

function refDecide(patterns: readonly RefPattern[], allowNull: boolean, origin: string): Verdict {
  if (origin === 'null') return allowNull ? 'allowed' : 'refused';
  const o = refParse(origin);
  if (o === null) return 'malformed';
  for (const p of patterns) {
    if (p.scheme !== o.scheme) continue;
    if (p.port !== '*' && p.port !== o.port) continue;
    if (p.wildcard ? o.host.endsWith(`.${p.host}`) : o.host === p.host) return 'allowed';
  }
  return 'refused';
}

function coreVerdict(decision: CorsDecision): Verdict {
  if (decision.allowed) return 'allowed';
  return decision.reason?.code === 'malformed-origin' ? 'malformed' : 'refused';
}

// ---------------------------------------------------------------------------------------------------------------
// Generators: hosts from a small alphabet of labels so that matches and near misses both happen often.
// ---------------------------------------------------------------------------------------------------------------

const LABELS = ['a', 'b', 'ab', 'foo', 'bar', 'app', 'example', 'com', 'x-y', 'localhost'] as const;
const label = fc.constantFrom(...LABELS);

const patternArb = fc.record({
  scheme: fc.constantFrom('http', 'https'),
  wildcard: fc.boolean(),
  labels: fc.array(label, { minLength: 1, maxLength: 3 }),
  port: fc.constantFrom('', '', '8080', '3000', '*', '443', '80'),
  shout: fc.boolean(),
});
type PatternSpec = typeof patternArb extends fc.Arbitrary<infer T> ? T : never;

function patternString(p: PatternSpec): string {
  const text = `${p.scheme}://${p.wildcard ? '*.' : ''}${p.labels.join('.')}${p.port ? `:${p.port}` : ''}`;
  return p.shout ? text.toUpperCase() : text; // configuration is normalised; requests are not
}

function refPattern(p: PatternSpec): RefPattern {
  return { scheme: p.scheme, wildcard: p.wildcard, host: p.labels.join('.'), port: DEFAULT_PORT[p.scheme] === p.port ? '' : p.port };
}

const MUTATIONS = [
  'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none',
  'upper', 'upperScheme', 'trailingDot', 'glue', 'appendEvil', 'dropLabel', 'defaultPort', 'leadingZero', 'port0',
  'bigPort', 'emptyPort', 'slash', 'path', 'userinfo', 'two', 'space', 'otherScheme',
] as const;

const recipeArb = fc.record({
  random: fc.constantFrom(false, false, false, false, true),
  pick: fc.nat(),
  prefix: fc.array(label, { maxLength: 2 }),
  usePatternPort: fc.constantFrom(true, true, true, false),
  port: fc.constantFrom('', '', '8080', '3000', '1', '65535', '443', '80'),
  flipScheme: fc.boolean(),
  labels: fc.array(label, { minLength: 1, maxLength: 4 }),
  mutation: fc.constantFrom(...MUTATIONS),
  at: fc.nat(),
});
type Recipe = typeof recipeArb extends fc.Arbitrary<infer T> ? T : never;

/** Turns a recipe into a request Origin, usually close to one of the configured patterns. */
function buildOrigin(patterns: readonly RefPattern[], r: Recipe): string {
  let scheme: string;
  let host: string;
  let port: string;
  if (r.random || patterns.length === 0) {
    scheme = r.flipScheme ? 'http' : 'https';
    host = r.labels.join('.');
    port = r.port;
  } else {
    const p = patterns[r.pick % patterns.length]!;
    scheme = r.flipScheme && r.at % 4 === 0 ? (p.scheme === 'http' ? 'https' : 'http') : p.scheme;
    // For a `*.` pattern no prefix gives the apex; for an exact one a prefix gives an extra label.
    host = r.prefix.length > 0 ? `${r.prefix.join('.')}.${p.host}` : p.host;
    port = r.usePatternPort ? (p.port === '*' ? r.port : p.port) : r.port;
  }
  let userinfo = '';
  let tail = '';
  switch (r.mutation) {
    case 'upper': {
      const i = r.at % host.length;
      host = host.slice(0, i) + host.charAt(i).toUpperCase() + host.slice(i + 1);
      break;
    }
    case 'upperScheme':
      scheme = scheme.toUpperCase();
      break;
    case 'trailingDot':
      host += '.';
      break;
    case 'glue':
      host = `evil${host}`;
      break;
    case 'appendEvil':
      host += '.evil.net';
      break;
    case 'dropLabel':
      host = host.includes('.') ? host.slice(host.indexOf('.') + 1) : host;
      break;
    case 'defaultPort':
      port = DEFAULT_PORT[scheme]!;
      break;
    case 'leadingZero':
      port = `0${port || '8080'}`;
      break;
    case 'port0':
      port = '0';
      break;
    case 'bigPort':
      port = String(65536 + (r.at % 1000));
      break;
    case 'emptyPort':
      tail = ':';
      break;
    case 'slash':
      tail = '/';
      break;
    case 'path':
      tail = '/x';
      break;
    case 'userinfo':
      userinfo = 'user@';
      break;
    case 'otherScheme':
      scheme = 'ftp';
      break;
  }
  let origin = `${scheme}://${userinfo}${host}${port ? `:${port}` : ''}${tail}`;
  if (r.mutation === 'two') origin = `${origin}, ${origin}`;
  if (r.mutation === 'space') origin = r.at % 2 === 0 ? ` ${origin}` : `${origin} `;
  if (r.mutation === 'none' && r.at % 97 === 0) origin = 'null';
  return origin;
}

const ORIGINS_PER_RUN = 100;
const RUNS = 1000;

describe('the origin matcher agrees with a naive reference model', () => {
  it(`on ${RUNS * ORIGINS_PER_RUN} generated origins against generated pattern sets`, () => {
    const tally: Record<Verdict, number> = { allowed: 0, refused: 0, malformed: 0 };
    fc.assert(
      fc.property(
        fc.array(patternArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.array(recipeArb, { minLength: ORIGINS_PER_RUN, maxLength: ORIGINS_PER_RUN }),
        (specs, allowNull, recipes) => {
          const patterns = specs.map(refPattern);
          const origin = specs.map(patternString);
          const policy = createCorsPolicy({ origin: allowNull ? [...origin, 'null'] : origin });
          for (const recipe of recipes) {
            const requestOrigin = buildOrigin(patterns, recipe);
            const expected = refDecide(patterns, allowNull, requestOrigin);
            const decision = decideNow(policy, 'GET', { origin: requestOrigin });
            const actual = coreVerdict(decision);
            if (actual !== expected) {
              throw new Error(`${JSON.stringify(requestOrigin)} against ${JSON.stringify(origin)}: core ${actual}, reference ${expected}`);
            }
            if (decision.allowed && decision.headers[0]![1] !== requestOrigin) throw new Error('ACAO is not the request origin');
            if (decision.vary.length !== 1) throw new Error('missing Vary: Origin');
            tally[expected]++;
          }
        },
      ),
      { numRuns: RUNS },
    );
    const total = tally.allowed + tally.refused + tally.malformed;
    expect(total).toBeGreaterThanOrEqual(100_000);
    // The generator is only useful if every outcome is common.
    expect(tally.allowed / total).toBeGreaterThan(0.05);
    expect(tally.refused / total).toBeGreaterThan(0.05);
    expect(tally.malformed / total).toBeGreaterThan(0.05);
  });

  it('the reference model itself knows the classic cases', () => {
    const p = (scheme: string, wildcard: boolean, host: string, port = ''): RefPattern => ({ scheme, wildcard, host, port });
    expect(refDecide([p('https', true, 'example.com')], false, 'https://a.example.com')).toBe('allowed');
    expect(refDecide([p('https', true, 'example.com')], false, 'https://example.com')).toBe('refused');
    expect(refDecide([p('https', true, 'example.com')], false, 'https://evilexample.com')).toBe('refused');
    expect(refDecide([p('https', false, 'foo.com'), p('https', false, 'bar.com')], false, 'https://barfoo.com')).toBe('refused');
    expect(refDecide([p('http', false, 'localhost', '*')], false, 'http://localhost')).toBe('allowed');
    expect(refDecide([p('https', false, 'a.com')], false, 'https://a.com:443')).toBe('malformed');
    expect(refDecide([p('https', false, 'a.com')], false, 'https://A.com')).toBe('malformed');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Whatever the request holds, decide never throws and keeps the contract's invariants.
// ---------------------------------------------------------------------------------------------------------------

const INTERESTING = [
  'null', 'https://app.example.com', 'https://a.example.com', 'http://localhost:3000', 'OPTIONS', 'GET', 'PUT', 'patch',
  'authorization', 'content-type', 'x-a', ',', ' ', '\t', '', '*', 'true', 'https://app.example.com, https://app.example.com',
  'constructor', '__proto__', 'toString', 'hasOwnProperty', '\u0000', 'https://[::1]', 'https://[', 'https://app.example.com:',
];
const CHARS = [...' ,\t:/.*[]@#?aAzZ09-_%é\u0000\u00ff\ud800', 'x-a', 'https://', 'app.example.com'];
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 40 }),
  fc.constantFrom(...INTERESTING),
);
const headerValue = fc.option(fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.array(text, { maxLength: 3 }) }), { nil: undefined });
const requestArb = fc.record({
  method: fc.oneof(fc.constantFrom('OPTIONS', 'OPTIONS', 'GET', 'POST', 'options'), text),
  origin: headerValue,
  acrm: headerValue,
  acrh: headerValue,
  pna: headerValue,
});
type GeneratedRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function headersFrom(r: GeneratedRequest): CorsRequestHeaders {
  const headers: Record<string, string | readonly string[]> = {};
  if (r.origin !== undefined) headers.origin = r.origin;
  if (r.acrm !== undefined) headers['access-control-request-method'] = r.acrm;
  if (r.acrh !== undefined) headers['access-control-request-headers'] = r.acrh;
  if (r.pna !== undefined) headers['access-control-request-private-network'] = r.pna;
  return headers;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

function checkInvariants(decision: CorsDecision, r: GeneratedRequest, preflightStatus: number): void {
  check(decision.kind === 'actual' || decision.kind === 'preflight', 'kind');
  const names = decision.headers.map(([n]) => n);
  check(new Set(names).size === names.length, 'a header set twice');
  if (!decision.allowed) check(decision.headers.length === 0, 'refused with headers');
  if (decision.kind === 'preflight') {
    check(r.method === 'OPTIONS' && typeof r.acrm === 'string' && r.origin !== undefined, 'preflight without its headers');
    check(decision.status === (decision.allowed ? preflightStatus : 403), 'status');
  }
  const acao = decision.headers.find(([n]) => n === 'access-control-allow-origin')?.[1];
  // Without an Origin only the '*' policy's static answer is allowed, and nothing is reported.
  if (r.origin === undefined) check((!decision.allowed || acao === '*') && decision.reason === null, 'absent Origin allowed or reported');
  if (decision.allowed) {
    const sent = typeof r.origin === 'string' ? r.origin : r.origin?.[0];
    check(acao === '*' || acao === sent, `Access-Control-Allow-Origin ${acao} for ${String(sent)}`);
  }
  const acac = decision.headers.find(([n]) => n === 'access-control-allow-credentials')?.[1];
  if (acac !== undefined) check(acac === 'true' && acao !== '*', 'Allow-Credentials');
  for (const [, value] of decision.headers) check(!/[\r\n\0]/.test(value), 'a control character in a header value');
}

const flaky = (origin: string): boolean => {
  if (origin.length % 3 === 0) throw new Error('validator failed');
  return origin.length % 3 === 1;
};

const SYNC_POLICIES: readonly [CorsPolicy, number][] = [
  [createCorsPolicy({ origin: 'https://app.example.com', credentials: true, allowedHeaders: ['x-a', 'authorization'], exposedHeaders: ['x-b'], maxAge: 60 }), 204],
  [createCorsPolicy({ origin: ['https://*.example.com:*', 'http://localhost:*', 'http://[::1]:*'], methods: ['GET', 'PUT', 'patch'], allowPrivateNetwork: true }), 204],
  [createCorsPolicy({ origin: '*', methods: '*', allowedHeaders: '*', exposedHeaders: '*', preflightStatus: 200 }), 200],
  [createCorsPolicy({ origin: ['null', /^https:\/\/[a-z]+\.example\.net$/], allowedHeaders: ['content-type'] }), 204],
  [createCorsPolicy({ origin: [flaky, () => true], onRefused: () => { throw new Error('hook'); } }), 204],
  [createCorsPolicy({ origin: flaky, validatorCache: { maxEntries: 4, ttl: 60 } }), 204],
];

describe('decide never throws', () => {
  it('on arbitrary method, Origin, Access-Control-Request-Method, -Headers and -Private-Network', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        const headers = headersFrom(r);
        for (const [policy, status] of SYNC_POLICIES) {
          const decision = policy.decide(r.method, headers);
          check(!isThenable(decision), 'a synchronous policy returned a promise');
          checkInvariants(decision as CorsDecision, r, status);
        }
      }),
      { numRuns: 15_000 },
    );
  });

  it('and never rejects with asynchronous validators', async () => {
    let calls = 0;
    const policy = createCorsPolicy({
      origin: [
        async (origin: string) => {
          calls++;
          if (calls % 4 === 0) throw new Error('db down');
          return origin.length % 2 === 0;
        },
        (origin: string) => (calls % 5 === 0 ? Promise.reject(new Error('later')) : origin.endsWith('.example.com')),
      ],
      validatorCache: { maxEntries: 8, ttl: 60 },
      allowedHeaders: ['x-a'],
      onRefused: () => {
        throw new Error('hook');
      },
    });
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const decision = await policy.decide(r.method, headersFrom(r));
        checkInvariants(decision, r, 204);
      }),
      { numRuns: 2_000 },
    );
  });
});
