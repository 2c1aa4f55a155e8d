// Security review, finding 11: configuration gaps.
// (a) RegExps skipped the refusals strings get with credentials; (b) options were read through the prototype
// chain, so a polluted Object.prototype could switch credentials on; (c) schemes that never appear in an Origin
// header were accepted, and could never match.
import { describe, expect, it } from 'vitest';
import { CorsConfigError, createCorsPolicy, type CorsDecision, type CorsOptions } from '../src/index.js';
import { headersOf, preflightHeaders } from './support.js';

function problemsOf(options: CorsOptions): CorsConfigError['problems'] {
  try {
    createCorsPolicy(options);
  } catch (error) {
    expect(error).toBeInstanceOf(CorsConfigError);
    return (error as CorsConfigError).problems;
  }
  return [];
}

function decide(options: CorsOptions, origin: string, method = 'GET'): CorsDecision {
  const policy = createCorsPolicy(options);
  return (method === 'OPTIONS' ? policy.decide('OPTIONS', preflightHeaders(origin, 'GET')) : policy.decide('GET', { origin })) as CorsDecision;
}

const PUBLIC_SUFFIX_HINT = (suffix: string) =>
  `narrow it to your own domain, e.g. 'https://*.your-site.${suffix}' (or set dangerouslyAllowWildcardOverPublicSuffix: true)`;

