import type { OriginEntry, OriginValidator } from './options.js';
import { isWellFormedOrigin, parseOrigin } from './parse-origin.js';
import { formatPattern, isLoopbackHost, isPatternError, parseOriginPattern, probeRegExp, type OriginPattern } from './origin-pattern.js';
import type { ProblemList } from './errors.js';
import { isPublicSuffix } from './public-suffix.js';
import { RefusalMemo, malformedOrigin, originNotAllowed, validatorError, type RefusalReason } from './refusal.js';
import { compileValidatorCache, type CompiledValidatorCache } from './origin-cache.js';

/** `true` when the origin is allowed, otherwise why not. */
export type OriginVerdict = true | RefusalReason;

export interface OriginSettings {
  readonly credentials: boolean;
  readonly dangerouslyAllowInsecureOrigins: boolean;
  readonly dangerouslyAllowWildcardOverPublicSuffix: boolean;
  /** The `validatorCache` option as given: `true`, `{ maxEntries, ttl, refusedTtl, key }` or a cache from createOriginCache. */
  readonly validatorCache: unknown;
}

/**
 * Compiles the `origin` option into look-up structures: a Set of exact origins, a Set of `scheme://host` for
 * any-port entries, and a Map from `scheme://suffix` to the ports allowed for its subdomains. A request origin
 * is then decided with one Set look-up, or one Map look-up per label of its host, however many are configured.
 */
export class OriginMatcher {
  /** `'*'` was configured: every well-formed origin (and `null`) is allowed, and `Access-Control-Allow-Origin: *` is sent. */
  readonly any: boolean;
  private readonly allowNull: boolean;
  private readonly exact = new Set<string>();
  private readonly anyPort = new Set<string>();
  private readonly subdomains = new Map<string, Set<string>>();
  private readonly regexps: RegExp[] = [];
  private readonly validators: OriginValidator<any>[] = [];
  private readonly cache: CompiledValidatorCache | undefined;
  private readonly runAll = (origin: string, request: unknown): boolean | Promise<boolean> => this.runValidators(origin, request, 0);
  private readonly needsParse: boolean;
  private readonly actualRefusals = new RefusalMemo();
  private readonly preflightRefusals = new RefusalMemo();

  constructor(option: unknown, settings: OriginSettings, problems: ProblemList) {
    let any = false;
    let allowNull = false;
    const entries: unknown[] = Array.isArray(option) ? option : [option];
    const pathOf = (i: number) => (Array.isArray(option) ? `origin[${i}]` : 'origin');

    if (option === undefined) {
      problems.add('origin', 'is required', "list who may call, e.g. origin: 'https://app.example.com' (use '*' for a public API)");
    } else if (Array.isArray(option) && option.length === 0) {
      problems.add('origin', 'is an empty list, which allows nobody', 'list at least one origin');
    }
    if (option !== undefined) {
      // By index and own elements only: a hole would otherwise read whatever a polluted prototype holds there.
      for (let i = 0; i < entries.length; i++) {
        const path = pathOf(i);
        if (!Object.hasOwn(entries, i)) {
          problems.add(path, 'is an empty slot of the array', 'remove the extra comma');
          continue;
        }
        const entry = entries[i];
        if (typeof entry === 'string') {
          const pattern = parseOriginPattern(entry);
          if (isPatternError(pattern)) problems.add(path, pattern.message, pattern.hint);
          else if (pattern.kind === 'any') any = true;
          else if (pattern.kind === 'null') allowNull = true;
          else this.addHostPattern(pattern, path, settings, problems);
        } else if (entry instanceof RegExp) {
          this.addRegExp(entry, path, settings, problems);
        } else if (typeof entry === 'function') {
          this.validators.push(entry as OriginValidator<any>);
        } else if (entry === true) {
          problems.add(path, 'true would reflect every origin', "list the origins you trust; for a public API without credentials use '*'");
        } else {
          problems.add(path, `${describe(entry)} is not an origin`, 'use a string, an anchored RegExp or a validator function');
        }
      }
    }
    if (settings.credentials) {
      if (any) problems.add('origin', "'*' cannot be combined with credentials", "list the exact origins that need cookies; browsers refuse '*' with credentials");
      if (allowNull) problems.add('origin', "'null' cannot be combined with credentials", "any page can send Origin: null (sandboxed iframes, file: pages); remove 'null'");
    }
    this.any = any;
    this.allowNull = allowNull;
    this.needsParse = this.anyPort.size > 0 || this.subdomains.size > 0 || this.regexps.length > 0 || this.validators.length > 0 || any;
    this.cache = compileValidatorCache(settings.validatorCache, this.validators, problems);
  }

