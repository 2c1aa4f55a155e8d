import type { CorsHeader } from './header-list.js';

/**
 * `Access-Control-Allow-Credentials: true`, sent to allowed origins when `credentials` is on. Its only valid value
 * is `true` (browsers compare it byte for byte), and it never goes beside `Access-Control-Allow-Origin: *`:
 * options that would pair them are refused when the policy is made.
 */
export const ALLOW_CREDENTIALS: CorsHeader = Object.freeze(['access-control-allow-credentials', 'true'] as const);
