import type { ProblemList } from './errors.js';
import { isToken } from './tokens.js';

// Methods browsers refuse to send (Fetch "forbidden method").
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
// Browsers upper-case these when a script writes them in lower case, so a lower-case entry never matches.
const NORMALISED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
// Fetch "forbidden request-header" names: set by the browser itself, never by scripts.
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'accept-charset', 'accept-encoding', 'access-control-request-headers', 'access-control-request-method',
  'access-control-request-private-network', 'connection', 'content-length', 'cookie', 'cookie2', 'date', 'dnt',
  'expect', 'host', 'keep-alive', 'origin', 'referer', 'set-cookie', 'te', 'trailer', 'transfer-encoding',
  'upgrade', 'via',
]);
// Fetch "forbidden response-header" names: never readable by scripts.
const FORBIDDEN_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2']);

const DEFAULT_METHODS = ['GET', 'HEAD', 'POST'];

export interface CompiledMethods {
  /** The `Access-Control-Allow-Methods` value. */
  readonly header: string;
  allows(method: string): boolean;
}

export interface CompiledAllowedHeaders {
  readonly names: ReadonlySet<string>;
  /** `'*'`: any header but `authorization`. */
  readonly any: boolean;
  /** The `Access-Control-Allow-Headers` value, or `undefined` for none. */
  readonly header: string | undefined;
}

function listOrStar(
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
  value.forEach((name: unknown, i) => {
    if (typeof name !== 'string' || !isToken(name)) {
      problems.add(`${path}[${i}]`, `${JSON.stringify(name) ?? String(name)} is not a valid HTTP token`, 'use letters, digits and !#$%&\'*+-.^_`|~ only');
    } else if (name === '*') {
      problems.add(`${path}[${i}]`, "'*' inside a list is a literal name, not a wildcard", `write ${path}: '*' (without credentials) or list names`);
    } else {
      names.push(name);
    }
  });
  return names;
}

export function compileMethods(value: unknown, credentials: boolean, problems: ProblemList): CompiledMethods {
  const list = listOrStar(value, 'methods', credentials, problems, "['GET', 'POST', 'PUT']") ?? DEFAULT_METHODS;
  if (list === '*') return { header: '*', allows: () => true };
  list.forEach((m, i) => {
    if (FORBIDDEN_METHODS.has(m.toUpperCase())) {
      problems.add(`methods[${i}]`, `${m} is a forbidden method that browsers never send`, 'remove it');
    } else if (m !== m.toUpperCase() && NORMALISED_METHODS.has(m.toUpperCase())) {
      problems.add(`methods[${i}]`, `'${m}' never matches: browsers send it as '${m.toUpperCase()}'`, `write '${m.toUpperCase()}'`);
    }
  });
  const set = new Set(list);
  return { header: [...set].join(', '), allows: (method) => set.has(method) };
}

export function compileAllowedHeaders(value: unknown, credentials: boolean, problems: ProblemList): CompiledAllowedHeaders {
  const list = listOrStar(value, 'allowedHeaders', credentials, problems, "['content-type', 'authorization']") ?? [];
  if (list === '*') return { names: new Set(), any: true, header: '*' };
  const names = new Set<string>();
  list.forEach((h, i) => {
    const lower = h.toLowerCase();
    if (FORBIDDEN_REQUEST_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) {
      problems.add(`allowedHeaders[${i}]`, `${h} is a forbidden request header that only the browser sets`, 'remove it');
    } else {
      names.add(lower);
    }
  });
  return { names, any: false, header: names.size > 0 ? [...names].join(', ') : undefined };
}

export function compileExposedHeaders(value: unknown, credentials: boolean, problems: ProblemList): string | undefined {
  const list = listOrStar(value, 'exposedHeaders', credentials, problems, "['x-request-id']") ?? [];
  if (list === '*') return '*';
  const names = new Set<string>();
  list.forEach((h, i) => {
    const lower = h.toLowerCase();
    if (FORBIDDEN_RESPONSE_HEADERS.has(lower)) {
      problems.add(`exposedHeaders[${i}]`, `${h} can never be read by scripts`, 'remove it');
    } else {
      names.add(lower);
    }
  });
  return names.size > 0 ? [...names].join(', ') : undefined;
}

export function compileMaxAge(value: unknown, problems: ProblemList): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 86400) {
    problems.add('maxAge', `must be an integer from 0 to 86400 seconds, got ${JSON.stringify(value) ?? String(value)}`, 'e.g. maxAge: 600 (Chromium caps at 7200, Firefox at 86400)');
    return undefined;
  }
  return String(value);
}

export function compilePreflightStatus(value: unknown, problems: ProblemList): number {
  if (value === undefined) return 204;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 200 || value > 299) {
    problems.add('preflightStatus', `must be an integer from 200 to 299, got ${JSON.stringify(value) ?? String(value)}`, 'use 204 (the default), or 200 for very old clients');
    return 204;
  }
  return value;
}