  private addHostPattern(p: Extract<OriginPattern, { kind: 'host' }>, path: string, s: OriginSettings, problems: ProblemList): void {
    if (s.credentials && p.scheme === 'http' && !isLoopbackHost(p.host) && !s.dangerouslyAllowInsecureOrigins) {
      problems.add(path, insecureMessage(`'${formatPattern(p)}'`), insecureHint(`'https://${formatPattern(p).slice(7)}'`));
    }
    if (
      p.subdomains &&
      s.credentials &&
      p.host !== 'localhost' &&
      !s.dangerouslyAllowWildcardOverPublicSuffix &&
      (isPublicSuffix(p.host) || isPublicSuffix(`cors-probe.${p.host}`))
    ) {
      problems.add(path, publicSuffixMessage(`'${formatPattern(p)}'`, p.host), publicSuffixHint(p.scheme, p.host));
    }
    const base = `${p.scheme}://${p.host}`;
    if (p.subdomains) {
      let ports = this.subdomains.get(base);
      if (ports === undefined) this.subdomains.set(base, (ports = new Set()));
      ports.add(p.port);
    } else if (p.port === '*') {
      this.anyPort.add(base);
    } else {
      this.exact.add(p.port ? `${base}:${p.port}` : base);
    }
  }

  private addRegExp(re: RegExp, path: string, s: OriginSettings, problems: ProblemList): void {
    let ok = true;
    if (re.global || re.sticky) {
      ok = false;
      problems.add(path, `${String(re)} has the '${re.global ? 'g' : 'y'}' flag, whose lastIndex makes every other test fail`, 'remove the flag');
    }
    const src = re.source;
    if (!src.startsWith('^') || !src.endsWith('$') || src.endsWith('\\$')) {
      ok = false;
      problems.add(
        path,
        `${String(re)} is not anchored, so it also matches origins that merely contain it (evil-example.com)`,
        "anchor it with ^...$, or better use a pattern string such as 'https://*.example.com'",
      );
    }
    if (!ok) return;
    // Anchored as a whole: /^a|b$/ passes the check above but is `^a` or `b$`, so it is wrapped in ^(?:...)$.
    const anchored = new RegExp(`^(?:${src})$`, re.flags);
    this.regexps.push(anchored);
    if (!s.credentials) return;
    // With credentials a RegExp meets the rules strings meet, judged by the witness origins it matches.
    const found = probeRegExp(anchored);
    const text = String(re);
    const shown = text.length > 120 ? `${text.slice(0, 120)}...` : text;
    if (found.everyOrigin !== undefined) {
      problems.add(
        path,
        `${shown} matches every origin (it allowed the random origin '${found.everyOrigin}'), which cannot be combined with credentials`,
        "list the exact origins that need cookies, or a pattern such as 'https://*.example.com'; browsers send cookies to whatever the server allows",
      );
      return;
    }
    if (found.insecure !== undefined && !s.dangerouslyAllowInsecureOrigins) {
      problems.add(path, insecureMessage(`${shown} (it allowed '${found.insecure}')`), insecureHint(`'https://${found.insecure.slice(7)}' (in a RegExp: https:\\/\\/, never https?:\\/\\/)`));
    }
    if (found.publicSuffix !== undefined && !s.dangerouslyAllowWildcardOverPublicSuffix) {
      const { suffix, witness } = found.publicSuffix;
      problems.add(path, publicSuffixMessage(`${shown} (it allowed '${witness}')`, suffix), publicSuffixHint(witness.slice(0, witness.indexOf(':')), suffix));
    }
  }

  /** The configured exact origins, normalised. */
  get exactOrigins(): Iterable<string> {
    return this.exact;
  }

  /** True when a validator is configured, so `match` may return a promise. */
  get mayBeAsync(): boolean {
    return this.validators.length > 0;
  }

