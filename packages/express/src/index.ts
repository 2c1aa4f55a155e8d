import type { IncomingMessage, ServerResponse } from 'node:http';
import { createCorsPolicy, isThenable, type CorsDecision, type CorsOptions, type CorsPolicy } from '@cors/core';
import { writeDecision, writeLateDecision } from '@cors/node';
import { nearestPolicy, POLICIES } from './nearest-policy.js';

export { CorsConfigError } from '@cors/core';
export type {
  CorsOptions,
  CorsConfigProblem,
  CorsDecision,
  OriginEntry,
  OriginValidator,
  RefusalCode,
  RefusalReason,
  ValidatorCacheOptions,
} from '@cors/core';

/**
 * Express's `next`, reduced to what the middleware calls: with no argument to go on to the next handler, with an
 * error to hand it to Express's error handling. Express's own `NextFunction` fits it.
 *
 * @example
 * // Calling the middleware by hand, e.g. from a handler of your own:
 * const policy = cors({ origin: 'https://app.example.com' });
 * const next: CorsNextFunction = (error) => (error ? console.error(error) : console.log('not a preflight'));
 * policy(req, res, next);
 */
export type CorsNextFunction = (error?: unknown) => void;

/**
 * The middleware `cors()` returns. Typed on node:http so `@types/express` is not needed; Express's own
 * `Request`/`Response` extend these, so it fits `app.use`, `router.use` and route handler lists. `Req` is the
 * request type its origin validators and `onRefused` receive.
 *
 * @example
 * import type { Request } from 'express';
 *
 * // One instance for a route's preflight and for the route itself:
 * const uploads: CorsMiddleware<Request> = cors<Request>({ origin: 'https://app.example.com', methods: ['PUT'] });
 * app.options('/upload', uploads);
 * app.put('/upload', uploads, upload);
 */
export type CorsMiddleware<Req extends IncomingMessage = IncomingMessage> = (
  req: Req,
  res: ServerResponse,
  next: CorsNextFunction,
) => void;

/**
 * Creates Express 4/5 middleware from a CORS policy. The options are validated here, so a wrong configuration
 * throws `CorsConfigError` at start-up rather than on the first request.
 *
 * Put it before authentication and routes. Preflights are answered by the middleware (`preflightStatus`, or 403
 * with no CORS headers) and never reach the application; every other request gets its CORS headers, kept on error
 * responses, and goes on to `next()`. `Vary: Origin` is merged with the application's own `Vary`. Origin
 * validators and `onRefused` receive Express's `req` (write `cors<Request>(...)` outside `app.use` to type it).
 *
 * @param options - The policy; only `origin` is required. See the `@cors/core` options.
 * @returns The middleware, for `app.use`, `router.use` or a route.
 * @throws `CorsConfigError` listing every problem of the configuration, each with a hint.
 *
 * @example
 * app.use(cors({ origin: ['https://app.example.com', 'https://*.preview.example.com'], credentials: true }));
 *
 * @example
 * // Per route, including its preflight (app.put('/upload', cors(o), upload) alone misses the preflight):
 * app.route('/upload').all(cors({ origin: 'https://app.example.com', methods: ['PUT'] })).put(upload);
 */
export function cors<Req extends IncomingMessage = IncomingMessage>(options: CorsOptions<Req>): CorsMiddleware<Req> {
  const policy = createCorsPolicy<Req>(options);
  const corsMiddleware: CorsMiddleware<Req> = (req, res, next) => {
    let governing = policy;
    // A preflight stops at the first cors(); a policy further in, nearer to the route, may govern it.
    if (req.method === 'OPTIONS' && typeof req.headers['access-control-request-method'] === 'string') {
      governing = nearestPolicy<CorsPolicy<Req>>(req as never, corsMiddleware, req.headers['access-control-request-method']) ?? policy;
    }
    const decision = governing.decide(req.method as string, req.headers, req);
    if (isThenable(decision)) {
      // decide() never rejects; were it to, the error goes to Express's error handling instead of going unhandled.
      decision.then((settled) => writeLater(settled, res, next), next);
      return;
    }
    if (writeDecision(res, decision)) next();
  };
  POLICIES.tag(corsMiddleware, policy);
  return corsMiddleware;
}

function writeLater(decision: CorsDecision, res: ServerResponse, next: CorsNextFunction): void {
  let proceed: boolean;
  try {
    proceed = writeLateDecision(res, decision);
  } catch (error) {
    next(error);
    return;
  }
  if (proceed) next();
}

