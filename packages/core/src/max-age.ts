import type { ProblemList } from './errors.js';

/** The `Access-Control-Max-Age` response header: how long a browser may cache an allowed preflight. */
export const MAX_AGE = 'access-control-max-age';

/**
 * Compiles `maxAge`: an integer from 0 to 86400 seconds, or unset for no header (browsers then cache for 5 s).
 * Browsers cap it: Chromium at 7200, Firefox at 86400, Safari at 600.
 *
 * Permitted: `600`, `0` (no caching), `86400`. Refused: `-1`, `1.5`, `'600'`, `86401`.
 */
export function compileMaxAge(value: unknown, problems: ProblemList): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 86400) {
    problems.add('maxAge', `must be an integer from 0 to 86400 seconds, got ${JSON.stringify(value) ?? String(value)}`, 'e.g. maxAge: 600 (Chromium caps at 7200, Firefox at 86400)');
    return undefined;
  }
  return String(value);
}