  /**
   * Decides a request `Origin` that is not one of the exact origins (the policy looks those up first):
   * synchronously, unless a validator returns a promise.
   */
  matchInexact(origin: string, preflight: boolean, request: unknown): OriginVerdict | Promise<OriginVerdict> {
    if (origin === 'null') return this.allowNull || this.any ? true : originNotAllowed(origin, preflight);
    if (!this.needsParse) {
      // Refused origins repeat (one misconfigured front end, one scanner), so their reasons are remembered.
      const memo = preflight ? this.preflightRefusals : this.actualRefusals;
      let reason = memo.get(origin);
      if (reason === undefined) {
        reason = Object.freeze(isWellFormedOrigin(origin) ? originNotAllowed(origin, preflight) : malformedOrigin(origin, preflight));
        memo.set(origin, reason);
      }
      return reason;
    }
    const parsed = parseOrigin(origin);
    if (parsed === null) return malformedOrigin(origin, preflight);
    if (this.any) return true;
    const base = `${parsed.scheme}://`;
    if (this.anyPort.size > 0 && this.anyPort.has(base + parsed.host)) return true;
    if (this.subdomains.size > 0) {
      const host = parsed.host;
      // Every proper suffix that starts after a dot: a.b.example.com -> b.example.com, example.com, com.
      for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
        const ports = this.subdomains.get(base + host.slice(dot + 1));
        if (ports !== undefined && (ports.has(parsed.port) || ports.has('*'))) return true;
      }
    }
    for (const re of this.regexps) if (re.test(origin)) return true;
    if (this.validators.length === 0) return originNotAllowed(origin, preflight);
    return this.validate(origin, preflight, request);
  }

  private validate(origin: string, preflight: boolean, request: unknown): OriginVerdict | Promise<OriginVerdict> {
    let result: boolean | Promise<boolean>;
    try {
      // The cache's key function runs here too: if it throws, the origin is refused like a failing validator.
      result = this.cache === undefined ? this.runValidators(origin, request, 0) : this.cache.answer(origin, request, this.runAll);
    } catch (error) {
      return validatorError(origin, preflight, error);
    }
    return settle(result, origin, preflight);
  }

  // Validators run in order until one allows; a promise is awaited only when one is returned.
  private runValidators(origin: string, request: unknown, from: number): boolean | Promise<boolean> {
    for (let i = from; i < this.validators.length; i++) {
      const result: unknown = this.validators[i]!(origin, request);
      if (result === true) return true;
      if (isThenable(result)) {
        return Promise.resolve(result).then((value) => (value === true ? true : this.runValidators(origin, request, i + 1)));
      }
    }
    return false;
  }
}

function settle(result: boolean | Promise<boolean>, origin: string, preflight: boolean): OriginVerdict | Promise<OriginVerdict> {
  if (result === true) return true;
  if (result === false) return originNotAllowed(origin, preflight);
  return result.then(
    (value) => (value ? true : originNotAllowed(origin, preflight)),
    (error: unknown) => validatorError(origin, preflight, error),
  );
}

/**
 * True when `value` is a promise or any other thenable; adapters use it on what `policy.decide` returns, to
 * stay synchronous unless a validator went async.
 *
 * @example
 * const decision = policy.decide(req.method, req.headers, req);
 * if (isThenable(decision)) decision.then((settled) => apply(settled));
 * else apply(decision);
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

// The same words for a string and for a RegExp that breaks a rule.
function insecureMessage(what: string): string {
  return `${what} is plain http with credentials, so anyone on the network path can read its responses`;
}
function insecureHint(instead: string): string {
  return `use ${instead}; only loopback hosts may use http (or set dangerouslyAllowInsecureOrigins: true)`;
}
function publicSuffixMessage(what: string, suffix: string): string {
  return `${what} trusts every site registered under the public suffix '${suffix}'`;
}
function publicSuffixHint(scheme: string, suffix: string): string {
  return `narrow it to your own domain, e.g. '${scheme}://*.your-site.${suffix}' (or set dangerouslyAllowWildcardOverPublicSuffix: true)`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'a nested array' : 'an object';
  return `${typeof value} ${String(value)}`;
}
