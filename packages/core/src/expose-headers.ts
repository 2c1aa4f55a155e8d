import type { ProblemList } from './errors.js';
import { listOrStar } from './header-names.js';

/** The `Access-Control-Expose-Headers` response header: which response headers scripts may read. */
export const EXPOSE_HEADERS = 'access-control-expose-headers';

// Fetch "forbidden response-header" names: never readable by scripts.
const FORBIDDEN_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2']);

/**
 * Compiles `exposedHeaders` into the header value, lower-cased and de-duplicated, or `undefined` for none.
 * The CORS-safelisted response headers (`cache-control`, `content-language`, `content-length`, `content-type`,
 * `expires`, `last-modified`, `pragma`) are readable without it.
 *
 * Permitted: `['x-request-id']`, `'*'` (without credentials). Refused: `['set-cookie']` (never readable),
 * `['x id']` (not a token), `'*'` with credentials (browsers read it as a literal name then).
 */
export function compileExposedHeaders(value: unknown, credentials: boolean, problems: ProblemList): string | undefined {
  const list = listOrStar(value, 'exposedHeaders', credentials, problems, "['x-request-id']") ?? [];
  if (list === '*') return '*';
  const names = new Set<string>();
  list.forEach((h, i) => {
    const lower = h.toLowerCase();
    if (FORBIDDEN_RESPONSE_HEADERS.has(lower)) {
      problems.add(`exposedHeaders[${i}]`, `${h} can never be read by scripts`, 'remove it');
    } else {
      names.add(lower);
    }
  });
  return names.size > 0 ? [...names].join(', ') : undefined;
}
