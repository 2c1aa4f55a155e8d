// `diagnose()`: what a browser does for fetch(url, { method, headers, credentials }) from a page on `origin`,
// step by step, against the live server: the preflight decision, the preflight and its checks, the request and
// the CORS check, redirects, and which response headers the script could read.
import { headerValue, Transport, type Exchange, type HeaderPair, type ReceivedResponse } from './http.js';
import {
  corsCheck,
  isForbiddenMethod,
  isForbiddenRequestHeader,
  isOkStatus,
  isRedirectStatus,
  isSafelistedMethod,
  isToken,
  normaliseMethod,
  preflightCheck,
  readableHeaders,
  unsafeHeaders,
} from './fetch-rules.js';
import { chromiumMessage, chromiumReason } from './messages.js';
import { fixFor, type FixContext } from './fixes.js';
import { checkOrigin, checkTimeout, checkUrl, DoctorUsageError } from './options.js';
import { identifyServer, refusalOf, type ServerRefusal } from './server-side.js';
import type { Check, Diagnosis, Failure, FailureStep, Step } from './types.js';
import { USER_AGENT, VERSION } from './version.js';

export interface DiagnoseOptions {
  /** The URL the script fetches. */
  readonly url: string;
  /** The origin of the page that runs the script, e.g. `https://app.example.com`, or `null`. */
  readonly origin: string;
  /** The method; fetch() upper-cases DELETE, GET, HEAD, OPTIONS, POST and PUT. Default GET. */
  readonly method?: string;
  /** Request headers the script sets, as `{ name: value }` or `[name, value]` pairs. */
  readonly headers?: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  /** `credentials: 'include'`. The doctor sends no cookies; credentials change what the browser requires. */
  readonly credentials?: boolean;
  /** Milliseconds to wait for each response. Default 10,000. */
  readonly timeout?: number;
  /** Accept any TLS certificate. */
  readonly insecure?: boolean;
}

/** Headers whose values fetch() drops when a redirect turns the method into GET. */
const REQUEST_BODY_HEADERS = new Set(['content-encoding', 'content-language', 'content-location', 'content-type']);
const MAX_REDIRECTS = 20;

/**
 * Plays a cross-origin fetch() against a live server as Chromium would, and explains the verdict.
 * Throws `DoctorUsageError` for a URL, origin, method or header that no page could use; a server that cannot be
 * reached is a `blocked` verdict with the `network-error` step, never an exception.
 *
 * @example
 * const d = await diagnose({ url: 'https://api.example.com/items', origin: 'https://app.example.com', method: 'PUT', headers: { 'content-type': 'application/json' } });
 * if (d.verdict === 'blocked') console.log(d.failure?.message, d.failure?.fix);
 */
