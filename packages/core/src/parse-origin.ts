/**
 * A request origin split into its parts, exactly as the browser serialised it; what `parseOrigin` returns.
 *
 * @example
 * const parsed: ParsedOrigin | null = parseOrigin('http://[::1]:3000'); // { scheme: 'http', host: '[::1]', port: '3000' }
 */
export interface ParsedOrigin {
  /**
   * Lower-case scheme without `://`, e.g. `https`.
   * @example 'https'
   */
  readonly scheme: string;
  /**
   * Lower-case host: a domain, an IPv4 address or a bracketed IPv6 address.
   * @example 'app.example.com'
   */
  readonly host: string;
  /**
   * The port digits, or `''` when the default port is implied.
   * @example '8443'
   */
  readonly port: string;
}

/** Longest origin we read; anything longer is malformed, which bounds the work per request. */
export const MAX_ORIGIN_LENGTH = 2048;
const MAX_HOST_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

export const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443', ws: '80', wss: '443' };

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Length of a valid scheme at the start of `s` (followed by `://`), or -1. */
function schemeEnd(s: string): number {
  if (s.length === 0 || !isLower(s.charCodeAt(0))) return -1;
  let i = 1;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isLower(c) || isDigit(c) || c === 43 /* + */ || c === 45 /* - */ || c === 46 /* . */) continue;
    break;
  }
  return s.startsWith('://', i) ? i : -1;
}

/**
 * Checks a lower-case domain or IPv4 host: dot-separated labels of `a-z 0-9 - _`, none empty, no trailing dot.
 * Upper-case letters are refused: browsers always send hosts lower-case.
 */
export function isValidDomainHost(host: string): boolean {
  if (host.length === 0 || host.length > MAX_HOST_LENGTH) return false;
  let labelLength = 0;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c === 46 /* . */) {
      if (labelLength === 0) return false;
      labelLength = 0;
      continue;
    }
    if (!(isLower(c) || isDigit(c) || c === 45 /* - */ || c === 95 /* _ */)) return false;
    if (++labelLength > MAX_LABEL_LENGTH) return false;
  }
  return labelLength > 0;
}

/** Checks a bracketed IPv6 host in lower-case hex, as browsers serialise it (`[::1]`). */
export function isValidIpv6Host(host: string): boolean {
  if (host.length < 4 || host.length > 47 || host.charCodeAt(0) !== 91 || host.charCodeAt(host.length - 1) !== 93) {
    return false;
  }
  let colons = 0;
  for (let i = 1; i < host.length - 1; i++) {
    const c = host.charCodeAt(i);
    if (c === 58 /* : */) colons++;
    else if (!(isDigit(c) || (c >= 97 && c <= 102) || c === 46)) return false;
  }
  return colons >= 2;
}

/**
 * True when the last label of a domain is a number (`127.1`, `0x7f`), which makes browsers parse the host as an
 * IPv4 address (WHATWG URL "ends in a number").
 */
export function endsInNumber(host: string): boolean {
  const start = host.lastIndexOf('.') + 1;
  if (start === host.length) return false;
  let i = start;
  // 0x followed by hex digits (even none) is a number too.
  if (host.charCodeAt(i) === 48 && host.charCodeAt(i + 1) === 120 /* x */) {
    for (i += 2; i < host.length; i++) {
      const c = host.charCodeAt(i);
      if (!(isDigit(c) || (c >= 97 && c <= 102))) return false;
    }
    return true;
  }
  for (; i < host.length; i++) if (!isDigit(host.charCodeAt(i))) return false;
  return true;
}

/** Checks an IPv4 address in the dotted-decimal form browsers serialise: four parts, 0 to 255, no leading zero. */
export function isCanonicalIpv4(host: string): boolean {
  let parts = 0;
  let start = 0;
  for (let i = 0; i <= host.length; i++) {
    if (i < host.length && host.charCodeAt(i) !== 46 /* . */) {
      if (!isDigit(host.charCodeAt(i))) return false;
      continue;
    }
    const length = i - start;
    if (length === 0 || length > 3 || (length > 1 && host.charCodeAt(start) === 48)) return false;
    if (Number(host.slice(start, i)) > 255) return false;
    parts++;
    start = i + 1;
  }
  return parts === 4;
}

/** Checks that a bracketed IPv6 host is a valid address written exactly as browsers serialise it (`[::1]`). */
function isCanonicalIpv6(host: string): boolean {
  try {
    return new URL(`http://${host}`).hostname === host;
  } catch {
    return false;
  }
}

/** Checks port digits: no leading zero, 1 to 65535. */
export function isValidPort(port: string): boolean {
  if (port.length === 0 || port.length > 5 || port.charCodeAt(0) === 48) return false;
  for (let i = 0; i < port.length; i++) if (!isDigit(port.charCodeAt(i))) return false;
  return Number(port) <= 65535;
}

/**
 * Parses a request's `Origin` header value. It never normalises: anything a browser would not send
 * (upper case, a default port, a trailing dot, userinfo, a path, two origins, whitespace) gives `null`.
 * The literal `null` origin also gives `null`; callers check for it first. Runs in time linear in the input,
 * which is capped at {@link MAX_ORIGIN_LENGTH}.
 *
 * @example
 * parseOrigin('https://app.example.com:8443'); // { scheme: 'https', host: 'app.example.com', port: '8443' }
 * parseOrigin('https://APP.example.com');      // null
 */
export function parseOrigin(value: string): ParsedOrigin | null {
  if (value.length > MAX_ORIGIN_LENGTH) return null;
  const end = schemeEnd(value);
  if (end < 0) return null;
  const scheme = value.slice(0, end);
  const authority = value.slice(end + 3);
  let host: string;
  let port = '';
  if (authority.charCodeAt(0) === 91 /* [ */) {
    const close = authority.indexOf(']');
    if (close < 0) return null;
    host = authority.slice(0, close + 1);
    const rest = authority.slice(close + 1);
    if (rest.length > 0) {
      if (rest.charCodeAt(0) !== 58) return null;
      port = rest.slice(1);
      if (!isValidPort(port)) return null;
    }
    if (!isValidIpv6Host(host) || !isCanonicalIpv6(host)) return null;
  } else {
    const colon = authority.indexOf(':');
    if (colon >= 0) {
      host = authority.slice(0, colon);
      port = authority.slice(colon + 1);
      if (!isValidPort(port)) return null;
    } else {
      host = authority;
    }
    if (!isValidDomainHost(host)) return null;
    // A numeric host is an IPv4 address, which browsers always send as four decimal parts (never 127.1).
    if (endsInNumber(host) && !isCanonicalIpv4(host)) return null;
  }
  if (port !== '' && DEFAULT_PORTS[scheme] === port) return null;
  return { scheme, host, port };
}