describe('review-11-regexp-refused-like-strings', () => {
  it.each([
    [/^.*$/, 'matches every origin'],
    [/^https:\/\/a\.com|.*$/, 'matches every origin'],
    [/^https:\/\/[a-z]+\.[a-z]+$/, 'matches every origin'],
    [/^https?:\/\/.+$/, 'matches every origin'],
  ])('%s is refused with credentials: it reflects every origin', (re, message) => {
    const problems = problemsOf({ origin: re, credentials: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'origin' });
    expect(problems[0]!.message).toContain(message);
    expect(problems[0]!.message).toMatch(/it allowed the random origin 'https?:\/\/[a-z]+\.[a-z]+(:\d+)?'/);
    expect(problems[0]!.hint).toContain('list the exact origins that need cookies');
    // No escape hatch covers it, as none covers '*' with credentials.
    expect(problemsOf({ origin: re, credentials: true, dangerouslyAllowInsecureOrigins: true, dangerouslyAllowWildcardOverPublicSuffix: true })).toHaveLength(1);
  });

  it.each([
    [/^http:\/\/evil\.com$/, 'http://evil.com'],
    [/^https?:\/\/app\.example\.com$/, 'http://app.example.com'],
    [/^(?:https:\/\/a\.example\.com|http:\/\/b\.example\.com)$/, 'http://b.example.com'],
    [/^[a-z]+:\/\/x\.example\.com$/, 'http://x.example.com'],
    [/^http:\/\/(?:a|b)\.example\.com:\d{4}$/, 'http://a.example.com:1111'],
  ])('%s is refused with credentials: plain http, with the hint strings get', (re, witness) => {
    const problems = problemsOf({ origin: re, credentials: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(`${String(re)} (it allowed '${witness}') is plain http with credentials, so anyone on the network path can read its responses`);
    const asString = problemsOf({ origin: witness, credentials: true })[0]!;
    expect(problems[0]!.hint).toContain(`use 'https://${witness.slice(7)}'`);
    expect(problems[0]!.hint.endsWith('only loopback hosts may use http (or set dangerouslyAllowInsecureOrigins: true)')).toBe(true);
    expect(asString.hint.endsWith('only loopback hosts may use http (or set dangerouslyAllowInsecureOrigins: true)')).toBe(true);
    expect(problemsOf({ origin: re, credentials: true, dangerouslyAllowInsecureOrigins: true })).toEqual([]);
  });

  it.each([
    [/^https:\/\/[a-z]+\.github\.io$/, 'github.io'],
    [/^https:\/\/[a-z0-9-]+\.github\.io$/, 'github.io'],
    [/^https:\/\/.+\.herokuapp\.com$/u, 'herokuapp.com'],
    [/^https:\/\/[^.]+\.co\.uk$/, 'co.uk'],
    [/^https:\/\/\w+\.vercel\.app$/, 'vercel.app'],
    [/^https:\/\/[a-z]+\.pages\.dev:\d+$/, 'pages.dev'],
    [/^https:\/\/[a-z]{3}\.github\.io$/, 'github.io'],
    [/^https:\/\/.*\.com$/, 'com'],
    // The v flag (written with the constructor: TypeScript's target predates it).
    [new RegExp('^https:\\/\\/[\\p{Ll}\\d]+\\.netlify\\.app$', 'v'), 'netlify.app'],
  ])('%s is refused with credentials: it trusts every site under %s, with the hint strings get', (re, suffix) => {
    const problems = problemsOf({ origin: re, credentials: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(new RegExp(`^${escape(String(re))} \\(it allowed '[^']+'\\) trusts every site registered under the public suffix '${escape(suffix)}'$`));
    expect(problems[0]!.hint).toBe(PUBLIC_SUFFIX_HINT(suffix));
    expect(problemsOf({ origin: `https://*.${suffix}`, credentials: true })[0]!.hint).toBe(PUBLIC_SUFFIX_HINT(suffix));
    expect(problemsOf({ origin: re, credentials: true, dangerouslyAllowWildcardOverPublicSuffix: true })).toEqual([]);
  });

  it('the witness a refusal names is an origin the RegExp really allows', () => {
    const [problem] = problemsOf({ origin: /^https:\/\/[a-z]+\.github\.io$/, credentials: true });
    const witness = /it allowed '([^']+)'/.exec(problem!.message)![1]!;
    expect(decide({ origin: /^https:\/\/[a-z]+\.github\.io$/ }, witness).allowed).toBe(true);
  });

  it.each([
    [/^https:\/\/pr-\d+\.example\.com$/, 'https://pr-12.example.com', 'https://pr-x.example.com'],
    [/^http:\/\/localhost:\d+$/, 'http://localhost:5173', 'http://localhost.evil.com:5173'],
    [/^http:\/\/127\.0\.0\.1:\d+$/, 'http://127.0.0.1:8080', 'http://127.0.0.2:8080'],
    [/^https:\/\/(?:[a-z0-9-]+\.)*example\.co\.uk$/, 'https://a.b.example.co.uk', 'https://example.co.uk.evil.com'],
    [/^https:\/\/[a-z]+\.example\.com(?::\d+)?$/, 'https://a.example.com:8443', 'https://a.example.org'],
    [/^https:\/\/(?:app|admin)\.github\.io$/, 'https://app.github.io', 'https://evil.github.io'],
    [/^https:\/\/pr-\d+\.github\.io$/, 'https://pr-7.github.io', 'https://evil.github.io'],
    [/^chrome-extension:\/\/[a-p]{32}$/, 'chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'chrome-extension://short'],
    [/^HTTPS:\/\/APP\.EXAMPLE\.COM$/i, 'https://app.example.com', 'https://evil.example.com'],
    [/^https:\/\/(?<env>dev|staging)\.example\.com$/, 'https://staging.example.com', 'https://prod.example.com'],
  ])('%s keeps working with credentials', (re, allowed, refused) => {
    expect(problemsOf({ origin: re, credentials: true })).toEqual([]);
    const yes = decide({ origin: re, credentials: true }, allowed);
    expect(headersOf(yes)).toEqual({ 'access-control-allow-origin': allowed, 'access-control-allow-credentials': 'true' });
    expect(decide({ origin: re, credentials: true }, allowed, 'OPTIONS').allowed).toBe(true);
    expect(decide({ origin: re, credentials: true }, refused).allowed).toBe(false);
  });

  it('without credentials the same RegExps are accepted, as the same strings are', () => {
    for (const re of [/^.*$/, /^http:\/\/evil\.com$/, /^https:\/\/[a-z]+\.github\.io$/]) expect(problemsOf({ origin: re })).toEqual([]);
  });

  it('reports every RegExp problem at once, next to the string ones, each at its path', () => {
    const problems = problemsOf({
      origin: ['https://app.example.com', /^http:\/\/evil\.com$/, /^https:\/\/[a-z]+\.github\.io$/, 'http://intranet.example.com', /^.*$/],
      credentials: true,
    });
    expect(problems.map((p) => p.path)).toEqual(['origin[1]', 'origin[2]', 'origin[3]', 'origin[4]']);
  });

  it('a RegExp the sampler cannot read is still tested against the random and public-suffix witnesses', () => {
    // A lookbehind and a backreference: samples are only candidates, the engine has the last word.
    expect(problemsOf({ origin: /^https:\/\/(?<=^https:\/\/)([a-z]+)\.github\.io$/, credentials: true })[0]!.message).toContain("public suffix 'github.io'");
    expect(problemsOf({ origin: /^https:\/\/([a-z])\1\.example\.com$/, credentials: true })).toEqual([]);
  });
});

describe('review-11-options-read-as-own-properties', () => {
  const POLLUTION: Record<string, unknown> = {
    credentials: true,
    allowPrivateNetwork: true,
    dangerouslyAllowInsecureOrigins: true,
    dangerouslyAllowWildcardOverPublicSuffix: true,
    methods: '*',
    allowedHeaders: '*',
    exposedHeaders: '*',
    maxAge: 86400,
    preflightStatus: 200,
  };

  function polluted<T>(props: Record<string, unknown>, run: () => T): T {
    const proto = Object.prototype as Record<string, unknown>;
    for (const [key, value] of Object.entries(props)) proto[key] = value;
    try {
      return run();
    } finally {
      for (const key of Object.keys(props)) delete proto[key];
    }
  }

  it('a polluted Object.prototype switches nothing on', () => {
    const { actual, preflight, options } = polluted(POLLUTION, () => {
      const policy = createCorsPolicy({ origin: 'https://app.example.com' });
      return {
        actual: policy.decide('GET', { origin: 'https://app.example.com' }) as CorsDecision,
        preflight: policy.decide('OPTIONS', preflightHeaders('https://app.example.com', 'GET', undefined, { 'access-control-request-private-network': 'true' })) as CorsDecision,
        options: policy.options,
      };
    });
    expect(headersOf(actual)).toEqual({ 'access-control-allow-origin': 'https://app.example.com' });
    expect(preflight).toMatchObject({ allowed: false, status: 403, reason: { code: 'private-network-not-allowed' } });
    expect(Object.hasOwn(options, 'credentials') && options.credentials).toBe(false);
  });

  it('a polluted Object.prototype cannot turn a refused configuration into an accepted one', () => {
    // 'http://intranet.example.com' with credentials needs dangerouslyAllowInsecureOrigins, set on the options.
    const problems = polluted(POLLUTION, () => problemsOf({ origin: 'http://intranet.example.com', credentials: true }));
    expect(problems.map((p) => p.path)).toEqual(['origin']);
  });

  it('a polluted origin is not an origin', () => {
    const problems = polluted({ origin: '*' }, () => problemsOf({} as CorsOptions));
    expect(problems).toEqual([expect.objectContaining({ path: 'origin', message: 'is required' })]);
  });

  it('a hole in the origin list is a problem, and never reads what a polluted prototype holds there', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [, 'https://app.example.com'] as unknown as string[];
    const problems = polluted({ 0: '*' }, () => problemsOf({ origin: sparse }));
    expect(problems).toEqual([{ path: 'origin[0]', message: 'is an empty slot of the array', hint: 'remove the extra comma' }]);
  });
});

describe('review-11-never-sent-schemes-refused', () => {
  it.each([
    ['ws://app.example.com', "write the page's origin, e.g. 'http://app.example.com'"],
    ['wss://app.example.com', "write the page's origin, e.g. 'https://app.example.com'"],
    ['WSS://app.example.com:8443', "write the page's origin, e.g. 'https://app.example.com:8443'"],
    ['ftp://files.example.com', "write the origin of the web page that calls the API, e.g. 'https://app.example.com'"],
    ['data:text/html,hello', "'null' itself matches any sandboxed or opaque page"],
    ['javascript:alert(1)', "'null' itself matches any sandboxed or opaque page"],
    ['about:blank', "'null' itself matches any sandboxed or opaque page"],
    ['blob:https://app.example.com/0b6f0c36-0d1c-4d38-a0b6-1e6f0a8c9a1f', "write that page's origin, e.g. 'https://app.example.com'"],
    ['filesystem:https://app.example.com/temporary/', "write that page's origin, e.g. 'https://app.example.com'"],
  ])('%s is refused with a hint', (entry, hint) => {
    const problems = problemsOf({ origin: entry });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('scheme');
    expect(problems[0]!.message).toMatch(/never appears in an Origin header|opaque origin and send Origin: null/);
    expect(problems[0]!.hint).toContain(hint);
  });

  it.each([
    'capacitor://localhost',
    'ionic://localhost',
    'tauri://localhost',
    'http://tauri.localhost',
    'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
    'moz-extension://2e0c4bdb-3c45-4d8e-9c1a-6b7e6f8a1c2d',
    'safari-web-extension://2e0c4bdb-3c45-4d8e-9c1a-6b7e6f8a1c2d',
    'app://localhost',
  ])('the app origin %s keeps working, with credentials too', (origin) => {
    for (const credentials of [false, true]) {
      const options: CorsOptions = { origin: [origin, 'https://app.example.com'], credentials };
      expect(problemsOf(options)).toEqual([]);
      expect(headersOf(decide(options, origin))['access-control-allow-origin']).toBe(origin);
      expect(decide(options, origin, 'OPTIONS')).toMatchObject({ allowed: true, status: 204 });
      expect(decide(options, origin.replace('localhost', 'evil').replace('abcdef', 'zzzzzz').replace('2e0c', 'ffff')).allowed).toBe(false);
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
