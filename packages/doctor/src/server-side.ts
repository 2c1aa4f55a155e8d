// What the responses tell about the server: the `Cors-Refusal` header of @cors's `debug` option, and which
// framework and CORS middleware probably answered (from X-Powered-By, header spelling and order, defaults).
import { headerValue, type HeaderPair, type ReceivedResponse } from './http.js';

/** The server's own reason, from a `Cors-Refusal: <code>; <key>=<value>...` response header. */
export interface ServerRefusal {
  /** The header value as received. */
  readonly raw: string;
  /** The refusal code, e.g. `header-not-allowed`. */
  readonly code: string;
  /** The option that would change it, e.g. `allowedHeaders`, when the server named one. */
  readonly option: string | null;
  /** Every `key=value` parameter, repeated keys in order: `{ header: ['x-trace'], option: ['allowedHeaders'] }`. */
  readonly params: Readonly<Record<string, readonly string[]>>;
}

/** The debug header's name (any case on the wire). */
export const REFUSAL_HEADER = 'cors-refusal';

/**
 * Parses a `Cors-Refusal` value. A value that does not start with a code (`a-z`, digits, `-`) is kept as raw
 * text with code `unknown`, never thrown on: it is the server's header, not ours.
 */
export function parseRefusal(value: string): ServerRefusal {
  const [first = '', ...rest] = value.split(';').map((part) => part.trim());
  const params: Record<string, string[]> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let v = part.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    (params[key] ??= []).push(v);
  }
  const code = /^[a-z0-9-]+$/.test(first) ? first : 'unknown';
  return { raw: value, code, option: params.option?.[0] ?? null, params };
}

/** The refusal header of a response, parsed, or null. */
export function refusalOf(response: ReceivedResponse | null): ServerRefusal | null {
  if (response === null) return null;
  const value = headerValue(response.headers, REFUSAL_HEADER);
  return value === null ? null : parseRefusal(value);
}

export type MiddlewareName = '@cors' | 'cors' | '@koa/cors' | '@fastify/cors';

/** A guess at what answered: the framework and CORS middleware, with the signs that led to it. */
export interface ServerIdentity {
  readonly framework: 'express' | 'koa' | 'fastify' | null;
  readonly middleware: MiddlewareName | null;
  /** `certain` only when the server said so itself (`Cors-Refusal`, `X-Powered-By`). */
  readonly confidence: 'certain' | 'likely' | 'unknown';
  /** One line per sign, e.g. `X-Powered-By: Express`. */
  readonly evidence: readonly string[];
}

/** Option names of each middleware, for the fixes: what to change where. */
export const MIDDLEWARE_OPTIONS: Readonly<Record<MiddlewareName, Readonly<Record<'origin' | 'credentials' | 'methods' | 'headers' | 'expose' | 'preflightStatus', string>>>> = {
  '@cors': { origin: 'origin', credentials: 'credentials', methods: 'methods', headers: 'allowedHeaders', expose: 'exposedHeaders', preflightStatus: 'preflightStatus' },
  cors: { origin: 'origin', credentials: 'credentials', methods: 'methods', headers: 'allowedHeaders', expose: 'exposedHeaders', preflightStatus: 'optionsSuccessStatus' },
  '@koa/cors': { origin: 'origin', credentials: 'credentials', methods: 'allowMethods', headers: 'allowHeaders', expose: 'exposeHeaders', preflightStatus: 'optionsSuccessStatus' },
  '@fastify/cors': { origin: 'origin', credentials: 'credentials', methods: 'methods', headers: 'allowedHeaders', expose: 'exposedHeaders', preflightStatus: 'optionsSuccessStatus' },
};

const isCorsName = (name: string) => name.toLowerCase().startsWith('access-control-');

/**
 * Identifies the server from the responses the doctor got. Signs, strongest first: our own `Cors-Refusal`
 * header; `X-Powered-By`; the spelling of the `Access-Control-*` names (Fastify writes every name lower-case,
 * Express and Koa keep the case the middleware used); whether `Vary` comes before or after
 * `Access-Control-Allow-Origin`; the middlewares' default method lists; a 204 refused preflight that still
 * lists methods (what `cors` and `@fastify/cors` do) or a 403 one with no CORS header (what @cors does).
 */
