// The parts of the Fetch standard (fetch.spec.whatwg.org) a browser applies to a cross-origin fetch(): which
// requests need a preflight, which headers a script may set, the CORS check, the preflight's method and header
// checks, and which response headers a script may read. Nothing beyond the standard.

/** fetch() upper-cases these methods, whatever case the script wrote; any other method is sent as written. */
const NORMALISED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

export function normaliseMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALISED_METHODS.has(upper) ? upper : method;
}

/** fetch() throws a TypeError for these before sending anything. */
export function isForbiddenMethod(method: string): boolean {
  const upper = method.toUpperCase();
  return upper === 'CONNECT' || upper === 'TRACE' || upper === 'TRACK';
}

export function isSafelistedMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'POST';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** An HTTP token (RFC 9110 5.6.2): what a method or a header name must be. */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

const FORBIDDEN_HEADERS = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);

/**
 * A header a script cannot set: the browser drops it from fetch() silently (Fetch "forbidden request-header").
 * `x-http-method-override` and its kin are forbidden only when they name a forbidden method.
 */
export function isForbiddenRequestHeader(name: string, value: string): boolean {
  const lower = name.toLowerCase();
  if (FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) return true;
  if (lower === 'x-http-method' || lower === 'x-http-method-override' || lower === 'x-method-override') {
    return value.split(',').some((method) => isForbiddenMethod(method.trim()));
  }
  return false;
}

/** Bytes that make an `accept` or `content-type` value CORS-unsafe. */
function hasUnsafeByte(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
    if ('"():<>?@[\\]{}'.includes(value[i]!)) return true;
  }
  return false;
}

const SAFELISTED_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** The essence (`type/subtype`, lower-case) of a MIME type, or null when it does not parse. */
export function mimeEssence(value: string): string | null {
  const semicolon = value.indexOf(';');
  const essence = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash <= 0 || slash === essence.length - 1) return null;
  if (!isToken(essence.slice(0, slash)) || !isToken(essence.slice(slash + 1))) return null;
  return essence;
}

/** A `range` value a script may send without a preflight: `bytes=N-` or `bytes=N-M` with N <= M. */
function isSimpleRange(value: string): boolean {
  const match = /^bytes=(\d+)-(\d*)$/.exec(value);
  if (match === null) return false;
  if (match[2] === '') return true;
  return BigInt(match[1]!) <= BigInt(match[2]!);
}

/** Why one header (name, value) is not CORS-safelisted, or null when it is. */
export function unsafeReason(name: string, value: string): string | null {
  const lower = name.toLowerCase();
  if (value.length > 128) return `its value is ${value.length} bytes long; a safelisted value is at most 128`;
  switch (lower) {
    case 'accept':
      return hasUnsafeByte(value) ? 'its value has a character the safelist does not allow' : null;
    case 'accept-language':
    case 'content-language':
      return /^[0-9A-Za-z *,\-.;=]*$/.test(value) ? null : 'its value has a character the safelist does not allow';
    case 'content-type': {
      if (hasUnsafeByte(value)) return 'its value has a character the safelist does not allow';
      const essence = mimeEssence(value);
      if (essence === null) return 'its value is not a MIME type';
      return SAFELISTED_CONTENT_TYPES.has(essence)
        ? null
        : `${essence} is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain`;
    }
    case 'range':
      return isSimpleRange(value) ? null : 'only a single byte range (bytes=N- or bytes=N-M) is safelisted';
    default:
      return 'it is not a CORS-safelisted header';
  }
}

export interface UnsafeHeader {
  /** Lower-case name. */
  readonly name: string;
  readonly reason: string;
}

/**
 * The CORS-unsafe request-header names of a header list, with why: each header that is not safelisted, and all
 * of them when the safelisted values add up to more than 1,024 bytes. Sorted, lower-case, without repeats:
 * exactly what `Access-Control-Request-Headers` carries.
 */
export function unsafeHeaders(headers: readonly (readonly [string, string])[]): UnsafeHeader[] {
  const unsafe = new Map<string, string>();
  const safe: string[] = [];
  let safeTotal = 0;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    const reason = unsafeReason(lower, value);
    if (reason === null) {
      safe.push(lower);
      safeTotal += value.length;
    } else if (!unsafe.has(lower)) unsafe.set(lower, reason);
  }
  if (safeTotal > 1024) {
    for (const name of safe) {
      if (!unsafe.has(name)) unsafe.set(name, `the safelisted headers' values add up to ${safeTotal} bytes, over the 1,024-byte limit`);
    }
  }
  return [...unsafe.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, reason]) => ({ name, reason }));
}

/**
 * Fetch's "extract header list values" for a comma-separated list of tokens (`Access-Control-Allow-Methods`,
 * `-Allow-Headers`, `-Expose-Headers`): null when the header is absent, 'failure' when an element is not a token.
 * Empty elements and optional whitespace are allowed, as the `#rule` list syntax says.
 */
export function parseTokenList(value: string | null): string[] | null | 'failure' {
  if (value === null) return null;
  const items: string[] = [];
  for (const raw of value.split(',')) {
    const item = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (item === '') continue;
    if (!isToken(item)) return 'failure';
    items.push(item);
  }
  return items;
}