export async function diagnose(options: DiagnoseOptions): Promise<Diagnosis> {
  const firstUrl = checkUrl(options.url).href;
  const pageOrigin = checkOrigin(options.origin);
  const method0 = normaliseMethod(options.method ?? 'GET');
  if (!isToken(method0)) throw new DoctorUsageError(`--method ${JSON.stringify(options.method)} is not a method name`);
  const credentials = options.credentials === true;
  const given: [string, string][] = Array.isArray(options.headers)
    ? (options.headers as readonly (readonly [string, string])[]).map(([n, v]) => [n, v])
    : Object.entries((options.headers ?? {}) as Record<string, string>);
  for (const [name] of given) if (!isToken(name)) throw new DoctorUsageError(`${JSON.stringify(name)} is not a header name`);
  const transport = new Transport({ timeout: checkTimeout(options.timeout), insecure: options.insecure === true });

  const steps: Step[] = [];
  const dropped = given.filter(([n, v]) => isForbiddenRequestHeader(n, v));
  let headers: [string, string][] = given.filter(([n, v]) => !isForbiddenRequestHeader(n, v));
  const redirects: string[] = [];
  const responses: (ReceivedResponse | null)[] = [];
  let preflightInfo: Diagnosis['preflight'] | null = null;
  let failure: Failure | null = null;
  let refusal: ServerRefusal | null = null;
  let finalResponse: ReceivedResponse | null = null;

  const result = (verdict: Diagnosis['verdict']): Diagnosis => {
    const identity = identifyServer(responses);
    let readable: string[] = [];
    let hidden: string[] = [];
    if (verdict === 'allowed' && finalResponse !== null) {
      const split = readableHeaders(finalResponse.headers.map(([n]) => n), headerValue(finalResponse.headers, 'access-control-expose-headers'), credentials);
      readable = split.readable;
      hidden = split.hidden;
    }
    const finished: Diagnosis = {
      kind: 'diagnosis',
      version: VERSION,
      request: { url: firstUrl, origin: pageOrigin, method: method0, headers: given, credentials },
      verdict,
      preflight: preflightInfo ?? { needed: false, reasons: [], sent: false, requestHeaders: [], passed: null, maxAge: null },
      steps,
      failure: failure === null ? null : { ...failure, fix: failure.fix },
      readableHeaders: readable,
      hiddenHeaders: hidden,
      status: finalResponse?.status ?? null,
      redirects,
      server: { refusal, identity },
      requests: transport.count,
    };
    transport.close();
    return finished;
  };

  /** Records a failure; the fix needs the server's identity, which is known once every response is in. */
  const fail = (ctx: Omit<FixContext, 'identity' | 'refusal'>, chromiumLine: string): Diagnosis => {
    refusal = refusalOf(ctx.response) ?? refusal;
    const identity = identifyServer(responses);
    failure = { step: ctx.step, request: ctx.request, url: ctx.url, message: chromiumLine, fix: fixFor({ ...ctx, identity, refusal }) };
    return result('blocked');
  };
  const corsLine = (step: FailureStep | 'redirect-scheme', value: string, preflight: boolean, url: string) =>
    chromiumMessage(url, firstUrl, pageOrigin, chromiumReason(step, value, preflight) ?? step);

  if (isForbiddenMethod(method0)) {
    steps.push({ kind: 'plan', title: `fetch() with method ${method0}`, ok: false, exchange: null, checks: [], notes: [`fetch() throws "TypeError: '${method0}' HTTP method is unsupported." before sending anything.`] });
    return fail({ step: 'forbidden-method', request: 'none', url: firstUrl, origin: pageOrigin, method: method0, credentials, value: method0, response: null }, `TypeError: Failed to execute 'fetch' on 'Window': '${method0}' HTTP method is unsupported.`);
  }

  let url = firstUrl;
  let method = method0;
  let requestOrigin = pageOrigin;
  // Same-origin requests get no CORS treatment until a redirect leaves the page's origin.
  let corsMode = new URL(firstUrl).origin !== pageOrigin;

  for (let hop = 0; ; hop++) {
    if (!corsMode && new URL(url).origin !== pageOrigin) corsMode = true;
    const unsafe = unsafeHeaders(headers);
    const reasons: string[] = [];
    if (!isSafelistedMethod(method)) reasons.push(`the method ${method} is not GET, HEAD or POST`);
    for (const u of unsafe) reasons.push(`the header ${u.name}: ${u.reason}`);
    const needed = corsMode && reasons.length > 0;
    const planNotes: string[] = [];
    if (hop === 0 && dropped.length > 0) {
      planNotes.push(`A script cannot set ${dropped.map(([n]) => n).join(', ')}: the browser drops ${dropped.length > 1 ? 'them' : 'it'} without a word, so the doctor does too.`);
    }
    if (!corsMode) planNotes.push(`The page and ${url} are the same origin: no CORS check applies.`);
    else if (needed) planNotes.push(`A preflight is needed: ${reasons.join('; ')}.`);
    else planNotes.push('No preflight: the method is GET, HEAD or POST and every header is CORS-safelisted (a "simple" request).');
    if (hop > 0) planNotes.push(`After the redirect the request goes to ${url} with Origin: ${requestOrigin}.`);
    steps.push({ kind: 'plan', title: hop === 0 ? 'Does the browser need a preflight?' : `After the redirect to ${url}: a preflight?`, ok: true, exchange: null, checks: [], notes: planNotes });

    let maxAge: number | null = null;
    if (needed) {
      const requestHeaders = unsafe.map((u) => u.name);
      const sent: HeaderPair[] = [
        ['Origin', requestOrigin],
        ['Access-Control-Request-Method', method],
        ...(requestHeaders.length > 0 ? [['Access-Control-Request-Headers', requestHeaders.join(',')] as HeaderPair] : []),
        ['Accept', '*/*'],
        ['Sec-Fetch-Mode', 'cors'],
        ['Sec-Fetch-Dest', 'empty'],
        ['User-Agent', USER_AGENT],
      ];
      const exchange = await transport.send('OPTIONS', url, sent);
      responses.push(exchange.response);
      const checks: Check[] = [];
      const pre = (passed: boolean) => {
        preflightInfo = { needed: true, reasons, sent: true, requestHeaders, passed, maxAge };
      };
      const record = (ok: boolean, notes: string[] = []) =>
        steps.push({ kind: 'preflight', title: `Preflight: OPTIONS ${url}`, ok, exchange, checks, notes });
      if (exchange.response === null) {
        pre(false);
        record(false);
        return fail(networkContext(url, requestOrigin, method, credentials, exchange), `net::ERR_FAILED (${exchange.error})`);
      }
      const res = exchange.response;
      const location = headerValue(res.headers, 'location');
      if (isRedirectStatus(res.status) && location !== null) {
        checks.push({ name: 'no redirect', ok: false, detail: `${res.status} to ${location}: a preflight may not redirect` });
        pre(false);
        record(false);
        return fail(
          { step: 'preflight-redirect', request: 'preflight', url, origin: requestOrigin, method, credentials, value: location, response: res, location: resolve(location, url) },
          corsLine('preflight-redirect', '', true, url),
        );
      }
      const acao = headerValue(res.headers, 'access-control-allow-origin');
      const acac = headerValue(res.headers, 'access-control-allow-credentials');
      const cors = corsCheck(acao, acac, requestOrigin, credentials);
      checks.push(originCheck(acao, requestOrigin, cors));
      if (credentials && originPassed(cors)) checks.push(credentialsCheck(acac, cors));
      if (!cors.ok) {
        pre(false);
        record(false);
        return fail({ step: cors.reason, request: 'preflight', url, origin: requestOrigin, method, credentials, value: cors.value, response: res, requestHeaders }, corsLine(cors.reason, cors.value, true, url));
      }
      const statusOk = isOkStatus(res.status);
      checks.push({ name: 'ok status', ok: statusOk, detail: statusOk ? `${res.status} is a 2xx` : `${res.status} is not a 2xx status` });
      if (!statusOk) {
        pre(false);
        record(false);
        return fail({ step: 'preflight-status', request: 'preflight', url, origin: requestOrigin, method, credentials, value: String(res.status), response: res, requestHeaders }, corsLine('preflight-status', '', true, url));
      }
      const acam = headerValue(res.headers, 'access-control-allow-methods');
      const acah = headerValue(res.headers, 'access-control-allow-headers');
      const verdict = preflightCheck(acam, acah, method, requestHeaders, credentials);
      checks.push(methodCheck(acam, method, credentials, verdict));
      if (requestHeaders.length > 0) checks.push(headersCheck(acah, requestHeaders, credentials, verdict));
      const rawMaxAge = headerValue(res.headers, 'access-control-max-age');
      maxAge = rawMaxAge !== null && /^\d+$/.test(rawMaxAge) ? Number(rawMaxAge) : null;
      if (!verdict.ok) {
        pre(false);
        record(false);
        return fail(
          {
            step: verdict.reason,
            request: 'preflight',
            url,
            origin: requestOrigin,
            method,
            credentials,
            value: verdict.value,
            response: res,
            wildcardIgnored: verdict.reason === 'header-not-allowed' ? verdict.wildcardIgnored : false,
          },
          corsLine(verdict.reason, verdict.value, false, url),
        );
      }
      pre(true);
      const notes = [
        maxAge === null
          ? 'No Access-Control-Max-Age: the browser caches this preflight for 5 seconds.'
          : `Access-Control-Max-Age: ${maxAge}: Chromium caches it for ${Math.min(maxAge, 7200)} s (at most 7200), Firefox ${Math.min(maxAge, 86400)} s, Safari ${Math.min(maxAge, 600)} s.`,
      ];
      record(true, notes);
    } else if (hop === 0) {
      preflightInfo = { needed: false, reasons, sent: false, requestHeaders: [], passed: null, maxAge: null };
    }

    // The request itself.
    const sent: HeaderPair[] = [];
    if (corsMode || (method !== 'GET' && method !== 'HEAD')) sent.push(['Origin', requestOrigin]);
    sent.push(...headers);
    if (!headers.some(([n]) => n.toLowerCase() === 'accept')) sent.push(['Accept', '*/*']);
    sent.push(['Sec-Fetch-Mode', 'cors'], ['Sec-Fetch-Dest', 'empty'], ['User-Agent', USER_AGENT]);
    const exchange = await transport.send(method, url, sent);
    responses.push(exchange.response);
    const checks: Check[] = [];
    const record = (ok: boolean, notes: string[] = []) => steps.push({ kind: 'request', title: `Request: ${method} ${url}`, ok, exchange, checks, notes });
    if (exchange.response === null) {
      record(false);
      return fail(networkContext(url, requestOrigin, method, credentials, exchange), `net::ERR_FAILED (${exchange.error})`);
    }
    const res = exchange.response;
    if (corsMode) {
      const acao = headerValue(res.headers, 'access-control-allow-origin');
      const acac = headerValue(res.headers, 'access-control-allow-credentials');
      const cors = corsCheck(acao, acac, requestOrigin, credentials);
      checks.push(originCheck(acao, requestOrigin, cors));
      if (credentials && originPassed(cors)) checks.push(credentialsCheck(acac, cors));
      if (!cors.ok) {
        record(false);
        return fail({ step: cors.reason, request: 'actual', url, origin: requestOrigin, method, credentials, value: cors.value, response: res }, corsLine(cors.reason, cors.value, false, url));
      }
    }
    const location = headerValue(res.headers, 'location');
    if (!isRedirectStatus(res.status) || location === null) {
      finalResponse = res;
      refusal = refusalOf(res) ?? refusal;
      const notes: string[] = [];
      if (!isOkStatus(res.status)) notes.push(`The script sees status ${res.status}: CORS let it read the error, which is the application's answer.`);
      record(true, notes);
      return result('allowed');
    }

    // A redirect: the browser follows it, as fetch()'s default redirect mode says.
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      checks.push({ name: 'redirect', ok: false, detail: `Location ${JSON.stringify(location)} is not a URL` });
      record(false);
      return fail({ ...networkContext(url, requestOrigin, method, credentials, exchange), networkError: `invalid Location ${JSON.stringify(location)}` }, 'net::ERR_INVALID_REDIRECT');
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      checks.push({ name: 'redirect', ok: false, detail: `${res.status} to ${next.href}: not an http(s) URL` });
      record(false);
      return fail({ step: 'redirect-not-allowed', request: 'actual', url, origin: requestOrigin, method, credentials, value: next.href, response: res }, corsLine('redirect-scheme', next.href, false, url));
    }
    if (corsMode && (next.username !== '' || next.password !== '') && next.origin !== pageOrigin) {
      checks.push({ name: 'redirect', ok: false, detail: `${res.status} to ${next.href}: a URL with a user name or password` });
      record(false);
      return fail({ step: 'redirect-not-allowed', request: 'actual', url, origin: requestOrigin, method, credentials, value: next.href, response: res }, corsLine('redirect-not-allowed', next.href, false, url));
    }
    if (redirects.length >= MAX_REDIRECTS) {
      checks.push({ name: 'redirect', ok: false, detail: `more than ${MAX_REDIRECTS} redirects` });
      record(false);
      return fail({ step: 'too-many-redirects', request: 'actual', url, origin: requestOrigin, method, credentials, value: next.href, response: res }, 'net::ERR_TOO_MANY_REDIRECTS');
    }
    const notes: string[] = [];
    const current = new URL(url);
    if (current.origin !== next.origin && requestOrigin !== current.origin && corsMode) {
      if (requestOrigin !== 'null') notes.push(`A cross-origin redirect: the browser now sends Origin: null, and the next server must allow that.`);
      requestOrigin = 'null';
    }
    if (current.origin !== next.origin && headers.some(([n]) => n.toLowerCase() === 'authorization')) {
      headers = headers.filter(([n]) => n.toLowerCase() !== 'authorization');
      notes.push('The browser drops Authorization on a cross-origin redirect.');
    }
    if (((res.status === 301 || res.status === 302) && method === 'POST') || (res.status === 303 && method !== 'GET' && method !== 'HEAD')) {
      notes.push(`A ${res.status} turns ${method} into GET, without the body and its headers.`);
      method = 'GET';
      headers = headers.filter(([n]) => !REQUEST_BODY_HEADERS.has(n.toLowerCase()));
    }
    checks.push({ name: 'redirect', ok: true, detail: `${res.status} to ${next.href}: followed` });
    record(true, notes);
    url = next.href;
    redirects.push(url);
  }
}

