// `audit()`: what an attacker's scanner would find. Probe origins derived from the trusted origins (and the URL's
// own host), each sent as a simple request and as a preflight, then the server's hygiene: Vary against
// Cache-Control, reflected request headers, CORS on a 404 and an error path, preflight and actual agreeing.
import { headerValue, Transport, type Exchange, type HeaderPair } from './http.js';
import { checkOrigin, checkTimeout, checkUrl, DoctorUsageError } from './options.js';
import { identifyServer } from './server-side.js';
import type { AuditReport, Evidence, Finding, FindingId, ProbeAnswer, ProbeResult, Severity } from './types.js';
import { SEVERITIES } from './types.js';
import { USER_AGENT, VERSION } from './version.js';

export interface AuditOptions {
  /** The URL to audit, e.g. an API endpoint that answers GET. */
  readonly url: string;
  /** Origins the server is meant to trust (`--origin`); the probes are derived from them. */
  readonly trustedOrigins?: readonly string[];
  /** Milliseconds to wait for each response. Default 10,000. */
  readonly timeout?: number;
  /** Accept any TLS certificate. */
  readonly insecure?: boolean;
  /** Milliseconds to wait between requests, to go easy on a production server. Default 0. */
  readonly delay?: number;
  /** Called with every exchange as it completes (the CLI's `--verbose`). */
  readonly onExchange?: (exchange: Exchange) => void;
}

/** Characters scanners put after a trusted host: some browsers accept them in host names, lax patterns too. */
export const SPECIAL_CHARS: readonly string[] = ['_', '-', '`', '%60', '!', '~', '$', '&', "'", '(', ')', '*', '+', ',', ';', '='];

/**
 * Hosting where anyone can publish a page under a shared parent domain, from the private section of the Public
 * Suffix List: an origin there is anyone's.
 */
export const PUBLIC_HOSTING: readonly string[] = [
  'github.io',
  'vercel.app',
  'netlify.app',
  'pages.dev',
  'herokuapp.com',
  'web.app',
  'firebaseapp.com',
  'onrender.com',
  'workers.dev',
  'azurewebsites.net',
  'glitch.me',
];

/** Two-label public suffixes common enough to guess a registrable domain right without the whole list. */
const TWO_LABEL_SUFFIXES = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'me.uk', 'co.jp', 'ne.jp', 'or.jp', 'com.au', 'net.au', 'org.au', 'co.nz', 'com.br',
  'com.cn', 'com.mx', 'co.in', 'co.za', 'com.tr', 'com.sg', 'com.hk', 'co.kr', 'com.ar', 'co.il', 'com.tw', 'co.id',
]);

const FOREIGN = 'https://evil.example';
const PROBE_LABEL = 'cors-doctor-probe';
const PROBE_HEADER = 'x-cors-doctor-probe';

interface Probe {
  readonly origin: string;
  readonly kind: 'trusted' | 'foreign' | 'prefix' | 'suffix' | 'unescaped-dot' | 'special-chars' | 'subdomain' | 'insecure' | 'null' | 'third-party';
  readonly from: string | null;
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
}

