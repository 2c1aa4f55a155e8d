import { DEFAULT_PORTS, endsInNumber, isValidDomainHost, isValidIpv6Host } from './parse-origin.js';

/**
 * A configured origin string, normalised to the form browsers send.
 * - `any`: `'*'`
 * - `null`: `'null'`
 * - `exact`: `'https://app.example.com'`, `'http://localhost:3000'`
 * - `subdomains`: `'https://*.example.com'` (one or more labels, never the apex), optionally with a port or `:*`
 * - `exact` with `anyPort`: `'http://localhost:*'`
 */
export type OriginPattern =
  | { readonly kind: 'any' }
  | { readonly kind: 'null' }
  | {
      readonly kind: 'host';
      readonly scheme: string;
      /** The host, or for `subdomains` the part after `*.`. */
      readonly host: string;
      readonly subdomains: boolean;
      /** Port digits, `''` for the scheme's default, `'*'` for any. */
      readonly port: string;
    };

export interface PatternError {
  readonly message: string;
  readonly hint: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*$/;

function fail(message: string, hint: string): PatternError {
  return { message, hint };
}

function toAsciiHost(host: string): string | null {
  // Internationalised names are configured in Unicode but sent by browsers in punycode.
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

/**
 * Parses one configured origin string. Returns the normalised pattern or why it is refused.
 *
 * @example
 * parseOriginPattern('HTTPS://App.Example.com:443'); // exact https://app.example.com
 * parseOriginPattern('https://*.example.com');         // its subdomains, not example.com itself
 * parseOriginPattern('https://example.com/');          // refused: trailing slash
 */
export function parseOriginPattern(entry: string): OriginPattern | PatternError {
  const quoted = JSON.stringify(entry);
  if (entry === '') return fail('an empty string is not an origin', "write the full origin, e.g. 'https://app.example.com'");
  if (/\s/.test(entry)) return fail(`${quoted} contains whitespace`, 'remove the spaces; list several origins as array items');
  if (entry === '*') return { kind: 'any' };
  if (entry === 'null') return { kind: 'null' };
  if (entry.toLowerCase() === 'null') return fail(`${quoted} is not the opaque origin`, "write 'null' in lower case");

  const sep = entry.indexOf('://');
  if (sep < 0) {
    const bare = entry.replace(/\/+$/, '');
    const example = bare.includes('*') && !/^\*\.[^*]+$/.test(bare) ? 'https://*.example.com' : `https://${bare}`;
    return fail(`${quoted} has no scheme`, `write the scheme browsers send, e.g. '${example}'`);
  }
  const scheme = entry.slice(0, sep).toLowerCase();
  if (!SCHEME.test(scheme)) return fail(`${quoted} has an invalid scheme`, "start with 'https://' or 'http://'");
  if (scheme === 'file') {
    return fail(`${quoted} uses the file scheme, whose pages send the origin 'null'`, 'serve the page over http(s) instead');
  }
  let rest = entry.slice(sep + 3);
  const pathStart = rest.search(/[/?#]/);
  if (pathStart >= 0) {
    const origin = `${entry.slice(0, sep + 3)}${rest.slice(0, pathStart)}`;
    const tail = rest.slice(pathStart);
    const what = tail === '/' ? 'a trailing slash' : tail[0] === '?' ? 'a query' : tail[0] === '#' ? 'a fragment' : 'a path';
    return fail(`${quoted} has ${what}; an origin is only scheme, host and port`, `write '${origin}'`);
  }
  if (rest.includes('@')) {
    return fail(`${quoted} has userinfo; browsers never send it in Origin`, `write '${scheme}://${rest.slice(rest.lastIndexOf('@') + 1)}'`);
  }

  let host: string;
  let port = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return fail(`${quoted} has an unclosed IPv6 bracket`, "write IPv6 hosts like 'http://[::1]:8080'");
    host = rest.slice(0, close + 1).toLowerCase();
    rest = rest.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return fail(`${quoted} has characters after the IPv6 host`, 'remove them');
    port = rest.slice(1);
    if (rest === ':') return fail(`${quoted} has an empty port`, "remove the ':' or write a port");
    const canonical = toAsciiHost(host);
    if (canonical === null || !isValidIpv6Host(canonical)) return fail(`${quoted} has an invalid IPv6 host`, "write it like 'http://[::1]'");
    host = canonical;
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      port = rest.slice(colon + 1);
      if (port === '') return fail(`${quoted} has an empty port`, "remove the ':' or write a port");
      rest = rest.slice(0, colon);
    }
    host = rest.toLowerCase();
  }

  if (port !== '' && port !== '*') {
    if (!/^\d+$/.test(port)) return fail(`${quoted} has an invalid port`, "write a port from 1 to 65535, or ':*' for any port");
    const n = Number(port);
    if (n < 1 || n > 65535) return fail(`${quoted} has port ${port}, outside 1 to 65535`, "write a port from 1 to 65535, or ':*' for any port");
    port = String(n);
    if (DEFAULT_PORTS[scheme] === port) port = '';
  }

  let subdomains = false;
  if (host.includes('*')) {
    if (!host.startsWith('*.') || host.indexOf('*', 1) >= 0) {
      return fail(
        `${quoted} has a '*' that is not a whole leading '*.' label`,
        `a wildcard stands only at the start of the host, for one or more labels: e.g. '${scheme}://*.example.com'`,
      );
    }
    subdomains = true;
    host = host.slice(2);
  }
  if (host.endsWith('.')) {
    const fixed = `${scheme}://${subdomains ? '*.' : ''}${host.slice(0, -1)}${port ? `:${port}` : ''}`;
    return fail(`${quoted} ends its host with a dot`, `write '${fixed}'`);
  }
  if (host.startsWith('[')) {
    if (subdomains) return fail(`${quoted} puts a wildcard over an IP address`, 'list the address itself');
  } else {
    // Unicode names are sent in punycode, and numeric hosts as dotted-decimal IPv4 (127.1 -> 127.0.0.1).
    if (/[^\x00-\x7f]/.test(host) || endsInNumber(host)) {
      const ascii = toAsciiHost(host);
      if (ascii === null) return fail(`${quoted} has an invalid host`, 'check the host name');
      host = ascii;
    }
    if (!isValidDomainHost(host)) return fail(`${quoted} has an invalid host`, 'use letters, digits, hyphens and dots only');
    if (subdomains && /^[\d.]+$/.test(host)) return fail(`${quoted} puts a wildcard over an IP address`, 'list the address itself');
  }
  return { kind: 'host', scheme, host, subdomains, port };
}

export function isPatternError(value: OriginPattern | PatternError): value is PatternError {
  return 'message' in value;
}

/** Hosts that never leave the machine, so plain http to them is not an exposure. */
export function isLoopbackHost(host: string): boolean {
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** The pattern written back in configuration form, for messages. */
export function formatPattern(p: OriginPattern): string {
  if (p.kind !== 'host') return p.kind === 'any' ? '*' : 'null';
  return `${p.scheme}://${p.subdomains ? '*.' : ''}${p.host}${p.port ? `:${p.port}` : ''}`;
}
