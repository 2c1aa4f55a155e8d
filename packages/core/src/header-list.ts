/**
 * A response header to set: `[name, value]`. Names are lower case, the one spelling every adapter writes.
 *
 * @example
 * for (const [name, value] of decision.headers) res.setHeader(name, value);
 */
export type CorsHeader = readonly [name: string, value: string];

/** Header lists a policy built when it was made, from values it checked then; frozen, tuples included. */
const prebuiltLists = new WeakSet<readonly CorsHeader[]>();

/** Freezes a list built once from checked values (configured origins, tokens, numbers) and marks it prebuilt. */
export function prebuiltHeaderList(list: CorsHeader[]): readonly CorsHeader[] {
  for (const header of list) Object.freeze(header);
  Object.freeze(list);
  prebuiltLists.add(list);
  return list;
}

/**
 * True when a decision's header list was built by a policy when it was made, from configuration values it
 * validated then: every name is a lower-case HTTP token and every value a valid field value, and the list is
 * frozen. An adapter may then skip its runtime's per-header checks. A list built anywhere else is never prebuilt.
 *
 * @example
 * if (isPrebuiltHeaderList(decision.headers)) storeUnchecked(res, decision.headers);
 * else for (const [name, value] of decision.headers) res.setHeader(name, value);
 */
export function isPrebuiltHeaderList(list: readonly CorsHeader[]): boolean {
  return prebuiltLists.has(list);
}

/** The empty header list every refused or CORS-free answer shares. */
export const NO_HEADERS: readonly CorsHeader[] = prebuiltHeaderList([]);
