import { mergeVary, VARY, type CorsDecision } from '@cors/core';
import type { FastifyReply } from 'fastify';
import { keepVaryAtHead } from './head-vary.js';

/**
 * Writes a decision through Fastify's reply: its headers as the core spells them, its Vary tokens merged now
 * (so later hooks see them) and again when the head is written (so no later hook can drop them). A preflight is
 * answered here, with the decision's status and `Content-Length`, and an empty body.
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
  if (tokens.length !== 0) {
    const merged = mergeVary(reply.getHeader(VARY), tokens);
    if (merged !== undefined) reply.header(VARY, merged);
    keepVaryAtHead(reply.raw, tokens);
  }
  if (decision.kind === 'preflight') {
    const contentLength = decision.contentLength;
    if (contentLength !== undefined) reply.header('content-length', contentLength);
    else if (reply.hasHeader('content-length')) reply.removeHeader('content-length');
    reply.code(decision.status).send();
    return false;
  }
  return true;
}
