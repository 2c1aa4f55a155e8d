import { describe, it, expect } from 'vitest';
import { parseOrigin } from '../src/index.js';
import { MAX_ORIGIN_LENGTH } from '../src/parse-origin.js';

describe('parseOrigin accepts origins exactly as browsers serialise them', () => {
  it.each([
    ['https://example.com', 'https', 'example.com', ''],
    ['http://example.com', 'http', 'example.com', ''],
    ['https://app.example.com:8443', 'https', 'app.example.com', '8443'],
    ['http://localhost:3000', 'http', 'localhost', '3000'],
    ['http://example.com:443', 'http', 'example.com', '443'], // 443 is not http's default
    ['https://example.com:80', 'https', 'example.com', '80'], // 80 is not https's default
    ['https://example.com:1', 'https', 'example.com', '1'],
    ['https://example.com:65535', 'https', 'example.com', '65535'],
    ['https://a-b_c.d-e.example.com', 'https', 'a-b_c.d-e.example.com', ''],
    ['https://xn--bcher-kva.de', 'https', 'xn--bcher-kva.de', ''],
    ['http://127.0.0.1:8080', 'http', '127.0.0.1', '8080'],
    ['http://0.0.0.0', 'http', '0.0.0.0', ''],
    ['http://255.255.255.255', 'http', '255.255.255.255', ''],
    ['http://[::1]', 'http', '[::1]', ''],
    ['http://[::1]:8080', 'http', '[::1]', '8080'],
    ['http://[::]', 'http', '[::]', ''],
    ['https://[2001:db8::1]', 'https', '[2001:db8::1]', ''],
    ['https://[2001:db8:85a3::8a2e:370:7334]:8443', 'https', '[2001:db8:85a3::8a2e:370:7334]', '8443'],
    ['http://[::ffff:7f00:1]', 'http', '[::ffff:7f00:1]', ''],
    ['chrome-extension://abcdefghijklmnop', 'chrome-extension', 'abcdefghijklmnop', ''],
    [`https://${'a'.repeat(63)}.com`, 'https', `${'a'.repeat(63)}.com`, ''],
  ])('%s', (origin, scheme, host, port) => {
    expect(parseOrigin(origin)).toEqual({ scheme, host, port });
  });

  it('accepts a host of 253 characters', () => {
    const host = `${'a'.repeat(61)}.`.repeat(4) + 'a'.repeat(5); // 4 * 62 + 5 = 253
    expect(host).toHaveLength(253);
    expect(parseOrigin(`https://${host}`)).toEqual({ scheme: 'https', host, port: '' });
  });
});

