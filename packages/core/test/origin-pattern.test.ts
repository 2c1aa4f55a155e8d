import { describe, it, expect } from 'vitest';
import { createCorsPolicy, CorsConfigError, type CorsOptions } from '../src/index.js';
import { formatPattern, isPatternError, parseOriginPattern } from '../src/origin-pattern.js';

/** The problems `createCorsPolicy` reports for these options (none when it accepts them). */
function problemsOf(options: CorsOptions): { path: string; message: string; hint: string }[] {
  try {
    createCorsPolicy(options);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(CorsConfigError);
    return [...(error as CorsConfigError).problems];
  }
}

describe('configured origin strings are normalised to the form browsers send', () => {
  it.each([
    ['https://app.example.com', 'https://app.example.com'],
    ['HTTPS://App.Example.COM', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['http://app.example.com:80', 'http://app.example.com'],
    ['https://app.example.com:80', 'https://app.example.com:80'],
    ['https://app.example.com:08443', 'https://app.example.com:8443'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://localhost:*', 'http://localhost:*'],
    ['https://*.example.com', 'https://*.example.com'],
    ['https://*.Example.com:*', 'https://*.example.com:*'],
    ['https://*.example.com:8443', 'https://*.example.com:8443'],
    ['https://*.example.com:443', 'https://*.example.com'],
    ['http://*.localhost', 'http://*.localhost'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://127.1', 'http://127.0.0.1'],
    ['http://2130706433:8080', 'http://127.0.0.1:8080'],
    ['http://[::1]', 'http://[::1]'],
    ['http://[::1]:*', 'http://[::1]:*'],
    ['http://[0:0:0:0:0:0:0:1]:8080', 'http://[::1]:8080'],
    ['http://[::ABCD]', 'http://[::abcd]'],
    ['http://[::1]:80', 'http://[::1]'],
    ['https://bücher.de', 'https://xn--bcher-kva.de'],
    ['https://*.bücher.de', 'https://*.xn--bcher-kva.de'],
    ['chrome-extension://abcdefghijklmnop', 'chrome-extension://abcdefghijklmnop'],
  ])('%s -> %s', (entry, normalised) => {
    const pattern = parseOriginPattern(entry);
    if (isPatternError(pattern)) throw new Error(`refused: ${pattern.message}`);
    expect(formatPattern(pattern)).toBe(normalised);
  });

  it("reads '*' and 'null' as keywords", () => {
    expect(parseOriginPattern('*')).toEqual({ kind: 'any' });
    expect(parseOriginPattern('null')).toEqual({ kind: 'null' });
  });

  it('splits a subdomain pattern into scheme, suffix and port', () => {
    expect(parseOriginPattern('https://*.a.example.com:*')).toEqual({
      kind: 'host',
      scheme: 'https',
      host: 'a.example.com',
      subdomains: true,
      port: '*',
    });
  });
});

describe('malformed configured origins are refused with a message that says why', () => {
  it.each([
    ['', 'empty string'],
    [' https://example.com', 'whitespace'],
    ['https://example.com ', 'whitespace'],
    ['https://example.com\n', 'whitespace'],
    ['https://a.example.com https://b.example.com', 'whitespace'],
    ['NULL', 'is not the opaque origin'],
    ['example.com', 'has no scheme'],
    ['localhost:3000', 'has no scheme'],
    ['*.example.com', 'has no scheme'],
    ['*example.com', 'has no scheme'],
    ['://example.com', 'invalid scheme'],
    ['1http://example.com', 'invalid scheme'],
    ['https://example.com/', 'a trailing slash'],
    ['https://example.com/app', 'a path'],
    ['https://example.com//', 'a path'],
    ['https://example.com?x=1', 'a query'],
    ['https://example.com#top', 'a fragment'],
    ['https://user@example.com', 'userinfo'],
    ['https://user:secret@example.com', 'userinfo'],
    ['https://example.com:0', 'port 0, outside 1 to 65535'],
    ['https://example.com:65536', 'port 65536, outside 1 to 65535'],
    ['https://example.com:99999', 'outside 1 to 65535'],
    ['https://example.com:', 'empty port'],
    ['https://example.com:http', 'invalid port'],
    ['https://example.com:-1', 'invalid port'],
    ['file:///etc/passwd', 'file scheme'],
    ['FILE://host', 'file scheme'],
    ['https://*example.com', "not a whole leading '*.' label"],
    ['https://foo.*.example.com', "not a whole leading '*.' label"],
    ['https://**.example.com', "not a whole leading '*.' label"],
    ['https://*.*.example.com', "not a whole leading '*.' label"],
    ['https://example.*', "not a whole leading '*.' label"],
    ['https://*', "not a whole leading '*.' label"],
    ['https://ex*ample.com', "not a whole leading '*.' label"],
    ['https://*.', 'invalid host'],
    ['https://example.com.', 'ends its host with a dot'],
    ['https://', 'invalid host'],
    ['https://exa_mple.com:80:80', 'invalid host'],
    ['https://example.123', 'invalid host'],
    ['https://*.1.2.3.4', 'wildcard over an IP address'],
    ['http://[::1', 'unclosed IPv6 bracket'],
    ['http://[::1]x', 'characters after the IPv6 host'],
    ['http://[::1]:', 'empty port'],
    ['http://[zz::1]', 'invalid IPv6 host'],
    ['http://[::1]:0', 'outside 1 to 65535'],
  ])('%j: %s', (entry, fragment) => {
    const pattern = parseOriginPattern(entry);
    if (!isPatternError(pattern)) throw new Error(`accepted as ${formatPattern(pattern)}`);
    expect(pattern.message).toContain(fragment);
    expect(pattern.hint.length).toBeGreaterThan(0);
  });

  it.each([
    ['https://example.com/', "write 'https://example.com'"],
    ['https://user@example.com', "write 'https://example.com'"],
    ['example.com', "'https://example.com'"],
    ['*.example.com', "'https://*.example.com'"],
    ['https://*.example.com.', "write 'https://*.example.com'"],
    ['https://example.com.:8443', "write 'https://example.com:8443'"],
  ])('%j hints at the origin meant', (entry, hint) => {
    const pattern = parseOriginPattern(entry);
    expect(isPatternError(pattern) && pattern.hint).toContain(hint);
  });
});

describe('what the origin option refuses outright', () => {
  it.each([
    ['no origin', {}, 'is required'],
    ['undefined origin', { origin: undefined }, 'is required'],
    ['an empty list', { origin: [] }, 'empty list'],
    ['an empty string', { origin: '' }, 'empty string'],
    ['true', { origin: true }, 'reflect every origin'],
    ['true in a list', { origin: ['https://a.example.com', true] }, 'reflect every origin'],
    ['false', { origin: false }, 'is not an origin'],
    ['a number', { origin: 42 }, 'is not an origin'],
    ['null', { origin: null }, 'is not an origin'],
    ['an object', { origin: {} }, 'is not an origin'],
    ['a nested array', { origin: [['https://a.example.com']] }, 'nested array'],
  ])('%s', (_, options, fragment) => {
    const problems = problemsOf(options as unknown as CorsOptions);
    expect(problems.map((p) => p.message).join('\n')).toContain(fragment);
    expect(problems.every((p) => p.path.startsWith('origin'))).toBe(true);
  });

  it('names the failing list item in the path', () => {
    const problems = problemsOf({ origin: ['https://ok.example.com', 'https://bad.example.com/', 'https://ok2.example.com', ''] });
    expect(problems.map((p) => p.path)).toEqual(['origin[1]', 'origin[3]']);
  });
});

describe("'*' and 'null' with credentials", () => {
  it.each([
    ["'*'", '*', "'*' cannot be combined with credentials"],
    ["'*' in a list", ['https://a.example.com', '*'], "'*' cannot be combined with credentials"],
    ["'null'", 'null', "'null' cannot be combined with credentials"],
    ["'null' in a list", ['https://a.example.com', 'null'], "'null' cannot be combined with credentials"],
  ])('%s is refused', (_, origin, fragment) => {
    expect(problemsOf({ origin, credentials: true }).map((p) => p.message)).toContain(fragment);
  });

  it.each(['*', 'null', ['null', 'https://a.example.com']])('%j is fine without credentials', (origin) => {
    expect(problemsOf({ origin })).toEqual([]);
  });
});

describe('wildcards over a public suffix, with credentials', () => {
  it.each([
    'https://*.com',
    'https://*.co.uk',
    'https://*.github.io',
    'https://*.blogspot.com',
    'https://*.s3.amazonaws.com',
    'https://*.ck', // wildcard rule *.ck
    'https://*.kawasaki.jp', // every x.kawasaki.jp is itself a public suffix
    'https://*.com:*',
    'https://*.xn--p1ai',
    'https://*.рф',
  ])('%s is refused', (origin) => {
    const problems = problemsOf({ origin, credentials: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('public suffix');
    expect(problems[0]!.hint).toContain('dangerouslyAllowWildcardOverPublicSuffix');
  });

  it.each(['https://*.com', 'https://*.co.uk', 'https://*.github.io'])('%s is accepted with the escape hatch', (origin) => {
    expect(problemsOf({ origin, credentials: true, dangerouslyAllowWildcardOverPublicSuffix: true })).toEqual([]);
  });

  it.each(['https://*.com', 'https://*.co.uk', 'https://*.github.io'])('%s is accepted without credentials', (origin) => {
    expect(problemsOf({ origin })).toEqual([]);
  });

  it.each([
    'https://*.example.com',
    'https://*.example.co.uk',
    'https://*.me.github.io',
    'https://*.city.kawasaki.jp', // exception !city.kawasaki.jp
    'http://*.localhost',
  ])('%s is not over a public suffix', (origin) => {
    expect(problemsOf({ origin, credentials: true })).toEqual([]);
  });
});

describe('plain http with credentials', () => {
  it.each(['http://example.com', 'http://*.example.com', 'http://example.com:*', 'http://10.0.0.1:8080', 'http://[::2]', 'http://localhost.example.com'])(
    '%s is refused',
    (origin) => {
      const problems = problemsOf({ origin, credentials: true });
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toContain('plain http with credentials');
      expect(problems[0]!.hint).toContain('dangerouslyAllowInsecureOrigins');
    },
  );

  it('is accepted with the escape hatch', () => {
    expect(problemsOf({ origin: ['http://example.com', 'http://*.example.com'], credentials: true, dangerouslyAllowInsecureOrigins: true })).toEqual([]);
  });

  it('is accepted without credentials', () => {
    expect(problemsOf({ origin: ['http://example.com', 'http://*.example.com'] })).toEqual([]);
  });

  it.each([
    'http://localhost',
    'http://localhost:3000',
    'http://localhost:*',
    'http://*.localhost',
    'http://app.localhost:5173',
    'http://127.0.0.1:8080',
    'http://127.0.0.53',
    'http://127.255.255.254:*',
    'http://[::1]',
    'http://[::1]:*',
  ])('loopback %s is allowed with credentials', (origin) => {
    expect(problemsOf({ origin, credentials: true })).toEqual([]);
  });

  it('reports both problems of http://*.com with credentials', () => {
    const messages = problemsOf({ origin: 'http://*.com', credentials: true }).map((p) => p.message);
    expect(messages).toHaveLength(2);
    expect(messages.join('\n')).toContain('plain http');
    expect(messages.join('\n')).toContain('public suffix');
  });
});

describe('RegExp origins', () => {
  it.each([
    [/example\.com/, 'not anchored'],
    [/^https:\/\/example\.com/, 'not anchored'],
    [/https:\/\/example\.com$/, 'not anchored'],
    [/^https:\/\/example\.com\$/, 'not anchored'],
    [/^https:\/\/example\.com$/g, "'g' flag"],
    [/^https:\/\/example\.com$/y, "'y' flag"],
  ])('%s is refused (%s)', (re, fragment) => {
    const problems = problemsOf({ origin: re });
    expect(problems.map((p) => p.message).join('\n')).toContain(fragment);
    expect(problems[0]!.path).toBe('origin');
  });

  it('reports both an unanchored RegExp and its g flag', () => {
    expect(problemsOf({ origin: /example\.com/g })).toHaveLength(2);
  });

  it.each([/^https:\/\/(a|b)\.example\.com$/, /^https:\/\/[a-z]+\.example\.com$/i, /^http:\/\/localhost:\d+$/])('%s is accepted', (re) => {
    expect(problemsOf({ origin: re })).toEqual([]);
  });
});
