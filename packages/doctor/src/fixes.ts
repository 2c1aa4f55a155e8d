// What to change when a step fails: first what the server must send (true for any server in any language),
// then, when the responses reveal the middleware, the option of that middleware, and the server's own reason
// when it gave one (the @cors `debug` header).
import { headerValue, type ReceivedResponse } from './http.js';
import { MIDDLEWARE_OPTIONS, type MiddlewareName, type ServerIdentity, type ServerRefusal } from './server-side.js';
import type { FailureStep } from './types.js';

export interface FixContext {
  readonly step: FailureStep;
  readonly request: 'preflight' | 'actual' | 'none';
  readonly url: string;
  /** The Origin the failing request carried (`null` after a cross-origin redirect). */
  readonly origin: string;
  readonly method: string;
  readonly credentials: boolean;
  /** The offending value (header name, method, Access-Control-Allow-Origin value...). */
  readonly value: string;
  readonly response: ReceivedResponse | null;
  readonly identity: ServerIdentity;
  readonly refusal: ServerRefusal | null;
  readonly wildcardIgnored?: boolean;
  readonly location?: string;
  readonly networkError?: string;
  /** The unsafe headers the preflight asked for. */
  readonly requestHeaders?: readonly string[];
}

const AUTH_BEFORE_CORS = 'an authentication layer runs before CORS; preflights carry no credentials, so let OPTIONS through';

function option(ctx: FixContext, kind: keyof (typeof MIDDLEWARE_OPTIONS)['cors'], change: (name: string, middleware: MiddlewareName) => string): string | null {
  const mw = ctx.identity.middleware;
  if (mw === null) return null;
  const name = MIDDLEWARE_OPTIONS[mw][kind];
  return `${mw}${ctx.identity.confidence === 'certain' ? '' : ' (likely, from ' + ctx.identity.evidence.slice(0, 2).join('; ') + ')'}: ${change(name, mw)}`;
}

/** The server's own reason (the @cors `debug` header), turned into the change it asks for. */
function serverSays(ctx: FixContext): string | null {
  const r = ctx.refusal;
  if (r === null) return null;
  const opt = r.option ? `\`${r.option}\`` : 'the policy';
  let action: string;
  switch (r.code) {
    case 'origin-not-allowed':
      action = ctx.origin === 'null' ? `the origin 'null' is not listed in ${opt}` : `add '${ctx.origin}' to ${opt}`;
      break;
    case 'method-not-allowed':
      action = `add '${r.params.method?.[0] ?? ctx.method}' to ${opt}`;
      break;
    case 'header-not-allowed':
      action = `add ${(r.params.header ?? []).map((h) => `'${h}'`).join(', ') || 'the headers'} to ${opt}`;
      break;
    case 'malformed-origin':
      action = 'the Origin header was not a well-formed origin (no browser sends it that way)';
      break;
    case 'validator-error':
      action = `the origin validator in ${opt} threw or rejected; fix it so that it returns true or false`;
      break;
    case 'private-network-not-allowed':
      action = `set ${opt} to true to answer Access-Control-Request-Private-Network`;
      break;
    default:
      action = r.option ? `change ${opt}` : 'see its documentation';
  }
  return `The server says why (Cors-Refusal: ${r.raw}): ${action}.`;
}

function originOption(ctx: FixContext): string | null {
  if (ctx.origin === 'null') {
    return option(ctx, 'origin', (name, mw) =>
      mw === '@cors' ? `list 'null' in \`${name}\` (only without credentials; any page can send Origin: null)` : `allow 'null' in \`${name}\` (any page can send Origin: null: allow it only for public data)`,
    );
  }
  if (ctx.identity.middleware === null) {
    const vary = ctx.response !== null && /(^|,)\s*origin\s*(,|$)/i.test(headerValue(ctx.response.headers, 'vary') ?? '');
    return `${vary ? 'The answer carries Vary: Origin, so a CORS policy runs and refused this origin: ' : ''}add '${ctx.origin}' to the origins the CORS configuration allows.`;
  }
  return option(ctx, 'origin', (name, mw) =>
    mw === '@koa/cors'
      ? `\`${name}\` is a string or a function: return '${ctx.origin}' from it for this origin (never the request's Origin unchecked)`
      : `add '${ctx.origin}' to \`${name}\``,
  );
}

function credentialsLine(ctx: FixContext): string {
  return ctx.credentials ? ' and `Access-Control-Allow-Credentials: true`' : '';
}