function resolve(location: string, base: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

function networkContext(url: string, origin: string, method: string, credentials: boolean, exchange: Exchange): Omit<FixContext, 'identity' | 'refusal'> {
  return { step: 'network-error', request: 'none', url, origin, method, credentials, value: '', response: null, networkError: exchange.error ?? 'no answer' };
}

function originCheck(acao: string | null, origin: string, cors: ReturnType<typeof corsCheck>): Check {
  const shown = acao === null ? 'absent' : `'${acao}'`;
  if (cors.ok || cors.reason === 'allow-credentials-missing' || cors.reason === 'allow-credentials-invalid') {
    return { name: 'Access-Control-Allow-Origin', ok: true, detail: `${shown} ${acao === '*' ? 'allows any origin' : `matches ${origin}`}` };
  }
  const why: Record<string, string> = {
    'allow-origin-missing': '(required)',
    'allow-origin-multiple': 'holds more than one value',
    'allow-origin-invalid': 'is not an origin',
    'allow-origin-mismatch': `is not ${origin}`,
    'wildcard-with-credentials': 'does not count with credentials',
  };
  return { name: 'Access-Control-Allow-Origin', ok: false, detail: `${shown} ${why[cors.reason] ?? cors.reason}` };
}

/** The origin part of the CORS check passed (what is left is Access-Control-Allow-Credentials). */
function originPassed(cors: ReturnType<typeof corsCheck>): boolean {
  return cors.ok || cors.reason === 'allow-credentials-missing' || cors.reason === 'allow-credentials-invalid';
}

function credentialsCheck(acac: string | null, cors: ReturnType<typeof corsCheck>): Check {
  const failed = !cors.ok;
  return {
    name: 'Access-Control-Allow-Credentials',
    ok: !failed,
    detail: acac === null ? 'absent; credentials need it to be true' : failed ? `'${acac}' is not exactly 'true'` : `'true'`,
  };
}

function methodCheck(acam: string | null, method: string, credentials: boolean, verdict: ReturnType<typeof preflightCheck>): Check {
  const shown = acam === null ? 'absent' : `'${acam}'`;
  if (!verdict.ok && verdict.reason === 'allow-methods-invalid') return { name: 'Access-Control-Allow-Methods', ok: false, detail: `${shown} does not parse as a list of methods` };
  if (!verdict.ok && verdict.reason === 'method-not-allowed') {
    return { name: 'Access-Control-Allow-Methods', ok: false, detail: `${shown} does not list ${method}${credentials && /\*/.test(acam ?? '') ? " ('*' does not count with credentials)" : ''}` };
  }
  if (isSafelistedMethod(method)) return { name: 'Access-Control-Allow-Methods', ok: true, detail: `${method} is always allowed` };
  return { name: 'Access-Control-Allow-Methods', ok: true, detail: `${shown} allows ${method}` };
}

function headersCheck(acah: string | null, names: readonly string[], credentials: boolean, verdict: ReturnType<typeof preflightCheck>): Check {
  const shown = acah === null ? 'absent' : `'${acah}'`;
  if (!verdict.ok && verdict.reason === 'allow-headers-invalid') return { name: 'Access-Control-Allow-Headers', ok: false, detail: `${shown} does not parse as a list of header names` };
  if (!verdict.ok && verdict.reason === 'header-not-allowed') {
    const why = verdict.wildcardIgnored ? (verdict.value === 'authorization' ? " ('*' never covers authorization)" : " ('*' does not count with credentials)") : '';
    return { name: 'Access-Control-Allow-Headers', ok: false, detail: `${shown} does not list ${verdict.value}${why}` };
  }
  if (!verdict.ok) return { name: 'Access-Control-Allow-Headers', ok: true, detail: 'not checked (the method check failed first)' };
  void credentials;
  return { name: 'Access-Control-Allow-Headers', ok: true, detail: `${shown} allows ${names.join(', ')}` };
}
