// The Fetch standard's rules the doctor applies, on their own: the safelist and its value rules, the CORS check
// in Chromium's order, the preflight's method and header checks, readable response headers.
import { describe, expect, it } from 'vitest';
import { corsCheck, mimeEssence, normaliseMethod, parseTokenList, preflightCheck, readableHeaders, unsafeHeaders, unsafeReason } from '../src/fetch-rules.js';
import { chromiumReason } from '../src/messages.js';
import { parseRefusal } from '../src/server-side.js';

describe('CORS-safelisted request headers', () => {
  it.each([
    ['accept', 'application/json', true],
    ['accept', 'text/html(1)', false],
    ['accept-language', 'en-GB, fr;q=0.8', true],
    ['accept-language', 'en_GB', false],
    ['content-language', 'de-DE', true],
    ['content-type', 'text/plain', true],
    ['content-type', 'text/plain; charset=utf-8', true],
    ['content-type', 'MULTIPART/FORM-DATA; boundary=x', true],
    ['content-type', 'application/x-www-form-urlencoded', true],
    ['content-type', 'application/json', false],
    ['content-type', 'text/plain; charset="utf-8"', false],
    ['content-type', 'nonsense', false],
    ['range', 'bytes=0-', true],
    ['range', 'bytes=0-99', true],
    ['range', 'bytes=100-99', false],
    ['range', 'bytes=-500', false],
    ['range', 'bytes=0-10,20-30', false],
    ['range', 'bytes = 0-10', false],
    ['x-trace', '1', false],
    ['authorization', 'Bearer x', false],
  ])('%s: %s is safelisted: %s', (name, value, safe) => {
    expect(unsafeReason(name, value) === null).toBe(safe);
  });

  it('a value over 128 bytes is never safelisted', () => {
    expect(unsafeReason('accept', 'a'.repeat(128))).toBeNull();
    expect(unsafeReason('accept', 'a'.repeat(129))).toMatch(/129 bytes/);
  });

  it('safelisted values adding up to more than 1,024 bytes make them all unsafe', () => {
    const eight = Array.from({ length: 8 }, (_, i) => [i % 2 ? 'accept' : 'accept-language', 'a'.repeat(127)] as [string, string]);
    expect(unsafeHeaders(eight)).toEqual([]); // 1,016 bytes
    const nine = [...eight, ['content-language', 'a'.repeat(9)] as [string, string]];
    expect(unsafeHeaders(nine).map((u) => u.name)).toEqual(['accept', 'accept-language', 'content-language']);
  });

  it('names come out lower-case, sorted and once, as Access-Control-Request-Headers carries them', () => {
    expect(unsafeHeaders([['X-Trace', '1'], ['Content-Type', 'application/json'], ['x-trace', '2'], ['Accept', '*/*']]).map((u) => u.name)).toEqual(['content-type', 'x-trace']);
  });

  it('MIME essences', () => {
    expect(mimeEssence(' Text/Plain ;charset=x')).toBe('text/plain');
    expect(mimeEssence('text/')).toBeNull();
    expect(mimeEssence('te xt/plain')).toBeNull();
  });
});

describe('methods', () => {
  it('fetch() upper-cases the six standard methods only', () => {
    expect(normaliseMethod('put')).toBe('PUT');
    expect(normaliseMethod('delete')).toBe('DELETE');
    expect(normaliseMethod('patch')).toBe('patch');
    expect(normaliseMethod('PATCH')).toBe('PATCH');
  });
});

describe('the CORS check, in the order Chromium makes it', () => {
  const O = 'https://app.example.com';
  it.each([
    ['*', null, false, 'ok'],
    ['*', 'true', true, 'wildcard-with-credentials'],
    [null, null, false, 'allow-origin-missing'],
    [`${O}, ${O}`, null, false, 'allow-origin-multiple'],
    ['https://a.example https://b.example', null, false, 'allow-origin-multiple'],
    ['app.example.com', null, false, 'allow-origin-invalid'],
    [`${O}/`, null, false, 'allow-origin-mismatch'],
    ['null', null, false, 'allow-origin-mismatch'],
    ['HTTPS://APP.EXAMPLE.COM', null, false, 'allow-origin-mismatch'],
    [O, null, false, 'ok'],
    [O, null, true, 'allow-credentials-missing'],
    [O, 'True', true, 'allow-credentials-invalid'],
    [O, 'true, true', true, 'allow-credentials-invalid'],
    [O, 'true', true, 'ok'],
  ] as const)('ACAO %s, ACAC %s, credentials %s: %s', (acao, acac, credentials, expected) => {
    const result = corsCheck(acao, acac, O, credentials);
    expect(result.ok ? 'ok' : result.reason).toBe(expected);
  });

  it('`null` matches the null origin', () => {
    expect(corsCheck('null', null, 'null', false).ok).toBe(true);
  });
});