/** The lines of `failure.fix`. */
export function fixFor(ctx: FixContext): string[] {
  const lines: (string | null)[] = [];
  const status = ctx.response?.status ?? 0;
  const authenticated = ctx.request === 'preflight' && (status === 401 || status === 407 || (status === 403 && ctx.refusal === null && !isCorsRefusal(ctx)));
  switch (ctx.step) {
    case 'network-error':
      lines.push(`The request got no answer (${ctx.networkError}). Check the URL and port, that the server runs and is reachable from here, DNS, and TLS (--insecure accepts any certificate). A browser reports this as "net::ERR_FAILED" or similar, often beside a CORS line.`);
      break;
    case 'forbidden-method':
      lines.push(`fetch() refuses ${ctx.method} before sending anything; use another method.`);
      break;
    case 'preflight-redirect':
      lines.push(`Answer the preflight (OPTIONS ${ctx.url}) with a 2xx status at this very URL: a preflight may not redirect.`);
      if (ctx.location) {
        lines.push(`The server redirected it to ${ctx.location}. ${redirectHint(ctx.url, ctx.location)}`);
      }
      if (ctx.location && /login|signin|sign-in|auth|sso/i.test(ctx.location)) lines.push(`It redirected to a login page: ${AUTH_BEFORE_CORS}.`);
      break;
    case 'preflight-status':
      if (authenticated) lines.push(`The preflight was answered ${status}: ${AUTH_BEFORE_CORS}.`);
      else if (status === 404 || status === 405 || status === 501) {
        lines.push(`The preflight was answered ${status}: nothing answers OPTIONS ${new URL(ctx.url).pathname}. Run the CORS middleware before the router (or give this route an OPTIONS handler that answers 204).`);
      } else if (status >= 500) lines.push(`The preflight was answered ${status}: the server failed on OPTIONS ${new URL(ctx.url).pathname}; its logs say why.`);
      else lines.push(`Answer the preflight with a 2xx status (204 is usual); it was answered ${status}.`);
      lines.push(option(ctx, 'preflightStatus', (name) => `\`${name}\` sets the preflight's status; make sure nothing before the middleware answers OPTIONS`));
      break;
    case 'allow-origin-missing':
      if (authenticated) lines.push(`The preflight was answered ${status} without CORS headers: ${AUTH_BEFORE_CORS}.`);
      lines.push(`The ${ctx.request === 'preflight' ? 'preflight response' : 'response'} must carry \`Access-Control-Allow-Origin: ${ctx.origin}\`${credentialsLine(ctx)}, and \`Vary: Origin\`.`);
      if (authenticated || ctx.refusal !== null) break;
      if (ctx.request === 'preflight' && status === 403 && isCorsRefusal(ctx)) {
        const asked = [`the origin ${ctx.origin}`, `the method ${ctx.method}`, ...(ctx.requestHeaders ?? []).map((h) => `the header ${h}`)];
        lines.push(`The CORS policy refused this preflight (403, no CORS headers): one of ${asked.join(', ')} is not allowed.`);
        lines.push(
          option(ctx, 'origin', (name, mw) => {
            const o = MIDDLEWARE_OPTIONS[mw];
            return `check \`${name}\`, \`${o.methods}\` and \`${o.headers}\`${mw === '@cors' ? '; `debug: true` adds a Cors-Refusal header that says which' : ''}`;
          }),
        );
        break;
      }
      if (ctx.request === 'actual' && status >= 400) lines.push(`The response was a ${status}: error responses need the CORS headers too, or the browser hides the error behind this one.`);
      lines.push(originOption(ctx));
      break;
    case 'allow-origin-multiple': {
      const parts = ctx.value.split(',').map((p) => p.trim());
      if (parts.length > 1 && parts.every((p) => p === parts[0])) {
        lines.push(`Send Access-Control-Allow-Origin once: two layers each add it (a proxy and the application, or two middlewares). Keep one.`);
      } else {
        lines.push(`Send exactly one origin in Access-Control-Allow-Origin: the request's own (\`${ctx.origin}\`) when it is allowed. A list is never valid: check the request's Origin against the list and echo the match, with \`Vary: Origin\`.`);
      }
      break;
    }
    case 'allow-origin-invalid':
      lines.push(`Access-Control-Allow-Origin must be \`*\`, \`null\` or an origin written as a browser sends it (\`scheme://host[:port]\`, no path or trailing slash); the server sent '${ctx.value}'. For this page: \`${ctx.origin}\`.`);
      break;
    case 'allow-origin-mismatch':
      lines.push(`Access-Control-Allow-Origin must equal the request's Origin byte for byte: \`${ctx.origin}\`, not \`${ctx.value}\`.${mismatchHint(ctx.value, ctx.origin)}`);
      lines.push(originOption(ctx));
      break;
    case 'wildcard-with-credentials':
      lines.push(`With credentials, Access-Control-Allow-Origin must be the request's own origin (\`${ctx.origin}\`), never \`*\`, together with \`Access-Control-Allow-Credentials: true\` and \`Vary: Origin\`. Or send the request without credentials, if it needs no cookies.`);
      lines.push(option(ctx, 'origin', (name) => `replace '*' in \`${name}\` by the origins you trust, e.g. ['${ctx.origin}']`));
      break;
    case 'allow-credentials-missing':
    case 'allow-credentials-invalid':
      lines.push(
        `The ${ctx.request === 'preflight' ? 'preflight response' : 'response'} must carry \`Access-Control-Allow-Credentials: true\` (exactly, lower-case) for a request with credentials${ctx.value ? `; the server sent '${ctx.value}'` : ''}. Or drop credentials: 'include' from the fetch() if it needs no cookies.`,
      );
      lines.push(option(ctx, 'credentials', (name) => `set \`${name}: true\``));
      break;
    case 'allow-methods-invalid':
      lines.push(`Access-Control-Allow-Methods must be a comma-separated list of method names; the server sent '${ctx.value}'.`);
      break;
    case 'allow-headers-invalid':
      lines.push(`Access-Control-Allow-Headers must be a comma-separated list of header names; the server sent '${ctx.value}'.`);
      break;
    case 'method-not-allowed':
      lines.push(`The preflight response's Access-Control-Allow-Methods must list \`${ctx.value}\` (methods match case-sensitively)${ctx.credentials ? '; with credentials a `*` there does not count' : ''}.`);
      lines.push(option(ctx, 'methods', (name) => `add '${ctx.value}' to \`${name}\``));
      break;
    case 'header-not-allowed':
      if (ctx.value === 'authorization' && ctx.wildcardIgnored && !ctx.credentials) {
        lines.push(
          '`*` in Access-Control-Allow-Headers never covers Authorization: list `authorization` by name. The Fetch standard blocks this request; Chromium (156 when this was written) still lets it through without a word, so it can work in Chrome and fail in a browser that follows the standard.',
        );
      } else if (ctx.value === 'authorization' && ctx.wildcardIgnored) lines.push('`*` in Access-Control-Allow-Headers never covers Authorization: list `authorization` by name.');
      else if (ctx.wildcardIgnored) lines.push('With credentials, `*` in Access-Control-Allow-Headers is only a header named "*": list the headers by name.');
      lines.push(`The preflight response's Access-Control-Allow-Headers must list \`${ctx.value}\` (any letter case).`);
      lines.push(option(ctx, 'headers', (name) => `add '${ctx.value}' to \`${name}\``));
      break;
    case 'redirect-not-allowed':
      lines.push(`Redirect to a URL without a user name or password in it; the server redirected to ${ctx.value}.`);
      break;
    case 'too-many-redirects':
      lines.push('The redirects loop (more than 20): fix the redirect rules of the server or proxy.');
      break;
  }
  const says = serverSays(ctx);
  if (says !== null) {
    // The server's own word beats a guess at its middleware.
    const guessed = ctx.identity.middleware === null ? '' : `${ctx.identity.middleware}`;
    return [...lines.filter((l): l is string => l !== null && (guessed === '' || !l.startsWith(guessed))), says];
  }
  return lines.filter((l): l is string => l !== null);
}

