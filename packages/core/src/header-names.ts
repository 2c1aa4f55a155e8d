import type { ProblemList } from './errors.js';
import { isToken } from './tokens.js';

/**
 * Reads a `methods`, `allowedHeaders` or `exposedHeaders` option: a list of HTTP tokens, or `'*'` (refused with
 * credentials, where browsers read `*` as a literal name). `undefined` when unset or unusable.
 */
export function listOrStar(
  value: unknown,
  path: string,
  credentials: boolean,
  problems: ProblemList,
  example: string,
): readonly string[] | '*' | undefined {
  if (value === undefined) return undefined;
  if (value === '*') {
    if (credentials) {
      problems.add(path, "'*' cannot be combined with credentials (browsers then read it as a literal name)", `list the names, e.g. ${path}: ${example}`);
    }
    return '*';
  }
  if (!Array.isArray(value)) {
    problems.add(path, `must be an array of names or '*', got ${typeof value}`, `e.g. ${path}: ${example}`);
    return undefined;
  }
  const names: string[] = [];
  // By index and own elements only: a hole would otherwise read whatever a polluted prototype holds there.
  for (let i = 0; i < value.length; i++) {
    if (!Object.hasOwn(value, i)) {
      problems.add(`${path}[${i}]`, 'is an empty slot of the array', 'remove the extra comma');
      continue;
    }
    const name: unknown = value[i];
    if (typeof name !== 'string' || !isToken(name)) {
      problems.add(`${path}[${i}]`, `${JSON.stringify(name) ?? String(name)} is not a valid HTTP token`, 'use letters, digits and !#$%&\'*+-.^_`|~ only');
    } else if (name === '*') {
      problems.add(`${path}[${i}]`, "'*' inside a list is a literal name, not a wildcard", `write ${path}: '*' (without credentials) or list names`);
    } else {
      names.push(name);
    }
  }
  return names;
}
