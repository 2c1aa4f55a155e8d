import { decideWithoutCors, isPreflight, isThenable, type CorsDecision } from '@cors/core';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { preflightSlot, tableOf } from './preflight-routing.js';
import { writeDecision } from './reply-writer.js';
import { routeConfigOf, routeEntryOf } from './route-config.js';
import { ownerOf } from './server-state.js';
import type { Entry, Registration, ServerState } from './types.js';

/**
 * The plugin's one request hook, `onRequest`: read the request, find the policy that governs its route, ask the
 * core, write the decision. Preflights are answered here, so later hooks and handlers never see them; every other
 * request gets its CORS headers before anything can fail, so error responses keep them. A sync hook with `done`:
 * no promise per request unless a validator returns one.
 */
export function corsOnRequestHook(reg: Registration, state: ServerState) {
  return function corsOnRequest(request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void {
    const raw = request.raw;
    if (raw.method === 'OPTIONS' && isPreflight('OPTIONS', raw.headers)) {
      // Whichever registration's hook runs first answers; the preflight's route says whose policy applies.
      answerPreflight(request, reply, next, reg, state);
      return;
    }
    let entry = reg.entry;
    if (state.complex || state.unseenRoutes) {
      const context = reply.server;
      if (state.complex) {
        const owner = ownerOf(state, context);
        // Another registration, nearer to this route's context, governs it.
        if (owner !== undefined && owner !== reg) {
          next();
          return;
        }
      }
      if (state.unseenRoutes || state.contextsWithRouteConfig.has(context)) entry = routeEntryOf(request, reply, state) ?? entry;
    }
    run(entry, request, reply, next);
  };
}

function answerPreflight(request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction, reg: Registration, state: ServerState): void {
  const config = routeConfigOf(request);
  const table = tableOf(config);
  const method = request.raw.headers['access-control-request-method'] as string;
  const context = reply.server;
  const slot = preflightSlot(state, table, method, request, context);
  if (slot === null) {
    // The actual request would reach a route no registration of ours governs: it has no CORS.
    if (state.unseenRoutes && !state.loggedUnseenPreflight) {
      state.loggedUnseenPreflight = true;
      reply.log.warn(
        `@cors/fastify: refused a preflight for ${method} at ${request.raw.url ?? ''}: the route it asks for was never shown to the plugin ` +
          '(declared before its registration had loaded, or in a context without cors). Declare routes after `await app.register(cors, options)`. ' +
          'This is logged once.',
      );
    }
    run(OFF_ENTRY, request, reply, next);
    return;
  }
  let entry: Entry;
  if (slot !== undefined) entry = slot.entry ?? (state.complex ? (ownerOf(state, slot.context) ?? reg).entry : reg.entry);
  else if (table === undefined && (state.complex || state.unseenRoutes)) {
    // No route has the method at this URL and the preflight reached no table of ours (a 404, or the application's
    // own OPTIONS route): the policy of the route it reached decides, as for an unknown path.
    entry = routeEntryOf(request, reply, state) ?? (ownerOf(state, context) ?? reg).entry;
  } else entry = state.complex ? (ownerOf(state, context) ?? reg).entry : reg.entry;
  run(entry, request, reply, next);
}

const OFF_ENTRY: Entry = Object.freeze({ policy: null });

function run(entry: Entry, request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void {
  const policy = entry.policy;
  const raw = request.raw;
  if (policy === null) {
    if (writeDecision(reply, decideWithoutCors(raw.method as string, raw.headers))) next();
    return;
  }
  const decision = policy.decide(raw.method as string, raw.headers, request);
  if (policy.mayBeAsync && isThenable(decision)) {
    decision.then(
      (settled) => finishLater(settled, reply, next),
      // The core never rejects; should it, the request fails rather than going on unchecked.
      (error: unknown) => next(error as Error),
    );
    return;
  }
  if (writeDecision(reply, decision as CorsDecision)) next();
}

function finishLater(decision: CorsDecision, reply: FastifyReply, next: HookHandlerDoneFunction): void {
  // Someone else answered while the validator ran: nothing left to write, and nothing to go on to.
  if (reply.sent || reply.raw.headersSent) return;
  let proceed: boolean;
  try {
    proceed = writeDecision(reply, decision);
  } catch (error) {
    next(error as Error);
    return;
  }
  if (proceed) next();
}