/** A 403 answer that looks like a CORS policy's refusal rather than authentication's. */
function isCorsRefusal(ctx: FixContext): boolean {
  const r = ctx.response;
  if (r === null) return false;
  if (headerValue(r.headers, 'www-authenticate') !== null) return false;
  return ctx.identity.middleware === '@cors' || /(^|,)\s*origin\s*(,|$)/i.test(headerValue(r.headers, 'vary') ?? '');
}

function redirectHint(from: string, to: string): string {
  try {
    const a = new URL(from);
    const b = new URL(to, from);
    if (a.protocol === 'http:' && b.protocol === 'https:' && a.host === b.host) return 'Call the https: URL directly.';
    if (a.origin === b.origin && (a.pathname + '/' === b.pathname || b.pathname + '/' === a.pathname)) return 'Only the trailing slash differs: call the URL the server redirects to.';
    if (a.origin !== b.origin) return `Call ${b.origin} directly, or have the server answer OPTIONS before redirecting.`;
  } catch {
    /* a Location that does not parse gets the general advice */
  }
  return 'Call the URL it redirects to directly, or have the server answer OPTIONS before redirecting.';
}

function mismatchHint(sent: string, origin: string): string {
  if (sent.replace(/\/+$/, '') === origin) return ' It has a trailing slash, which browsers never send.';
  if (sent.toLowerCase() === origin.toLowerCase()) return ' Only the letter case differs; browsers send scheme and host lower-case.';
  if (sent.replace(/:(80|443)$/, '') === origin) return ' It names the default port, which browsers leave out.';
  return ' The server sends one fixed origin to everyone: check the request\'s Origin against the allowed list and echo the match (with `Vary: Origin`).';
}
