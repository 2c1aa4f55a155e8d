import { describe, it, expect } from 'vitest';
import { mergeVary } from '../src/index.js';

describe('mergeVary', () => {
  it.each<[string, Parameters<typeof mergeVary>[0], string[], string | undefined]>([
    ['nothing set yet', undefined, ['Origin'], 'Origin'],
    ['null', null, ['Origin'], 'Origin'],
    ['empty string', '', ['Origin'], 'Origin'],
    ['blank string', '   ', ['Origin'], 'Origin'],
    ['empty array', [], ['Origin'], 'Origin'],
    ['another token', 'Accept-Encoding', ['Origin'], 'Accept-Encoding, Origin'],
    ['several tokens', 'Accept-Encoding, Cookie', ['Origin'], 'Accept-Encoding, Cookie, Origin'],
    ['already present', 'Origin', ['Origin'], undefined],
    ['already present, other case', 'origin', ['Origin'], undefined],
    ['already present among others', 'Accept-Encoding,ORIGIN ,Cookie', ['Origin'], undefined],
    ['Vary: *', '*', ['Origin'], undefined],
    ['Vary: * among others', 'Accept, *', ['Origin'], undefined],
    ['Vary: * with spaces', ' * ', ['Origin'], undefined],
    ['an array of header lines', ['Accept-Encoding', 'Cookie'], ['Origin'], 'Accept-Encoding, Cookie, Origin'],
    ['an array already covering it', ['Accept-Encoding', 'origin'], ['Origin'], undefined],
    ['an array with *', ['Accept', '*'], ['Origin'], undefined],
    ['a number (as some frameworks store headers)', 42, ['Origin'], '42, Origin'],
    ['several tokens to add', 'Accept', ['Origin', 'Access-Control-Request-Method'], 'Accept, Origin, Access-Control-Request-Method'],
    ['tokens repeated among themselves', 'Accept', ['Origin', 'origin'], 'Accept, Origin'],
    ['tokens repeated, nothing set yet', undefined, ['Origin', 'ORIGIN', 'Cookie'], 'Origin, Cookie'],
    ['some tokens present', 'origin', ['Origin', 'Cookie'], 'origin, Cookie'],
    ['no tokens', 'Accept', [], undefined],
    ['no tokens, nothing set', undefined, [], undefined],
    ['a name that merely contains the token', 'X-Origin, Origin-Agent', ['Origin'], 'X-Origin, Origin-Agent, Origin'],
  ])('%s', (_, existing, tokens, expected) => {
    expect(mergeVary(existing, tokens)).toBe(expected);
  });

  it('is idempotent: merging its own output changes nothing', () => {
    for (const existing of [undefined, 'Accept', 'Accept, origin', ['Cookie', 'Accept']]) {
      const once = mergeVary(existing, ['Origin']) ?? existing;
      expect(mergeVary(once, ['Origin'])).toBeUndefined();
    }
  });

  it('appends to what is already there, whichever side set Vary first', () => {
    // The adapter merges when it sets its headers; the application may set Vary before or after it.
    const before = mergeVary('Accept-Encoding', ['Origin']);
    const after = mergeVary(mergeVary(undefined, ['Origin']), ['Accept-Encoding']);
    expect(before).toBe('Accept-Encoding, Origin');
    expect(after).toBe('Origin, Accept-Encoding');
  });
});
