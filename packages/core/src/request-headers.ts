import { isTokenChar } from './tokens.js';

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
