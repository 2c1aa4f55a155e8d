/**
 * Merges tokens into a `Vary` header value. Returns the new value, or `undefined` when the existing value
 * already covers them (including `Vary: *`, which is left alone). Tokens compare case-insensitively and
 * are never repeated.
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
