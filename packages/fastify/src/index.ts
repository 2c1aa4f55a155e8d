import { cors } from './registration.js';
import type { FastifyCorsRouteOptions } from './types.js';

export { cors };
/**
 * The CORS plugin, as the default export; the same as the named `cors`.
 *
 * @example
 * import cors from '@cors/fastify';
 *
 * await app.register(cors, { origin: 'https://app.example.com' });
 */
export default cors;
export type { FastifyCorsOptions, FastifyCorsRouteOptions } from './types.js';
export { CorsConfigError } from '@cors/core';
export type { CorsConfigProblem, CorsOptions, OriginValidator, RefusalCode, RefusalReason } from '@cors/core';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * This route's CORS policy: options merged over the ones given to `register(cors, ...)`, or `false` for no
     * CORS at all. Also governs the route's preflights. Read when the route is declared, so declare routes after
     * `await app.register(cors, ...)`: a route declared before gets no CORS at all, and a log line.
     *
     * @example config: { cors: { methods: ['PUT'], allowedHeaders: ['content-type'] } }
     * @example config: { cors: false }
     */
    cors?: FastifyCorsRouteOptions | false;
  }
}