/** A guess at the registrable domain (eTLD+1): `app.example.co.uk` -> `example.co.uk`. */
export function registrableDomain(host: string): string {
  if (isIp(host)) return host;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'localhost';
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const lastTwo = labels.slice(-2).join('.');
  return TWO_LABEL_SUFFIXES.has(lastTwo) && labels.length >= 3 ? labels.slice(-3).join('.') : lastTwo;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/** The probe origins for one base origin (a trusted origin, or the URL's own). */
export function deriveProbes(base: string, apiIsHttps: boolean, full: boolean): Probe[] {
  const url = new URL(base);
  const scheme = url.protocol.slice(0, -1);
  const host = url.hostname;
  const port = url.port ? `:${url.port}` : '';
  const reg = registrableDomain(host);
  const out: Probe[] = [];
  const add = (origin: string, kind: Probe['kind']) => out.push({ origin, kind, from: base });
  if (isIp(host)) return out;
  add(`${scheme}://${host}.evil.example${port}`, 'prefix');
  add(`${scheme}://evil${reg}${port}`, 'suffix');
  if (host !== reg) add(`${scheme}://evil${host}${port}`, 'suffix');
  if (!full) return out;
  // Every dot but the last (replacing that one would need a new top-level domain).
  const lastDot = host.lastIndexOf('.');
  for (let i = host.indexOf('.'); i >= 0 && i < lastDot; i = host.indexOf('.', i + 1)) {
    add(`${scheme}://${host.slice(0, i)}x${host.slice(i + 1)}${port}`, 'unescaped-dot');
  }
  for (const c of SPECIAL_CHARS) add(`${scheme}://${host}${c}.evil.example${port}`, 'special-chars');
  add(`${scheme}://${PROBE_LABEL}.${reg}${port}`, 'subdomain');
  if (scheme === 'https' && apiIsHttps) add(`http://${host}${port}`, 'insecure');
  return out;
}

/** Both origins' hosts share a registrable domain. */
function sameSite(a: string, b: string | null): boolean {
  if (b === null) return false;
  return registrableDomain(new URL(a).hostname) === registrableDomain(new URL(b).hostname);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `Vary` lists `Origin` (or is `*`). */
function varyCoversOrigin(vary: string | null): boolean {
  if (vary === null) return false;
  return vary.split(',').some((t) => {
    const token = t.trim().toLowerCase();
    return token === 'origin' || token === '*';
  });
}

/** Whether a shared cache (CDN, proxy) may store the response, from its Cache-Control. */
export function sharedCacheMayStore(cacheControl: string | null): boolean {
  if (cacheControl === null) return false;
  const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
  const has = (name: string) => directives.some((d) => d === name || d.startsWith(`${name}=`));
  if (has('no-store') || has('private')) return false;
  if (has('public') || has('s-maxage')) return true;
  const maxAge = directives.find((d) => d.startsWith('max-age='));
  return maxAge !== undefined && Number(maxAge.slice(8)) > 0;
}

function evidenceOf(exchange: Exchange): Evidence {
  return {
    request: { method: exchange.request.method, url: exchange.request.url, headers: exchange.request.headers },
    response: exchange.response === null ? null : { status: exchange.response.status, headers: exchange.response.headers },
  };
}

const corsHeaderNames = (headers: readonly HeaderPair[]) => headers.filter(([n]) => n.toLowerCase().startsWith('access-control-')).map(([n]) => n.toLowerCase());

const NO_CREDENTIALS_NOTE =
  'The server does not send Access-Control-Allow-Credentials: true, so a browser sends no cookies with these requests: the data is then no more exposed than with `*`, hence at most low.';

/**
 * Audits a live server's CORS as an attacker's scanner would, and checks its hygiene. Sends tens of requests
 * (about 80 with one trusted origin), one at a time, `delay` ms apart. Throws `DoctorUsageError` for a bad URL or
 * origin; an unreachable server gives `exitCode: 2`, never an exception.
 *
 * @example
 * const report = await audit({ url: 'https://api.example.com/me', trustedOrigins: ['https://app.example.com'] });
 * process.exitCode = report.exitCode;
 */
export async function audit(options: AuditOptions): Promise<AuditReport> {
  const target = checkUrl(options.url);
  const url = target.href;
  const trusted = [...new Set((options.trustedOrigins ?? []).map((o) => checkOrigin(o)))];
  if (trusted.includes('null')) throw new DoctorUsageError("--origin null: 'null' is never a trusted origin (any page can send it); leave it out, the audit probes it anyway");
  const delay = options.delay ?? 0;
  if (!Number.isFinite(delay) || delay < 0) throw new DoctorUsageError(`--delay must be zero or more milliseconds, got ${delay}`);
  const transport = new Transport({ timeout: checkTimeout(options.timeout), insecure: options.insecure === true });
  const apiIsHttps = target.protocol === 'https:';
  const errors: { url: string; origin: string; error: string }[] = [];
  const exchanges: Exchange[] = [];
  let first = true;

  const send = async (method: string, to: string, origin: string | null, extra: HeaderPair[] = []): Promise<Exchange> => {
    if (!first && delay > 0) await sleep(delay);
    first = false;
    const headers: HeaderPair[] = [];
    if (origin !== null) headers.push(['Origin', origin]);
    headers.push(...extra, ['Accept', '*/*'], ['Sec-Fetch-Mode', 'cors'], ['User-Agent', USER_AGENT]);
    const exchange = await transport.send(method, to, headers);
    exchanges.push(exchange);
    options.onExchange?.(exchange);
    if (exchange.response === null) errors.push({ url: to, origin: origin ?? '(none)', error: exchange.error ?? 'no answer' });
    return exchange;
  };
  const answer = (exchange: Exchange, origin: string): ProbeAnswer => {
    const r = exchange.response;
    if (r === null) return { status: null, allowOrigin: null, allowCredentials: false, allowed: false, error: exchange.error };
    const acao = headerValue(r.headers, 'access-control-allow-origin');
    const ok = r.status >= 200 && r.status <= 299;
    const preflight = exchange.request.method === 'OPTIONS';
    return {
      status: r.status,
      allowOrigin: acao,
      allowCredentials: headerValue(r.headers, 'access-control-allow-credentials') === 'true',
      allowed: acao === origin && (!preflight || ok),
      error: null,
    };
  };

  // 0. Is anyone there? Also the "no Origin" answer for the Vary check.
  const baseline = await send('GET', url, null);
  if (baseline.response === null) {
    transport.close();
    return finish(url, trusted, [], [], errors, transport.count, 2, identifyServer([]));
  }

  // 1. The probes.
  const probes: Probe[] = [];
  const seen = new Set<string>();
  const push = (p: Probe) => {
    if (!seen.has(p.origin)) {
      seen.add(p.origin);
      probes.push(p);
    }
  };
  for (const t of trusted) push({ origin: t, kind: 'trusted', from: null });
  push({ origin: FOREIGN, kind: 'foreign', from: null });
  const bases = trusted.length > 0 ? trusted : [target.origin];
  for (const b of bases) for (const p of deriveProbes(b, apiIsHttps, true)) push(p);
  // The URL's own host, when it is not a base already: the cheap derivations only.
  if (!bases.includes(target.origin)) for (const p of deriveProbes(target.origin, apiIsHttps, false)) push(p);
  push({ origin: 'null', kind: 'null', from: null });
  for (const h of PUBLIC_HOSTING) push({ origin: `https://${PROBE_LABEL}.${h}`, kind: 'third-party', from: null });

  interface Sent {
    probe: Probe;
    simple: Exchange;
    preflight: Exchange;
  }
  const sent: Sent[] = [];
  for (const probe of probes) {
    const simple = await send('GET', url, probe.origin);
    const preflight = await send('OPTIONS', url, probe.origin, [['Access-Control-Request-Method', 'GET']]);
    sent.push({ probe, simple, preflight });
  }
  const results: ProbeResult[] = sent.map(({ probe, simple, preflight }) => ({
    origin: probe.origin,
    kind: probe.kind,
    from: probe.from,
    simple: answer(simple, probe.origin),
    preflight: answer(preflight, probe.origin),
  }));
  const byOrigin = (origin: string) => sent.find((s) => s.probe.origin === origin);
  const allowedOf = (s: Sent) => {
    const a = answer(s.simple, s.probe.origin);
    const b = answer(s.preflight, s.probe.origin);
    return { allowed: a.allowed || b.allowed, credentials: (a.allowed && a.allowCredentials) || (b.allowed && b.allowCredentials), proof: a.allowed ? s.simple : s.preflight };
  };

  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  const soft = (credentials: boolean): Severity => (credentials ? 'high' : 'low');

  // 2. Origins that should not be allowed.
  const foreign = byOrigin(FOREIGN)!;
  const foreignAllowed = allowedOf(foreign);
  if (foreignAllowed.allowed) {
    const attack = sent.filter((s) => s.probe.kind !== 'trusted' && allowedOf(s).allowed);
    add({
      id: 'origin-reflected',
      severity: foreignAllowed.credentials ? 'critical' : 'low',
      title: 'Any origin is allowed: the server echoes the request\'s Origin',
      origin: FOREIGN,
      detail:
        `${FOREIGN}, a site that has nothing to do with this API, got Access-Control-Allow-Origin: ${FOREIGN}` +
        (foreignAllowed.credentials
          ? ' with Access-Control-Allow-Credentials: true. Any page a logged-in user visits can read their data from this API.'
          : '. Without credentials it is no worse than `*`: any page can read what anyone could fetch anyway.') +
        ` ${attack.length} of ${sent.filter((s) => s.probe.kind !== 'trusted').length} probe origins were allowed (the more specific findings are left out).`,
      evidence: [evidenceOf(foreignAllowed.proof)],
      fix: 'Check the Origin against an allowlist of exact origins (or `https://*.example.com` patterns over subdomains you control), and send Access-Control-Allow-Origin only for a match. In `cors` and `@fastify/cors` replace `origin: true`; in `@koa/cors` pass `origin` (its default reflects every origin once `credentials` is set).',
    });
  } else {
    const kinds: { kind: Probe['kind']; id: FindingId; title: string; why: string; fix: string; severity?: Severity }[] = [
      {
        kind: 'prefix',
        id: 'prefix-match',
        title: 'A trusted origin followed by another domain is allowed',
        why: 'the origin check matches the start of the Origin only (a RegExp without `$`, or `startsWith`); anyone can register such a host',
        fix: 'Compare the whole origin: anchor RegExps with `^...$` and escape the dots, or better, list exact origins.',
      },
      {
        kind: 'suffix',
        id: 'suffix-match',
        title: 'A foreign domain that ends with a trusted one is allowed',
        why: 'the origin check matches the end of the Origin (`endsWith`, or a RegExp without `^` or without a dot before the domain); anyone can register such a domain',
        fix: 'Match `https://*.example.com` as a dot-separated subdomain (a pattern, or `^https://([a-z0-9-]+\\.)*example\\.com$`), never a bare suffix.',
      },
      {
        kind: 'unescaped-dot',
        id: 'unescaped-dot',
        title: 'A trusted origin with a dot replaced by a letter is allowed',
        why: 'a RegExp has an unescaped `.`, which matches any character; `appxexample.com` is a domain anyone can register',
        fix: 'Escape every dot in origin RegExps (`\\.`), or list exact origins instead.',
      },
      {
        kind: 'special-chars',
        id: 'special-chars',
        title: 'A trusted host followed by a special character is allowed',
        why: 'the check stops at the host (no `$`, or `[^.]*` after it); some browsers accept such characters in host names',
        fix: 'Compare the whole origin exactly (anchored RegExps, or an exact allowlist).',
      },
      {
        kind: 'null',
        id: 'null-origin',
        title: 'The origin `null` is allowed',
        why: 'any page can send Origin: null, from a sandboxed iframe, a data: URL or a redirect, so allowing it comes close to allowing everyone',
        fix: "Remove 'null' from the allowed origins; serve sandboxed or file: pages from a real origin instead.",
      },
      {
        kind: 'third-party',
        id: 'third-party-origin',
        title: 'An origin on public hosting is allowed',
        why: 'anyone can publish a page under these shared domains (GitHub Pages, Vercel, Netlify, Cloudflare Pages, Heroku...): trusting the parent domain trusts every user of that host',
        fix: 'List your own deployments by their exact origin, never a pattern over the hosting provider\'s domain.',
      },
      {
        kind: 'subdomain',
        id: 'subdomain-trusted',
        title: 'An arbitrary subdomain of the trusted site is allowed',
        why: 'every subdomain is trusted, so any XSS or subdomain takeover on any of them (a forgotten staging host, a user-content host) can read this API',
        fix: 'List the subdomains that need access; keep a `*.` pattern only over subdomains you fully control.',
        severity: 'low',
      },
      {
        kind: 'insecure',
        id: 'insecure-origin',
        title: 'The http: form of an https origin is allowed',
        why: 'a network attacker (public Wi-Fi) can inject a script into any plain-http page of that host and read this https API through it',
        fix: 'Allow only https: origins for an https: API (http://localhost for development is fine).',
        severity: 'medium',
      },
    ];
    const subdomainsTrusted = sent.some((s) => s.probe.kind === 'subdomain' && allowedOf(s).allowed);
    for (const k of kinds) {
      let hits = sent.filter((s) => s.probe.kind === k.kind && allowedOf(s).allowed);
      // `evilapp.example.com` lies inside the trusted site: with every subdomain trusted it says nothing more.
      if (k.kind === 'suffix' && subdomainsTrusted) hits = hits.filter((s) => !sameSite(s.probe.origin, s.probe.from));
      if (hits.length === 0) continue;
      const credentials = hits.some((s) => allowedOf(s).credentials);
      // A suffix hit inside the trusted registrable domain is as risky as a trusted subdomain, no more.
      const insideOnly = k.kind === 'suffix' && hits.every((s) => sameSite(s.probe.origin, s.probe.from));
      const severity = k.severity ?? (insideOnly ? 'low' : soft(credentials));
      add({
        id: k.id,
        severity,
        title: k.title,
        origin: hits[0]!.probe.origin,
        detail:
          `Allowed: ${hits.slice(0, 6).map((s) => s.probe.origin).join(', ')}${hits.length > 6 ? ` and ${hits.length - 6} more` : ''}${credentials ? ', with credentials' : ''}. It matters because ${k.why}.` +
          (!credentials && k.severity === undefined && !insideOnly ? ` ${NO_CREDENTIALS_NOTE}` : '') +
          (insideOnly ? ' These hosts lie inside the trusted site, so only its own subdomains can abuse it.' : ''),
        evidence: hits.slice(0, 5).map((s) => evidenceOf(allowedOf(s).proof)),
        fix: k.fix,
      });
    }
  }
  // A trusted http: origin (not loopback) with an https: API.
  if (apiIsHttps) {
    for (const t of trusted) {
      const s = byOrigin(t)!;
      const host = new URL(t).hostname;
      if (t.startsWith('http:') && !isLoopbackHost(host) && allowedOf(s).allowed && !findings.some((f) => f.id === 'insecure-origin')) {
        add({
          id: 'insecure-origin',
          severity: 'medium',
          title: 'A plain-http origin is trusted by an https API',
          origin: t,
          detail: `${t} is allowed. A network attacker can inject a script into that page and read this https API through it.`,
          evidence: [evidenceOf(allowedOf(s).proof)],
          fix: `Serve ${host} over https and trust https://${host} instead.`,
        });
      }
    }
  }

  // 3. Wildcards and lists.
  const all = exchanges.filter((e) => e.response !== null);
  const star = all.find((e) => headerValue(e.response!.headers, 'access-control-allow-origin') === '*');
  if (star) {
    const withCredentials = all.find((e) => headerValue(e.response!.headers, 'access-control-allow-origin') === '*' && headerValue(e.response!.headers, 'access-control-allow-credentials') === 'true');
    if (withCredentials) {
      add({
        id: 'wildcard-with-credentials',
        severity: 'medium',
        title: 'Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true',
        origin: withCredentials.request.headers.find(([n]) => n === 'Origin')?.[1] ?? '',
        detail: 'Browsers refuse this combination for credentialed requests, so it is broken rather than exploitable: credentialed calls fail, and the configuration shows that credentials were meant to be allowed for everyone.',
        evidence: [evidenceOf(withCredentials)],
        fix: 'For public data: `*` without credentials. For logged-in users: echo an allowlisted origin with credentials and `Vary: Origin`.',
      });
    } else {
      add({
        id: 'wildcard-origin',
        severity: 'info',
        title: 'Access-Control-Allow-Origin: *',
        origin: star.request.headers.find(([n]) => n === 'Origin')?.[1] ?? '',
        detail: 'Any page can read these responses, without cookies. Fine for public data; wrong for anything that depends on who asks (an IP allowlist, an intranet).',
        evidence: [evidenceOf(star)],
        fix: 'Keep `*` for public data only; for anything else list the origins that need it.',
      });
    }
  }
  const multiple = all.find((e) => {
    const values = e.response!.headers.filter(([n]) => n.toLowerCase() === 'access-control-allow-origin');
    const origin = e.request.headers.find(([n]) => n === 'Origin')?.[1];
    // An echoed probe origin with a comma in it is reflection, not a list.
    return values.length > 1 || values.some(([, v]) => v !== origin && /[ ,]/.test(v.trim()));
  });
  if (multiple) {
    add({
      id: 'allow-origin-multiple',
      severity: 'medium',
      title: 'Access-Control-Allow-Origin holds more than one origin',
      origin: multiple.request.headers.find(([n]) => n === 'Origin')?.[1] ?? '',
      detail: 'Browsers accept exactly one origin (or `*`): this answer fails for every page. Often the whole allowlist is sent, or two layers (a proxy and the application) each add the header.',
      evidence: [evidenceOf(multiple)],
      fix: 'Echo the one allowed origin that matches the request, once.',
    });
  }

  // 4. Vary against Cache-Control: no Origin, a trusted origin, a foreign origin.
  const trustedSent = trusted.length > 0 ? byOrigin(trusted[0]!) : undefined;
  const trio = [baseline, trustedSent?.simple, foreign.simple].filter((e): e is Exchange => e !== undefined && e.response !== null);
  const corsPart = (e: Exchange) =>
    `${headerValue(e.response!.headers, 'access-control-allow-origin') ?? ''}|${headerValue(e.response!.headers, 'access-control-allow-credentials') ?? ''}`;
  const dependsOnOrigin =
    new Set(trio.map(corsPart)).size > 1 ||
    trio.some((e) => {
      const acao = headerValue(e.response!.headers, 'access-control-allow-origin');
      return acao !== null && acao !== '*' && acao !== '';
    });
  const unvaried = trio.filter((e) => !varyCoversOrigin(headerValue(e.response!.headers, 'vary')));
  if (dependsOnOrigin && unvaried.length > 0) {
    const shared = trio.some((e) => sharedCacheMayStore(headerValue(e.response!.headers, 'cache-control')));
    add({
      id: 'missing-vary',
      severity: shared ? 'high' : 'medium',
      title: 'The CORS answer depends on the Origin, but Vary does not list Origin',
      origin: '',
      detail:
        `The three answers (no Origin${trustedSent ? ', a trusted origin' : ''}, a foreign origin) differ, and ${unvaried.length} of them lack \`Vary: Origin\`. ` +
        (shared
          ? 'Cache-Control lets shared caches (CDNs, proxies) store them, so one origin\'s answer is served to another: a trusted page gets a refusal, or a foreign page gets the trusted origin\'s permission.'
          : 'Browsers and any cache that stores it anyway (heuristic freshness) can serve one origin\'s answer to another.'),
      evidence: trio.map(evidenceOf),
      fix: 'Send `Vary: Origin` on every response whose CORS headers depend on the Origin: allowed, refused and without Origin; merge it with the application\'s own Vary instead of replacing it.',
    });
  }

  // 5. Request headers reflected by the preflight.
  const reflectFrom = trusted.find((t) => allowedOf(byOrigin(t)!).allowed) ?? (foreignAllowed.allowed ? FOREIGN : trusted[0] ?? FOREIGN);
  const reflection = await send('OPTIONS', url, reflectFrom, [
    ['Access-Control-Request-Method', 'GET'],
    ['Access-Control-Request-Headers', PROBE_HEADER],
  ]);
  const acah = reflection.response === null ? null : headerValue(reflection.response.headers, 'access-control-allow-headers');
  if (acah !== null && acah.split(',').some((h) => h.trim().toLowerCase() === PROBE_HEADER)) {
    add({
      id: 'request-headers-reflected',
      severity: 'low',
      title: 'The preflight allows whatever headers it is asked for',
      origin: reflectFrom,
      detail: `Asked for ${PROBE_HEADER}, a header no application uses, the preflight answered Access-Control-Allow-Headers: ${acah}. Every header is allowed, so a header meant to prove the request came from your own front end (a CSRF header) proves nothing cross-origin.`,
      evidence: [evidenceOf(reflection)],
      fix: 'List the request headers the API accepts (`allowedHeaders` in `cors`, `@fastify/cors` and @cors; `allowHeaders` in `@koa/cors`) instead of echoing Access-Control-Request-Headers.',
    });
  }

  // 6. Refused origins that still get CORS headers.
  const leak = sent
    .filter((s) => s.probe.kind !== 'trusted')
    .flatMap((s) => [s.simple, s.preflight])
    .find((e) => {
      if (e.response === null) return false;
      const origin = e.request.headers.find(([n]) => n === 'Origin')?.[1];
      const acao = headerValue(e.response.headers, 'access-control-allow-origin');
      if (acao === origin || acao === '*') return false;
      return corsHeaderNames(e.response.headers).length > 0;
    });
  if (leak) {
    const names = [...new Set(corsHeaderNames(leak.response!.headers))];
    add({
      id: 'headers-to-refused-origin',
      severity: 'info',
      title: 'Refused origins still get Access-Control-* headers',
      origin: leak.request.headers.find(([n]) => n === 'Origin')?.[1] ?? '',
      detail: `A refused origin got ${names.join(', ')}. Harmless to browsers, but it tells a scanner what the policy would allow and makes logs of refusals harder to read.`,
      evidence: [evidenceOf(leak)],
      fix: 'Send no Access-Control-* header at all to a refused origin (and answer its preflight with 403).',
    });
  }

  // 7. Preflight and actual response agreeing, for the trusted origins.
  for (const t of trusted) {
    const s = byOrigin(t)!;
    const a = answer(s.simple, t);
    const p = answer(s.preflight, t);
    if (s.simple.response === null || s.preflight.response === null) continue;
    if (a.allowed !== p.allowed || (a.allowed && p.allowed && a.allowCredentials !== p.allowCredentials)) {
      add({
        id: 'preflight-actual-mismatch',
        severity: 'low',
        title: 'The preflight and the actual response disagree',
        origin: t,
        detail: `For ${t} the preflight says ${p.allowed ? `allowed${p.allowCredentials ? ' with credentials' : ''}` : `refused (${s.preflight.response.status}, Access-Control-Allow-Origin ${p.allowOrigin ?? 'absent'})`} but the request itself ${a.allowed ? `is allowed${a.allowCredentials ? ' with credentials' : ''}` : 'is refused'}: requests that need a preflight ${p.allowed ? 'pass it and then fail' : 'fail while simple ones pass'}.`,
        evidence: [evidenceOf(s.preflight), evidenceOf(s.simple)],
        fix: 'Answer preflights and requests from one policy: the same origins, credentials on both.',
      });
    }
  }

  // 8. A 404 and an error path, from an origin the route allows.
  const routeAllowed = sent.find((s) => s.probe.kind === 'trusted' && answer(s.simple, s.probe.origin).allowed) ?? (foreignAllowed.allowed ? foreign : undefined);
  if (routeAllowed) {
    const origin = routeAllowed.probe.origin;
    const routeHeaders = new Set(corsHeaderNames(routeAllowed.simple.response!.headers));
    const base = target.pathname.endsWith('/') ? target.pathname : `${target.pathname}/`;
    const paths = [`${base}${PROBE_LABEL}-not-found`, `${base}${PROBE_LABEL}-%zz`];
    const missing: Exchange[] = [];
    for (const path of paths) {
      const e = await send('GET', new URL(path, target).href, origin);
      if (e.response === null) continue;
      const got = new Set(corsHeaderNames(e.response.headers));
      if (headerValue(e.response.headers, 'access-control-allow-origin') !== origin || [...routeHeaders].some((h) => !got.has(h))) missing.push(e);
    }
    if (missing.length > 0) {
      add({
        id: 'error-without-cors',
        severity: 'info',
        title: 'An error response lacks the CORS headers the route sends',
        origin,
        detail: `${missing.map((e) => `${e.response!.status} for ${new URL(e.request.url).pathname}`).join(' and ')} came without ${[...routeHeaders].join(', ')}. The page then sees a CORS error instead of the real one, which hides what went wrong.`,
        evidence: missing.map(evidenceOf),
        fix: 'Run CORS before routing and error handling, and keep its headers on 404s and errors.',
      });
    }
  }

  const identity = identifyServer(exchanges.map((e) => e.response));
  transport.close();
  const exitCode = findings.some((f) => f.severity === 'critical' || f.severity === 'high' || f.severity === 'medium') ? 1 : 0;
  return finish(url, trusted, findings, results, errors, transport.count, exitCode, identity);
}

function finish(
  url: string,
  trusted: readonly string[],
  findings: Finding[],
  probes: ProbeResult[],
  errors: AuditReport['errors'],
  requests: number,
  exitCode: 0 | 1 | 2,
  identity: AuditReport['server']['identity'],
): AuditReport {
  const order = (s: Severity) => SEVERITIES.indexOf(s);
  findings.sort((a, b) => order(a.severity) - order(b.severity));
  const summary = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  return { kind: 'audit', version: VERSION, url, trustedOrigins: trusted, findings, summary, exitCode, probes, errors, requests, server: { identity } };
}
