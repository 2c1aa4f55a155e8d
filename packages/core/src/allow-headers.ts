import type { ProblemList } from './errors.js';
import { listOrStar } from './header-names.js';
import { isTokenChar } from './tokens.js';

/** The `Access-Control-Allow-Headers` response header: the request headers a preflight may ask for. */
export const ALLOW_HEADERS = 'access-control-allow-headers';

// Fetch "forbidden request-header" names: set by the browser itself, never by scripts.
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'accept-charset', 'accept-encoding', 'access-control-request-headers', 'access-control-request-method',
  'access-control-request-private-network', 'connection', 'content-length', 'cookie', 'cookie2', 'date', 'dnt',
  'expect', 'host', 'keep-alive', 'origin', 'referer', 'set-cookie', 'te', 'trailer', 'transfer-encoding',
  'upgrade', 'via',
]);

export interface CompiledAllowedHeaders {
  readonly names: ReadonlySet<string>;
  /** `'*'`: any header but `authorization`. */
  readonly any: boolean;
  /** The `Access-Control-Allow-Headers` value, or `undefined` for none. */
  readonly header: string | undefined;
}

/**
 * Compiles `allowedHeaders` (default none). Names match case-insensitively and are never reflected from the
 * request.
 *
 * Permitted: `['content-type', 'authorization']`, `'*'` (without credentials; never covers `authorization`).
 * Refused: `['cookie']`, `['sec-fetch-mode']`, `['proxy-authorization']` (forbidden: only the browser sets them),
 * `['x id']` (not a token), `'*'` with credentials.
 */
export function compileAllowedHeaders(value: unknown, credentials: boolean, problems: ProblemList): CompiledAllowedHeaders {
  const list = listOrStar(value, 'allowedHeaders', credentials, problems, "['content-type', 'authorization']") ?? [];
  if (list === '*') return { names: new Set(), any: true, header: '*' };
  const names = new Set<string>();
  list.forEach((h, i) => {
    const lower = h.toLowerCase();
    if (FORBIDDEN_REQUEST_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) {
      problems.add(`allowedHeaders[${i}]`, `${h} is a forbidden request header that only the browser sets`, 'remove it');
    } else {
      names.add(lower);
    }
  });
  return { names, any: false, header: names.size > 0 ? [...names].join(', ') : undefined };
}

/** Most header names reported in a refusal; the rest are counted, not listed. */
const MAX_REPORTED = 16;

/**
 * Checks an `Access-Control-Request-Headers` value against the allowed names in one pass over its characters:
 * commas, optional whitespace, empty elements and any letter case are tolerated. Returns `null` when every
 * name is allowed, the refused names (lower-case, de-duplicated, at most 16) otherwise, or `undefined` when
 * the value is malformed (a non-token character), which callers treat as an absent header.
 *
 * @example
 * findRefusedHeaders('content-type, X-Trace', new Set(['content-type', 'x-trace']), false); // null
 * findRefusedHeaders('x-secret', new Set(), false);                                        // ['x-secret']
 */
export function findRefusedHeaders(
  value: string,
  allowed: ReadonlySet<string>,
  anyExceptAuthorization: boolean,
): string[] | null | undefined {
  let refused: string[] | null = null;
  let start = -1;
  const n = value.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? value.charCodeAt(i) : 44; // a virtual comma ends the last element
    if (c === 44 /* , */ || c === 32 || c === 9) {
      if (start >= 0) {
        const name = value.slice(start, i).toLowerCase();
        start = -1;
        const ok = anyExceptAuthorization ? name !== 'authorization' : allowed.has(name);
        if (!ok) {
          refused ??= [];
          if (refused.length < MAX_REPORTED && !refused.includes(name)) refused.push(name);
        }
        // Whitespace inside a name ("x a") is not a list separator.
        if (c !== 44) {
          let j = i;
          while (j < n && (value.charCodeAt(j) === 32 || value.charCodeAt(j) === 9)) j++;
          if (j < n && value.charCodeAt(j) !== 44) return undefined;
          i = j - 1;
        }
      }
      continue;
    }
    if (!isTokenChar(c)) return undefined;
    if (start < 0) start = i;
  }
  return refused;
}
