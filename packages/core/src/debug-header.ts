import type { CorsHeader } from './header-list.js';
import type { RefusalReason } from './refusal.js';

/**
 * The `Cors-Refusal` response header of the `debug` option: on a refused request, the refusal code, what was
 * refused and the option that would change it, e.g. `header-not-allowed; header=x-trace; option=allowedHeaders`.
 * Never an `Access-Control-*` header, so a browser's verdict is the same with and without it. For development:
 * it tells anyone who asks what the policy refuses.
 *
 * @example
 * const why = response.headers.get(CORS_REFUSAL); // 'origin-not-allowed; option=origin'
 */
export const CORS_REFUSAL = 'cors-refusal';

const OPTION_OF: Readonly<Record<RefusalReason['code'], string | undefined>> = {
  'malformed-origin': undefined,
  'origin-not-allowed': 'origin',
  'validator-error': 'origin',
  'method-not-allowed': 'methods',
  'header-not-allowed': 'allowedHeaders',
  'private-network-not-allowed': 'allowPrivateNetwork',
};

/**
 * The debug header for a refusal. Only tokens go into it (a method, header names, option names), never the
 * request's origin, so the value is always a valid field value.
 *
 * @example
 * refusalHeader(reason); // ['cors-refusal', 'method-not-allowed; method=PATCH; option=methods']
 */
export function refusalHeader(reason: RefusalReason): CorsHeader {
  let value: string = reason.code;
  if (reason.code === 'method-not-allowed') value += `; method=${reason.method}`;
  else if (reason.code === 'header-not-allowed') for (const name of reason.headers) value += `; header=${name}`;
  const option = OPTION_OF[reason.code];
  if (option !== undefined) value += `; option=${option}`;
  return [CORS_REFUSAL, value];
}

let warned = false;

/** Warns once per process when `debug` is on in production, where it should be off. */
export function warnDebugInProduction(): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (warned || env?.NODE_ENV !== 'production') return;
  warned = true;
  console.warn('@cors: the debug option is on while NODE_ENV=production; it tells any caller why a request was refused. Switch it off in production.');
}