describe('the preflight checks', () => {
  it('safelisted methods pass without being listed; others must be listed, case-sensitively', () => {
    expect(preflightCheck(null, null, 'POST', [], false).ok).toBe(true);
    expect(preflightCheck('GET, PUT', null, 'PUT', [], false).ok).toBe(true);
    expect(preflightCheck('get, put', null, 'PUT', [], false)).toMatchObject({ reason: 'method-not-allowed', value: 'PUT' });
  });

  it('`*` covers methods and headers only without credentials, and never authorization', () => {
    expect(preflightCheck('*', null, 'DELETE', [], false).ok).toBe(true);
    expect(preflightCheck('*', null, 'DELETE', [], true)).toMatchObject({ reason: 'method-not-allowed' });
    expect(preflightCheck('PUT', '*', 'PUT', ['x-a'], false).ok).toBe(true);
    expect(preflightCheck('PUT', '*', 'PUT', ['x-a'], true)).toMatchObject({ reason: 'header-not-allowed', value: 'x-a', wildcardIgnored: true });
    expect(preflightCheck('PUT', '*', 'PUT', ['authorization'], false)).toMatchObject({ reason: 'header-not-allowed', value: 'authorization' });
    expect(preflightCheck('PUT', '*, Authorization', 'PUT', ['authorization'], false).ok).toBe(true);
  });

  it('the first header not listed, in sorted order, is the one reported', () => {
    expect(preflightCheck('PUT', 'x-b', 'PUT', ['x-a', 'x-b', 'x-c'], false)).toMatchObject({ value: 'x-a' });
  });

  it('lists that do not parse fail, and are reported before the method', () => {
    expect(parseTokenList(' GET ,, PUT,')).toEqual(['GET', 'PUT']);
    expect(parseTokenList('GET PUT')).toBe('failure');
    expect(preflightCheck('GET PUT', null, 'PUT', [], false)).toMatchObject({ reason: 'allow-methods-invalid' });
    expect(preflightCheck('PUT', 'x-a;x-b', 'PUT', ['x-a'], false)).toMatchObject({ reason: 'allow-headers-invalid' });
  });
});

describe('readable response headers', () => {
  const names = ['Content-Type', 'X-Request-Id', 'ETag', 'Set-Cookie', 'Cache-Control'];
  it('the safelisted ones, plus Access-Control-Expose-Headers', () => {
    expect(readableHeaders(names, null, false).readable).toEqual(['cache-control', 'content-type']);
    expect(readableHeaders(names, 'X-Request-Id', true).readable).toEqual(['cache-control', 'content-type', 'x-request-id']);
  });
  it('`*` exposes everything but Set-Cookie, and only without credentials', () => {
    expect(readableHeaders(names, '*', false).readable).toEqual(['cache-control', 'content-type', 'etag', 'x-request-id']);
    expect(readableHeaders(names, '*', true).readable).toEqual(['cache-control', 'content-type']);
  });
});

describe("Chromium's sentences", () => {
  it('escape what is not printable ASCII, as Chromium does', () => {
    expect(chromiumReason('allow-origin-mismatch', 'https://é.example', false)).toContain("'https://\\u00E9.example'");
  });
  it('preflight failures of the CORS check carry the preflight preamble; method and header ones do not', () => {
    expect(chromiumReason('allow-origin-missing', '', true)).toMatch(/^Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin'/);
    expect(chromiumReason('header-not-allowed', 'x-a', true)).toBe('Request header field x-a is not allowed by Access-Control-Allow-Headers in preflight response.');
  });
});

describe('the Cors-Refusal header', () => {
  it('parses the code, the option and every parameter', () => {
    const r = parseRefusal('header-not-allowed; header=x-trace; header=x-b; option=allowedHeaders');
    expect(r.code).toBe('header-not-allowed');
    expect(r.option).toBe('allowedHeaders');
    expect(r.params.header).toEqual(['x-trace', 'x-b']);
  });
  it('keeps a value it cannot read as raw text instead of throwing', () => {
    expect(parseRefusal('Nope!; =; x')).toMatchObject({ code: 'unknown', option: null, raw: 'Nope!; =; x' });
    expect(parseRefusal('')).toMatchObject({ code: 'unknown' });
  });
});
