/**
 * The `Vary` response header's name, in the one spelling adapters write it.
 *
 * @example
 * const merged = mergeVary(res.getHeader(VARY), decision.vary);
 * if (merged !== undefined) res.setHeader(VARY, merged);
 */
export const VARY = 'vary';

/** The tokens of every policy whose answer depends on the request's origin: any policy but `'*'`. */
export const VARY_ORIGIN: readonly string[] = Object.freeze(['Origin']);
/** The tokens of the `'*'` policy, whose answer is the same for every origin. */
export const VARY_NONE: readonly string[] = Object.freeze([]);

/**
 * Merges tokens into a `Vary` header value, whoever set it first: the only rule for `Vary`. Adapters apply it
 * again at the last moment the head can change, so a value the application sets later keeps the tokens.
 * Returns the new value, or `undefined` when the existing value already covers them (including `Vary: *`,
 * which is left alone). Tokens compare case-insensitively and are never repeated.
 *
 * @example
 * mergeVary('Accept-Encoding', ['Origin']); // 'Accept-Encoding, Origin'
 * mergeVary('origin', ['Origin']);          // undefined
 * mergeVary(undefined, ['Origin']);         // 'Origin'
 */
export function mergeVary(
  existing: string | readonly string[] | number | undefined | null,
  tokens: readonly string[],
): string | undefined {
  if (tokens.length === 0) return undefined;
  // The common case, no Vary yet and one token (Origin), needs no parsing.
  if (existing == null && tokens.length === 1) return tokens[0];
  const current = existing == null ? '' : Array.isArray(existing) ? existing.join(', ') : String(existing);
  const present = new Set<string>();
  if (current.trim() === '') {
    const fresh: string[] = [];
    for (const token of tokens) {
      const key = token.toLowerCase();
      if (!present.has(key)) fresh.push(token);
      present.add(key);
    }
    return fresh.join(', ');
  }
  for (const part of current.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '*') return undefined;
    if (name !== '') present.add(name);
  }
  let merged = current;
  for (const token of tokens) {
    const key = token.toLowerCase();
    if (!present.has(key)) {
      merged += `, ${token}`;
      present.add(key);
    }
  }
  return merged === current ? undefined : merged;
}
