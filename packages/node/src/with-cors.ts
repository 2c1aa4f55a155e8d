import type { IncomingMessage, ServerResponse } from 'node:http';
import { createCorsPolicy, isThenable, type CorsOptions } from '@cors/core';
import { writeDecision, writeLateDecision, type NodeCorsResponse } from './write-decision.js';

/**
 * What `withCors` needs of a request: Node's `http.IncomingMessage` and `http2.Http2ServerRequest` fit.
 *
 * @example
 * const req: NodeCorsRequest = { method: 'GET', headers: { origin: 'https://app.example.com' } };
 */
export interface NodeCorsRequest {
  readonly method?: string | undefined;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * Wraps a Node request listener with a CORS policy, for `http.createServer`, `https.createServer`,
 * `http2.createSecureServer` (its compatibility API) and anything else that takes a listener. The options are
 * validated now: a wrong configuration throws `CorsConfigError` at start-up.
 *
 * Preflights are answered here (`preflightStatus`, or 403 with no CORS headers) and never reach the listener;
 * every other request gets its CORS headers and goes on to it. `Vary: Origin` is merged with whatever `Vary` the
 * listener sets, however late. Origin validators and `onRefused` receive the request.
 *
 * @example
 * import http from 'node:http';
 * import { withCors } from '@cors/node';
 *
 * http.createServer(withCors({ origin: 'https://app.example.com' }, (req, res) => res.end('ok'))).listen(8080);
 */
export function withCors<Req extends NodeCorsRequest = IncomingMessage, Res extends NodeCorsResponse = ServerResponse>(
  options: CorsOptions<Req>,
  listener: (req: Req, res: Res) => void,
): (req: Req, res: Res) => void {
  const policy = createCorsPolicy<Req>(options);
  return function corsListener(this: unknown, req: Req, res: Res): void {
    const decision = policy.decide(req.method ?? '', req.headers, req);
    if (isThenable(decision)) {
      decision.then((settled) => {
        if (writeLateDecision(res, settled)) listener.call(this, req, res);
      });
      return;
    }
    if (writeDecision(res, decision)) listener.call(this, req, res);
  };
}
