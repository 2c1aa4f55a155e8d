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

// The checks below read `s` between `start` and `end` so that parsing a request origin slices only what it returns.

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

function isDomainRange(s: string, start: number, end: number): boolean {
  if (end === start || end - start > MAX_HOST_LENGTH) return false;
  let labelLength = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
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

function isIpv6Range(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 4 || length > 47 || s.charCodeAt(start) !== 91 || s.charCodeAt(end - 1) !== 93) return false;
  let colons = 0;
  for (let i = start + 1; i < end - 1; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */) colons++;
    else if (!(isDigit(c) || (c >= 97 && c <= 102) || c === 46)) return false;
  }
  return colons >= 2;
}

function endsInNumberRange(s: string, start: number, end: number): boolean {
  let i = s.lastIndexOf('.', end - 1) + 1;
  if (i < start) i = start;
  if (i === end) return false;
  // 0x followed by hex digits (even none) is a number too.
  if (s.charCodeAt(i) === 48 && s.charCodeAt(i + 1) === 120 /* x */) {
    for (i += 2; i < end; i++) {
      const c = s.charCodeAt(i);
      if (!(isDigit(c) || (c >= 97 && c <= 102))) return false;
    }
    return true;
  }
  for (; i < end; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

function isCanonicalIpv4Range(s: string, start: number, end: number): boolean {
  let parts = 0;
  let partStart = start;
  let value = 0;
  for (let i = start; i <= end; i++) {
    if (i < end && s.charCodeAt(i) !== 46 /* . */) {
      const c = s.charCodeAt(i);
      if (!isDigit(c)) return false;
      value = value * 10 + (c - 48);
      continue;
    }
    const length = i - partStart;
    if (length === 0 || length > 3 || (length > 1 && s.charCodeAt(partStart) === 48) || value > 255) return false;
    parts++;
    partStart = i + 1;
    value = 0;
  }
  return parts === 4;
}

function isPortRange(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0 || length > 5 || s.charCodeAt(start) === 48) return false;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return false;
    value = value * 10 + (c - 48);
  }
  return value <= 65535;
}

function isDefaultPort(s: string, schemeLength: number, portStart: number): boolean {
  const port = s.length - portStart;
  // http/ws: 80; https/wss: 443.
  if (port === 2 && s.startsWith('80', portStart)) return (schemeLength === 4 && s.startsWith('http')) || (schemeLength === 2 && s.startsWith('ws'));
  if (port === 3 && s.startsWith('443', portStart)) return (schemeLength === 5 && s.startsWith('https')) || (schemeLength === 3 && s.startsWith('wss'));
  return false;
}

/**
 * Checks a lower-case domain or IPv4 host: dot-separated labels of `a-z 0-9 - _`, none empty, no trailing dot.
 * Upper-case letters are refused: browsers always send hosts lower-case.
 */
export function isValidDomainHost(host: string): boolean {
  return isDomainRange(host, 0, host.length);
}

/** Checks a bracketed IPv6 host in lower-case hex, as browsers serialise it (`[::1]`). */
export function isValidIpv6Host(host: string): boolean {
  return isIpv6Range(host, 0, host.length);
}

/**
 * True when the last label of a domain is a number (`127.1`, `0x7f`), which makes browsers parse the host as an
 * IPv4 address (WHATWG URL "ends in a number").
 */
export function endsInNumber(host: string): boolean {
  return endsInNumberRange(host, 0, host.length);
}

/** Checks that a bracketed IPv6 host is a valid address written exactly as browsers serialise it (`[::1]`). */
function isCanonicalIpv6(host: string): boolean {
  try {
    return new URL(`http://${host}`).hostname === host;
  } catch {
    return false;
  }
}

/**
 * Where the host of a well-formed origin ends, or -1 when `value` is not one. The host starts after `://`.
 * Allocates nothing for domain and IPv4 hosts.
 */
function scanOrigin(value: string, schemeLength: number): number {
  const hostStart = schemeLength + 3;
  const n = value.length;
  let hostEnd: number;
  if (value.charCodeAt(hostStart) === 91 /* [ */) {
    const close = value.indexOf(']', hostStart);
    if (close < 0) return -1;
    hostEnd = close + 1;
    if (!isIpv6Range(value, hostStart, hostEnd) || !isCanonicalIpv6(value.slice(hostStart, hostEnd))) return -1;
  } else {
    hostEnd = value.indexOf(':', hostStart);
    if (hostEnd < 0) hostEnd = n;
    if (!isDomainRange(value, hostStart, hostEnd)) return -1;
    // A numeric host is an IPv4 address, which browsers always send as four decimal parts (never 127.1).
    if (endsInNumberRange(value, hostStart, hostEnd) && !isCanonicalIpv4Range(value, hostStart, hostEnd)) return -1;
  }
  if (hostEnd < n) {
    if (value.charCodeAt(hostEnd) !== 58 /* : */) return -1;
    if (!isPortRange(value, hostEnd + 1, n) || isDefaultPort(value, schemeLength, hostEnd + 1)) return -1;
  }
  return hostEnd;
}

/**
 * Whether `value` is a well-formed serialised origin (what {@link parseOrigin} accepts), without allocating.
 *
 * @example
 * isWellFormedOrigin('https://app.example.com'); // true
 * isWellFormedOrigin('https://app.example.com:443'); // false
 */
export function isWellFormedOrigin(value: string): boolean {
  if (value.length > MAX_ORIGIN_LENGTH) return false;
  const schemeLength = schemeEnd(value);
  return schemeLength > 0 && scanOrigin(value, schemeLength) > 0;
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
  const schemeLength = schemeEnd(value);
  if (schemeLength < 0) return null;
  const hostEnd = scanOrigin(value, schemeLength);
  if (hostEnd < 0) return null;
  return {
    scheme: value.slice(0, schemeLength),
    host: value.slice(schemeLength + 3, hostEnd),
    port: hostEnd < value.length ? value.slice(hostEnd + 1) : '',
  };
}