/** The outcome of the CORS check on one response. */
export type CorsCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'allow-origin-missing' | 'allow-origin-multiple' | 'allow-origin-invalid' | 'allow-origin-mismatch' | 'wildcard-with-credentials' | 'allow-credentials-missing' | 'allow-credentials-invalid';
      /** The offending value, as Chromium quotes it. */
      readonly value: string;
    };

/**
 * The CORS check (Fetch 4.9), in the order Chromium makes it, so the failure it reports is the one Chromium's
 * console names: `allowOrigin` and `allowCredentials` are the combined header values (repeats joined with ", ").
 */
export function corsCheck(allowOrigin: string | null, allowCredentials: string | null, origin: string, credentials: boolean): CorsCheck {
  if (allowOrigin === '*') {
    return credentials ? { ok: false, reason: 'wildcard-with-credentials', value: '*' } : { ok: true };
  }
  if (allowOrigin === null) return { ok: false, reason: 'allow-origin-missing', value: '' };
  if (allowOrigin !== origin) {
    if (/[ ,]/.test(allowOrigin)) return { ok: false, reason: 'allow-origin-multiple', value: allowOrigin };
    if (allowOrigin !== 'null' && !looksLikeUrl(allowOrigin)) return { ok: false, reason: 'allow-origin-invalid', value: allowOrigin };
    return { ok: false, reason: 'allow-origin-mismatch', value: allowOrigin };
  }
  if (credentials && allowCredentials !== 'true') {
    return allowCredentials === null
      ? { ok: false, reason: 'allow-credentials-missing', value: '' }
      : { ok: false, reason: 'allow-credentials-invalid', value: allowCredentials };
  }
  return { ok: true };
}

/** Whether Chromium would parse the value as a URL at all (its "invalid value" case is for what does not). */
function looksLikeUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** Request headers a preflight response may not cover with `*` (Fetch "CORS non-wildcard request-header name"). */
export const NON_WILDCARD_HEADERS: readonly string[] = ['authorization'];

export type PreflightCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'allow-methods-invalid' | 'allow-headers-invalid'; readonly value: string }
  | { readonly ok: false; readonly reason: 'method-not-allowed'; readonly value: string }
  | { readonly ok: false; readonly reason: 'header-not-allowed'; readonly value: string; readonly wildcardIgnored: boolean };

/**
 * The method and header checks of a CORS-preflight fetch (Fetch 4.8, steps after the CORS check): the method must
 * be safelisted or listed (`*` counts only without credentials, methods match case-sensitively), and each unsafe
 * header listed (case-insensitively; `*` counts only without credentials and never for `authorization`).
 */
export function preflightCheck(
  allowMethods: string | null,
  allowHeaders: string | null,
  method: string,
  unsafeNames: readonly string[],
  credentials: boolean,
): PreflightCheck {
  const methods = parseTokenList(allowMethods);
  if (methods === 'failure') return { ok: false, reason: 'allow-methods-invalid', value: allowMethods ?? '' };
  const names = parseTokenList(allowHeaders);
  if (names === 'failure') return { ok: false, reason: 'allow-headers-invalid', value: allowHeaders ?? '' };
  const methodList = methods ?? [];
  if (!isSafelistedMethod(method) && !methodList.includes(method) && (credentials || !methodList.includes('*'))) {
    return { ok: false, reason: 'method-not-allowed', value: method };
  }
  const listed = new Set((names ?? []).map((n) => n.toLowerCase()));
  const star = listed.has('*') && !credentials;
  for (const name of unsafeNames) {
    if (listed.has(name)) continue;
    if (star && !NON_WILDCARD_HEADERS.includes(name)) continue;
    return { ok: false, reason: 'header-not-allowed', value: name, wildcardIgnored: listed.has('*') };
  }
  return { ok: true };
}

/** Response headers any script may read (Fetch "CORS-safelisted response-header name"). */
export const SAFELISTED_RESPONSE_HEADERS: readonly string[] = [
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
];

/**
 * The names of the response's headers a script could read with `response.headers.get()`, and the ones it could
 * not: the safelisted ones, plus `Access-Control-Expose-Headers` (`*` means all, only without credentials);
 * `Set-Cookie` never.
 */
export function readableHeaders(
  responseHeaderNames: readonly string[],
  exposeHeaders: string | null,
  credentials: boolean,
): { readable: string[]; hidden: string[] } {
  const parsed = parseTokenList(exposeHeaders);
  const exposed = new Set(parsed === null || parsed === 'failure' ? [] : parsed.map((n) => n.toLowerCase()));
  const all = exposed.has('*') && !credentials;
  const readable: string[] = [];
  const hidden: string[] = [];
  const seen = new Set<string>();
  for (const raw of responseHeaderNames) {
    const name = raw.toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    if (name === 'set-cookie' || name === 'set-cookie2') hidden.push(name);
    else if (SAFELISTED_RESPONSE_HEADERS.includes(name) || all || exposed.has(name)) readable.push(name);
    // Not worth listing as hidden: hop-by-hop headers and the CORS headers themselves.
    else if (!/^(connection|keep-alive|transfer-encoding|access-control-.*)$/.test(name)) hidden.push(name);
  }
  return { readable: readable.sort(), hidden: hidden.sort() };
}

/** Status codes a browser follows as redirects (with a `Location`). */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

export function isOkStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}
