import type { ProblemList } from './errors.js';
import { listOrStar } from './header-names.js';

/** The `Access-Control-Allow-Methods` response header: the methods a preflight may ask for. */
export const ALLOW_METHODS = 'access-control-allow-methods';

// Methods browsers refuse to send (Fetch "forbidden method").
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
// Browsers upper-case these when a script writes them in lower case, so a lower-case entry never matches.
const NORMALISED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

const DEFAULT_METHODS = ['GET', 'HEAD', 'POST'];

export interface CompiledMethods {
  /** The `Access-Control-Allow-Methods` value. */
  readonly header: string;
  /** Whether a preflight's `Access-Control-Request-Method` is allowed; methods match case-sensitively. */
  allows(method: string): boolean;
}

/**
 * Compiles `methods` (default `['GET', 'HEAD', 'POST']`).
 *
 * Permitted: `['GET', 'PUT', 'PATCH']`, `['PURGE']` (any token), `'*'` (without credentials).
 * Refused: `['TRACE']`, `['CONNECT']` (forbidden), `['put']` (browsers send `PUT`), `['GET POST']` (not a token),
 * `'*'` with credentials.
 */
export function compileMethods(value: unknown, credentials: boolean, problems: ProblemList): CompiledMethods {
  const list = listOrStar(value, 'methods', credentials, problems, "['GET', 'POST', 'PUT']") ?? DEFAULT_METHODS;
  if (list === '*') return { header: '*', allows: () => true };
  list.forEach((m, i) => {
    if (FORBIDDEN_METHODS.has(m.toUpperCase())) {
      problems.add(`methods[${i}]`, `${m} is a forbidden method that browsers never send`, 'remove it');
    } else if (m !== m.toUpperCase() && NORMALISED_METHODS.has(m.toUpperCase())) {
      problems.add(`methods[${i}]`, `'${m}' never matches: browsers send it as '${m.toUpperCase()}'`, `write '${m.toUpperCase()}'`);
    }
  });
  const set = new Set(list);
  return { header: [...set].join(', '), allows: (method) => set.has(method) };
}