describe('parseOrigin refuses what a browser would not send, never normalising it', () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    // case
    ['https://EXAMPLE.com', 'upper-case host'],
    ['https://App.example.com', 'mixed-case host'],
    ['HTTPS://example.com', 'upper-case scheme'],
    ['Https://example.com', 'mixed-case scheme'],
    ['http://[::ABCD]', 'upper-case IPv6'],
    // default ports
    ['https://example.com:443', 'default https port'],
    ['http://example.com:80', 'default http port'],
    ['http://[::1]:80', 'default port after IPv6'],
    // host shape
    ['https://example.com.', 'trailing dot'],
    ['https://.example.com', 'leading dot'],
    ['https://a..example.com', 'empty label'],
    ['https://', 'empty host'],
    [`https://${'a'.repeat(64)}.com`, 'label over 63 characters'],
    [`https://${`${'a'.repeat(62)}.`.repeat(4)}ab`, 'host over 253 characters'],
    ['https://bücher.de', 'Unicode host (browsers send punycode)'],
    ['https://exa mple.com', 'space in host'],
    ['https://example.com\\', 'backslash'],
    ['https://example.com;', 'semicolon'],
    ['https://*.example.com', 'a pattern, not an origin'],
    // userinfo
    ['https://user@example.com', 'userinfo'],
    ['https://user:pass@example.com', 'userinfo with password'],
    ['https://@example.com', 'empty userinfo'],
    // two origins
    ['https://a.example.com, https://b.example.com', 'two origins, comma and space'],
    ['https://a.example.com,https://b.example.com', 'two origins, comma'],
    ['https://a.example.com https://b.example.com', 'two origins, space'],
    // path, query, fragment
    ['https://example.com/', 'trailing slash'],
    ['https://example.com/path', 'path'],
    ['https://example.com:8443/', 'port then slash'],
    ['https://example.com?x=1', 'query'],
    ['https://example.com#x', 'fragment'],
    // whitespace
    [' https://example.com', 'leading space'],
    ['https://example.com ', 'trailing space'],
    ['\thttps://example.com', 'leading tab'],
    ['https://example.com\n', 'trailing newline'],
    ['https://example.com\r\n', 'trailing CRLF'],
    // not an origin at all
    ['', 'empty'],
    ['null', "the opaque origin (callers check 'null' first)"],
    ['*', 'a star'],
    ['example.com', 'no scheme'],
    ['//example.com', 'scheme-relative'],
    ['://example.com', 'empty scheme'],
    ['https:example.com', 'no //'],
    ['https:/example.com', 'one slash'],
    ['1https://example.com', 'scheme starting with a digit'],
    ['ht_tp://example.com', 'underscore in scheme'],
    // ports
    ['https://example.com:', 'empty port'],
    ['https://example.com:0', 'port 0'],
    ['https://example.com:08443', 'leading zero'],
    ['https://example.com:0443', 'leading zero before the default port'],
    ['https://example.com:65536', 'port 65536'],
    ['https://example.com:99999', 'port 99999'],
    ['https://example.com:123456', 'six-digit port'],
    ['https://example.com:-1', 'negative port'],
    ['https://example.com:+80', 'signed port'],
    ['https://example.com:1e3', 'exponent port'],
    ['https://example.com:8443:8443', 'two ports'],
    ['https://example.com:*', 'pattern port'],
    // IPv6
    ['http://[::1', 'unclosed bracket'],
    ['http://::1', 'no brackets'],
    ['http://[::1]]', 'two closing brackets'],
    ['http://[::1]x', 'characters after the bracket'],
    ['http://[::1]:', 'empty port after IPv6'],
    ['http://[]', 'empty brackets'],
    ['http://[::g]', 'non-hex digit'],
    ['http://[::1%25eth0]', 'zone id'],
    ['http://[1:2:3]', 'too few groups'],
    ['http://[1::2::3]', 'two ::'],
    ['http://[12345::]', 'group of five digits'],
    ['http://[:::::]', 'only colons'],
    ['http://[0:0:0:0:0:0:0:1]', 'uncompressed (browsers send [::1])'],
    ['http://[::ffff:127.0.0.1]', 'embedded IPv4 (browsers send [::ffff:7f00:1])'],
    ['http://[2001:DB8::1]', 'upper-case hex'],
    // IPv4 not in the dotted-decimal form browsers serialise
    ['http://127.1', 'short IPv4'],
    ['http://2130706433', 'IPv4 as one number'],
    ['http://0x7f.0.0.1', 'hex IPv4 part'],
    ['http://127.000.000.001', 'zero-padded IPv4'],
    ['http://010.0.0.1', 'octal-looking IPv4 part'],
    ['http://1.2.3.256', 'IPv4 part over 255'],
    ['http://1.2.3.4.5', 'five numeric parts'],
    ['http://example.123', 'domain ending in a number'],
    ['http://example.0x1f', 'domain ending in a hex number'],
  ];

  it.each(table)('%j (%s)', (origin) => {
    expect(parseOrigin(origin)).toBeNull();
  });

  it('refuses an origin over the length cap before reading it', () => {
    const over = `https://${'a.'.repeat(MAX_ORIGIN_LENGTH)}com`;
    expect(over.length).toBeGreaterThan(MAX_ORIGIN_LENGTH);
    expect(parseOrigin(over)).toBeNull();
    expect(parseOrigin(`https://example.com${' '.repeat(1 << 20)}`)).toBeNull();
  });

  it('returns a fresh object per call, so callers cannot poison each other', () => {
    const a = parseOrigin('https://example.com');
    const b = parseOrigin('https://example.com');
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
  });
});