export function identifyServer(responses: readonly (ReceivedResponse | null)[]): ServerIdentity {
  const evidence: string[] = [];
  const present = responses.filter((r): r is ReceivedResponse => r !== null);
  let framework: ServerIdentity['framework'] = null;
  let middleware: MiddlewareName | null = null;
  let certain = false;

  const poweredBy = present.map((r) => headerValue(r.headers, 'x-powered-by')).find((v) => v !== null) ?? null;
  if (poweredBy !== null) {
    evidence.push(`X-Powered-By: ${poweredBy}`);
    if (/^express\b/i.test(poweredBy)) {
      framework = 'express';
      certain = true;
    }
  }
  if (present.some((r) => headerValue(r.headers, 'cors-refusal') !== null)) {
    evidence.push('a Cors-Refusal header (the debug option of @cors)');
    return { framework, middleware: '@cors', confidence: 'certain', evidence };
  }

  const allNames = present.flatMap((r) => r.headers.map(([n]) => n));
  const corsNames = allNames.filter(isCorsName);
  const lowerCase = (names: string[]) => names.length > 0 && names.every((n) => n === n.toLowerCase());
  // Fastify writes every header name lower-case (Node's own Date and Connection aside); a few of its answers
  // (a malformed URL) do not, so most responses decide.
  const fastifyLike = present.filter((r) => {
    const names = r.headers.map(([n]) => n).filter((n) => !/^(date|connection|keep-alive|transfer-encoding)$/i.test(n));
    // content-type: the CORS layer never writes it, so it shows the framework's own spelling.
    return lowerCase(names) && names.includes('content-type');
  }).length;
  if (framework === null && present.length > 0 && fastifyLike * 2 >= present.length) {
    framework = 'fastify';
    evidence.push('header names lower-case, as Fastify writes them');
  }

  const methods = present.map((r) => headerValue(r.headers, 'access-control-allow-methods')).find((v) => v !== null) ?? null;
  if (methods === 'GET,HEAD,PUT,PATCH,POST,DELETE') evidence.push("Access-Control-Allow-Methods: GET,HEAD,PUT,PATCH,POST,DELETE (cors's default)");
  if (methods === 'GET,HEAD,PUT,POST,DELETE,PATCH') evidence.push("Access-Control-Allow-Methods: GET,HEAD,PUT,POST,DELETE,PATCH (@koa/cors's default)");

  const varyFirst = present.some((r) => {
    const vary = r.headers.findIndex(([n]) => n.toLowerCase() === 'vary');
    const acao = r.headers.findIndex(([n]) => n.toLowerCase() === 'access-control-allow-origin');
    return vary >= 0 && acao >= 0 && vary < acao;
  });
  const acaoFirst = present.some((r) => {
    const vary = r.headers.findIndex(([n]) => n.toLowerCase() === 'vary');
    const acao = r.headers.findIndex(([n]) => n.toLowerCase() === 'access-control-allow-origin');
    return vary >= 0 && acao >= 0 && acao < vary;
  });
  // A refused answer that still carries Access-Control-* headers other than -Allow-Origin.
  const leaksToRefused = present.some(
    (r) => headerValue(r.headers, 'access-control-allow-origin') === null && r.headers.some(([n]) => isCorsName(n)),
  );
  const silentRefusal = present.some(
    (r) => r.status === 403 && !r.headers.some(([n]) => isCorsName(n)) && /(^|,)\s*origin\s*(,|$)/i.test(headerValue(r.headers, 'vary') ?? ''),
  );

  if (corsNames.length > 0 && lowerCase(corsNames)) {
    // @fastify/cors writes Vary first, lists methods without spaces and answers refused origins with headers;
    // @cors writes Access-Control-Allow-Origin first, lists methods with ", " and refuses with 403 and nothing.
    const fastifyStyle = varyFirst || leaksToRefused || (methods !== null && methods.includes(',') && !/, /.test(methods));
    const corsStyle = !leaksToRefused && (silentRefusal || acaoFirst || (methods !== null && /, /.test(methods)));
    if (corsStyle) middleware = '@cors';
    else if (fastifyStyle && framework !== 'express') {
      middleware = '@fastify/cors';
      framework ??= 'fastify';
    } else if (framework !== 'fastify' && !leaksToRefused) middleware = '@cors';
    if (middleware !== null) evidence.push(`lower-case Access-Control-* names${middleware === '@cors' ? ', as @cors writes them' : ''}, Vary ${varyFirst ? 'before' : 'after'} Access-Control-Allow-Origin`);
  } else if (corsNames.length > 0 && corsNames.every((n) => /^Access-Control-[A-Z]/.test(n))) {
    if (methods === 'GET,HEAD,PUT,PATCH,POST,DELETE' || (framework === 'express' && acaoFirst)) middleware = 'cors';
    else if (methods === 'GET,HEAD,PUT,POST,DELETE,PATCH' || (framework === null && varyFirst)) {
      middleware = '@koa/cors';
      framework ??= 'koa';
    } else if (framework === 'express') middleware = 'cors';
    if (middleware !== null) evidence.push(`Access-Control-* names in Title-Case, Vary ${varyFirst ? 'before' : 'after'} Access-Control-Allow-Origin`);
  }
  if (middleware === null && corsNames.length === 0 && silentRefusal) {
    middleware = '@cors';
    evidence.push('a refused preflight answered 403 with Vary: Origin and no Access-Control-* header, as @cors does');
  } else if (silentRefusal) evidence.push('a refused preflight answered 403 with no Access-Control-* header');
  else if (leaksToRefused) evidence.push('a refused request still got Access-Control-* headers');

  const confidence = middleware === null && framework === null ? 'unknown' : certain && middleware === null ? 'certain' : 'likely';
  return { framework, middleware, confidence, evidence };
}

/** The names of a header list in order, for display. */
export function headerNames(headers: readonly HeaderPair[]): string[] {
  return headers.map(([n]) => n);
}
