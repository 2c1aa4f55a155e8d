import type { FastifyInstance } from 'fastify';
import type { Registration, ServerState } from './types.js';

/**
 * What every registration on one server shares (every encapsulation context shares the router), and which
 * registration governs a context: the nearest one, since contexts inherit from their parent (`Object.create`).
 */

const registrations = new WeakMap<object, Registration>();
const states = new WeakMap<object, ServerState>();

export function stateOf(instance: FastifyInstance): ServerState {
  // Every context of one application shares its server object.
  const key = instance.server as object;
  let state = states.get(key);
  if (state === undefined) {
    state = {
      registrations: 0,
      complex: false,
      allSeen: false,
      rootRegistered: false,
      unseenRoutes: false,
      tables: new Map(),
      tablesByMethod: new Map(),
      owners: new WeakMap(),
      contextsWithRouteConfig: new WeakSet(),
      seen: new Set(),
      compiledRouteConfigs: [],
      loggedUnseenPreflight: false,
    };
    states.set(key, state);
  }
  return state;
}

export function registrationIn(instance: object): Registration | undefined {
  return registrations.get(instance);
}

export function addRegistration(state: ServerState, reg: Registration): void {
  registrations.set(reg.instance, reg);
  state.registrations++;
  state.owners = new WeakMap(); // contexts looked up before this registration may now have a nearer one
  if (state.registrations > 1) state.complex = true;
}

/** The registration nearest to a context. */
export function ownerOf(state: ServerState, context: object): Registration | undefined {
  const cached = state.owners.get(context);
  if (cached !== undefined) return cached ?? undefined;
  let owner: Registration | undefined;
  for (let o: object | null = context; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    owner = registrations.get(o);
    if (owner !== undefined) break;
  }
  state.owners.set(context, owner ?? null);
  return owner;
}
