import type { CorsHeader } from './header-list.js';

/**
 * `Access-Control-Allow-Private-Network: true`, the answer to a legacy Private Network Access preflight
 * (`Access-Control-Request-Private-Network: true`), sent only with `allowPrivateNetwork: true`. Chromium put the
 * scheme on hold for a permission prompt; only older deployments still ask.
 */
export const ALLOW_PRIVATE_NETWORK: CorsHeader = Object.freeze(['access-control-allow-private-network', 'true'] as const);

/** The request header of a Private Network Access preflight. */
export const REQUEST_PRIVATE_NETWORK = 'access-control-request-private-network';
