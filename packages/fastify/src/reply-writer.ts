import type { CorsDecision } from '@cors/core';
import type { FastifyReply } from 'fastify';
import { keepVaryAtWriteHead } from '@cors/node';

/**
 * Writes a decision through Fastify's reply: its headers as the core spells them, and its Vary tokens kept for
 * the moment the head is written, where they are merged into whatever `Vary` the response has by then (so no
 * later hook can drop them, and a request pays for one merge). A preflight is answered here, with the decision's
 * status and `Content-Length`, and an empty body.
 *
 * @returns true when the request goes on through Fastify's lifecycle; false when the preflight was answered
 */
export function writeDecision(reply: FastifyReply, decision: CorsDecision): boolean {
  const headers = decision.headers;
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i]!;
    reply.header(header[0], header[1]);
  }
  const tokens = decision.vary;
  if (tokens.length !== 0) keepVaryAtWriteHead(reply.raw, tokens);
  if (decision.kind === 'preflight') {
    const contentLength = decision.contentLength;
    if (contentLength !== undefined) reply.header('content-length', contentLength);
    else if (reply.hasHeader('content-length')) reply.removeHeader('content-length');
    reply.code(decision.status).send();
    return false;
  }
  return true;
}
