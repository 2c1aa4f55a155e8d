import { PUBLIC_SUFFIX_RULES } from './generated/public-suffix-data.js';

// Rules as PSL text (`a.b`, `*.b`, `!c.b`); built on first use so importing stays free.
let rules: Set<string> | undefined;

function parseRules(data: string): Set<string> {
  const out = new Set<string>();
  const parents: string[] = []; // full names of the open `(` nodes
  let last = '';
  for (const token of data.match(/[^(),\n]+|[()]/g) ?? []) {
    if (token === '(') parents.push(last);
    else if (token === ')') parents.pop();
    else {
      const holder = token.endsWith('?'); // only holds children, not a rule itself
      const label = holder ? token.slice(0, -1) : token;
      const parent = parents[parents.length - 1];
      last = parent === undefined ? label : `${label}.${parent}`;
      if (!holder) out.add(last);
    }
  }
  return out;
}

/**
 * Whether `host` (lower-case ASCII, no trailing dot) is itself a public suffix, ICANN or
 * private: `com`, `co.uk`, `github.io`. Any single label counts (the PSL's implicit `*`).
 */
export function isPublicSuffix(host: string): boolean {
  const dot = host.indexOf('.');
  if (dot < 0) return host !== '';
  rules ??= parseRules(PUBLIC_SUFFIX_RULES);
  if (rules.has(host)) return true;
  return rules.has(`*${host.slice(dot)}`) && !rules.has(`!${host}`);
}

/** Every rule, as PSL text (`a.b`, `*.b`, `!c.b`), for testing a RegExp entry against each public suffix. */
export function publicSuffixRules(): ReadonlySet<string> {
  rules ??= parseRules(PUBLIC_SUFFIX_RULES);
  return rules;
}
