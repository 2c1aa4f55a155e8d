import { DEFAULT_PORTS, endsInNumber, isValidDomainHost, isValidIpv6Host, parseOrigin } from './parse-origin.js';
import { isPublicSuffix, publicSuffixRules } from './public-suffix.js';

/**
 * A configured origin string, normalised to the form browsers send.
 * - `any`: `'*'`
 * - `null`: `'null'`
 * - `host`: an origin (`'https://app.example.com'`, `'http://localhost:3000'`), a subdomain pattern
 *   (`subdomains`: `'https://*.example.com'`, one or more labels, never the apex), any port (`port: '*'`:
 *   `'http://localhost:*'`), or both.
 */
export type OriginPattern =
  | { readonly kind: 'any' }
  | { readonly kind: 'null' }
  | {
      readonly kind: 'host';
      readonly scheme: string;
      /** The host, or for `subdomains` the part after `*.`. */
      readonly host: string;
      readonly subdomains: boolean;
      /** Port digits, `''` for the scheme's default, `'*'` for any. */
      readonly port: string;
    };

export interface PatternError {
  readonly message: string;
  readonly hint: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*$/;

function fail(message: string, hint: string): PatternError {
  return { message, hint };
}

function toAsciiHost(host: string): string | null {
  // Internationalised names are configured in Unicode but sent by browsers in punycode.
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

/**
 * Parses one configured origin string. Returns the normalised pattern or why it is refused.
 *
 * @example
 * parseOriginPattern('HTTPS://App.Example.com:443'); // exact https://app.example.com
 * parseOriginPattern('https://*.example.com');         // its subdomains, not example.com itself
 * parseOriginPattern('https://example.com/');          // refused: trailing slash
 */
export function parseOriginPattern(entry: string): OriginPattern | PatternError {
  const quoted = JSON.stringify(entry);
  if (entry === '') return fail('an empty string is not an origin', "write the full origin, e.g. 'https://app.example.com'");
  if (/\s/.test(entry)) return fail(`${quoted} contains whitespace`, 'remove the spaces; list several origins as array items');
  if (entry === '*') return { kind: 'any' };
  if (entry === 'null') return { kind: 'null' };
  if (entry.toLowerCase() === 'null') return fail(`${quoted} is not the opaque origin`, "write 'null' in lower case");

  const leading = /^([a-z][a-z0-9+.-]*):/i.exec(entry);
  const neverSent = leading === null ? undefined : neverSentScheme(leading[1]!.toLowerCase(), entry.slice(leading[0].length));
  if (neverSent !== undefined) return fail(`${quoted} ${neverSent.message}`, neverSent.hint);

  const sep = entry.indexOf('://');
  if (sep < 0) {
    const bare = entry.replace(/\/+$/, '');
    const example = bare.includes('*') && !/^\*\.[^*]+$/.test(bare) ? 'https://*.example.com' : `https://${bare}`;
    return fail(`${quoted} has no scheme`, `write the scheme browsers send, e.g. '${example}'`);
  }
  const scheme = entry.slice(0, sep).toLowerCase();
  if (!SCHEME.test(scheme)) return fail(`${quoted} has an invalid scheme`, "start with 'https://' or 'http://'");
  if (scheme === 'file') {
    return fail(`${quoted} uses the file scheme, whose pages send the origin 'null'`, 'serve the page over http(s) instead');
  }
  let rest = entry.slice(sep + 3);
  const pathStart = rest.search(/[/?#]/);
  if (pathStart >= 0) {
    const origin = `${entry.slice(0, sep + 3)}${rest.slice(0, pathStart)}`;
    const tail = rest.slice(pathStart);
    const what = tail === '/' ? 'a trailing slash' : tail[0] === '?' ? 'a query' : tail[0] === '#' ? 'a fragment' : 'a path';
    return fail(`${quoted} has ${what}; an origin is only scheme, host and port`, `write '${origin}'`);
  }
  if (rest.includes('@')) {
    return fail(`${quoted} has userinfo; browsers never send it in Origin`, `write '${scheme}://${rest.slice(rest.lastIndexOf('@') + 1)}'`);
  }

  let host: string;
  let port = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return fail(`${quoted} has an unclosed IPv6 bracket`, "write IPv6 hosts like 'http://[::1]:8080'");
    host = rest.slice(0, close + 1).toLowerCase();
    rest = rest.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return fail(`${quoted} has characters after the IPv6 host`, 'remove them');
    port = rest.slice(1);
    if (rest === ':') return fail(`${quoted} has an empty port`, "remove the ':' or write a port");
    const canonical = toAsciiHost(host);
    if (canonical === null || !isValidIpv6Host(canonical)) return fail(`${quoted} has an invalid IPv6 host`, "write it like 'http://[::1]'");
    host = canonical;
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      port = rest.slice(colon + 1);
      if (port === '') return fail(`${quoted} has an empty port`, "remove the ':' or write a port");
      rest = rest.slice(0, colon);
    }
    host = rest.toLowerCase();
  }

  if (port !== '' && port !== '*') {
    if (!/^\d+$/.test(port)) return fail(`${quoted} has an invalid port`, "write a port from 1 to 65535, or ':*' for any port");
    const n = Number(port);
    if (n < 1 || n > 65535) return fail(`${quoted} has port ${port}, outside 1 to 65535`, "write a port from 1 to 65535, or ':*' for any port");
    port = String(n);
    if (DEFAULT_PORTS[scheme] === port) port = '';
  }

  let subdomains = false;
  if (host.includes('*')) {
    if (!host.startsWith('*.') || host.indexOf('*', 1) >= 0) {
      return fail(
        `${quoted} has a '*' that is not a whole leading '*.' label`,
        `a wildcard stands only at the start of the host, for one or more labels: e.g. '${scheme}://*.example.com'`,
      );
    }
    subdomains = true;
    host = host.slice(2);
  }
  if (host.endsWith('.')) {
    const fixed = `${scheme}://${subdomains ? '*.' : ''}${host.slice(0, -1)}${port ? `:${port}` : ''}`;
    return fail(`${quoted} ends its host with a dot`, `write '${fixed}'`);
  }
  if (host.startsWith('[')) {
    if (subdomains) return fail(`${quoted} puts a wildcard over an IP address`, 'list the address itself');
  } else {
    // Unicode names are sent in punycode, and numeric hosts as dotted-decimal IPv4 (127.1 -> 127.0.0.1).
    if (/[^\x00-\x7f]/.test(host) || endsInNumber(host)) {
      const ascii = toAsciiHost(host);
      if (ascii === null) return fail(`${quoted} has an invalid host`, 'check the host name');
      host = ascii;
    }
    if (!isValidDomainHost(host)) return fail(`${quoted} has an invalid host`, 'use letters, digits, hyphens and dots only');
    if (subdomains && /^[\d.]+$/.test(host)) return fail(`${quoted} puts a wildcard over an IP address`, 'list the address itself');
  }
  return { kind: 'host', scheme, host, subdomains, port };
}

/**
 * Schemes a browser never puts in an `Origin` header, so an entry with one can never match: WebSocket handshakes
 * send the page's origin; documents with opaque origins send `null`; blob: and filesystem: URLs send the origin
 * of the page that made them. App schemes (capacitor:, tauri:, chrome-extension:, ...) are sent and stay allowed.
 */
function neverSentScheme(scheme: string, rest: string): PatternError | undefined {
  const host = rest.replace(/^\/\//, '').replace(/[/?#].*$/, '');
  switch (scheme) {
    case 'ws':
    case 'wss': {
      const web = scheme === 'wss' ? 'https' : 'http';
      return fail(
        `uses the ${scheme}: scheme, which never appears in an Origin header: a WebSocket handshake sends the origin of the page that opened it`,
        `write the page's origin, e.g. '${web}://${host || 'app.example.com'}'`,
      );
    }
    case 'ftp':
      return fail('uses the ftp: scheme, which never appears in an Origin header', "write the origin of the web page that calls the API, e.g. 'https://app.example.com'");
    case 'data':
    case 'javascript':
    case 'about':
      return fail(
        `uses the ${scheme}: scheme, whose documents have an opaque origin and send Origin: null`,
        "write the origin of the page that creates them; 'null' itself matches any sandboxed or opaque page, and only without credentials",
      );
    case 'blob':
    case 'filesystem': {
      const inner = rest.replace(/^(https?:\/\/[^/?#]+).*$/i, '$1');
      const example = /^https?:\/\//i.test(inner) ? inner.toLowerCase() : 'https://app.example.com';
      return fail(
        `uses the ${scheme}: scheme, which never appears in an Origin header: a request from a ${scheme}: URL sends the origin of the page that created it`,
        `write that page's origin, e.g. '${example}'`,
      );
    }
    default:
      return undefined;
  }
}

export function isPatternError(value: OriginPattern | PatternError): value is PatternError {
  return 'message' in value;
}

/** Hosts that never leave the machine, so plain http to them is not an exposure. */
export function isLoopbackHost(host: string): boolean {
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** The pattern written back in configuration form, for messages. */
export function formatPattern(p: OriginPattern): string {
  if (p.kind !== 'host') return p.kind === 'any' ? '*' : 'null';
  return `${p.scheme}://${p.subdomains ? '*.' : ''}${p.host}${p.port ? `:${p.port}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------------
// RegExp entries. A RegExp cannot be read like a pattern string, so it is judged by what it matches: at start-up
// it is tested against witness origins, and a rule that refuses a string refuses a RegExp that matches a witness
// breaking it. Witnesses: a random host under a random TLD (every origin), the plain-http form of each origin the
// RegExp is seen to match, and a random label under each public suffix it could match (the suffixes of the hosts
// it is seen to match, and every entry of the Public Suffix List). The origins it is "seen to match" are sampled
// from its own source. Every refusal names the witness, so it is never a guess.

/** What a RegExp entry was found to allow, each with the witness origin it matched. */
export interface RegExpFindings {
  /** A random origin under a random TLD: it allows (nearly) every origin. */
  readonly everyOrigin: string | undefined;
  /** A plain-http origin that is not loopback. */
  readonly insecure: string | undefined;
  /** A random site under a public suffix. */
  readonly publicSuffix: { readonly suffix: string; readonly witness: string } | undefined;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function randomLabel(length: number, alphabet = LETTERS): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/** The label with each letter and digit replaced by a random one, e.g. for `[a-z]{6}` or `app\d{4}`. */
function sameShapeLabel(label: string): string {
  let out = '';
  for (const c of label) {
    if (c >= 'a' && c <= 'z') out += randomLabel(1);
    else if (c >= '0' && c <= '9') out += randomLabel(1, '0123456789');
    else out += c;
  }
  return out;
}

// Results per RegExp source and flags: per-route policies compile the same RegExps again and again.
const probed = new Map<string, RegExpFindings>();

/**
 * Tests an anchored RegExp (already wrapped as `^(?:...)$`, without `g`/`y`) against witness origins. Costs a
 * few milliseconds per RegExp (the Public Suffix List has some ten thousand entries); results are remembered.
 */
export function probeRegExp(re: RegExp): RegExpFindings {
  const key = `${re.flags}/${re.source}`;
  const known = probed.get(key);
  if (known !== undefined) return known;
  const matches = (origin: string) => re.test(origin);

  let everyOrigin: string | undefined;
  const host = `${randomLabel(10)}.${randomLabel(8)}`;
  for (const witness of [`https://${host}`, `http://${host}`, `https://${host}:${4000 + Math.floor(Math.random() * 5000)}`]) {
    if (matches(witness)) {
      everyOrigin = witness;
      break;
    }
  }

  let insecure: string | undefined;
  let publicSuffix: RegExpFindings['publicSuffix'];
  for (const sample of sampleRegExp(re)) {
    const parsed = matches(sample) ? parseOrigin(sample) : null;
    if (parsed === null) continue;
    const port = parsed.port === '' ? '' : `:${parsed.port}`;
    if (insecure === undefined && !isLoopbackHost(parsed.host)) {
      const plain = `http://${parsed.host}${port}`;
      if (matches(plain)) insecure = plain;
    }
    if (publicSuffix === undefined && !parsed.host.startsWith('[') && !/^[\d.]+$/.test(parsed.host)) {
      // Each label in turn is the registrable one: a random label there, the labels before it kept.
      const labels = parsed.host.split('.');
      for (let i = 0; i < labels.length - 1 && publicSuffix === undefined; i++) {
        const suffix = labels.slice(i + 1).join('.');
        if (suffix === 'localhost' || suffix.endsWith('.localhost') || !isPublicSuffix(suffix)) continue;
        const before = labels.slice(0, i);
        const witness = (label: string) => `${parsed.scheme}://${[...before, label, suffix].join('.')}${port}`;
        for (const label of [randomLabel(8), `${randomLabel(4)}${randomLabel(4, '0123456789')}`]) {
          if (matches(witness(label))) {
            publicSuffix = { suffix, witness: witness(label) };
            break;
          }
        }
        // A label of a fixed shape ([a-z]{3}, app\d{4}): random ones of that shape. A short one could match a
        // short list by chance, so it counts only when six in a row match.
        if (publicSuffix === undefined) {
          const shaped = Array.from({ length: labels[i]!.length >= 5 ? 1 : 6 }, () => witness(sameShapeLabel(labels[i]!)));
          if (shaped.every(matches) && shaped.some((w) => w !== sample)) publicSuffix = { suffix, witness: shaped.find((w) => w !== sample)! };
        }
      }
    }
  }
  if (publicSuffix === undefined) {
    const label = randomLabel(8);
    const inner = randomLabel(6);
    for (const rule of publicSuffixRules()) {
      if (rule.startsWith('!')) continue;
      const suffix = rule.startsWith('*.') ? `${inner}.${rule.slice(2)}` : rule;
      const witness = `https://${label}.${suffix}`;
      if (matches(witness)) {
        publicSuffix = { suffix, witness };
        break;
      }
    }
  }

  const findings: RegExpFindings = { everyOrigin, insecure, publicSuffix };
  if (probed.size >= 256) probed.clear();
  probed.set(key, findings);
  return findings;
}

/** Samples wanted from any part of a RegExp; every branch of a list of alternatives gives one even beyond it. */
const SAMPLE_LIMIT = 256;
/** Samples kept at most from any part, however many branches. */
const SAMPLE_CAP = 4096;
/** Sequences combine every sample of each side while the product stays this small. */
const PRODUCT_LIMIT = 64;
/** Repetitions written out at most for one quantifier. */
const REPEAT_LIMIT = 64;

// Representatives tried for a one-character atom, in order of preference: a lower-case letter, a digit, then a
// character of origins' punctuation, then anything printable.
const CANDIDATE_CHARACTERS = [
  ...LETTERS,
  ...'0123456789',
  ...'-.:/_[]',
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ...'!"#$%&\'()*+,;<=>?@\\^`{|}~',
];

type RegExpNode =
  | { readonly kind: 'chars'; readonly choices: readonly string[] }
  | { readonly kind: 'sequence'; readonly items: readonly RegExpNode[] }
  | { readonly kind: 'choice'; readonly options: readonly RegExpNode[] }
  | { readonly kind: 'repeat'; readonly node: RegExpNode; readonly min: number; readonly max: number };

const EMPTY: RegExpNode = { kind: 'sequence', items: [] };

/**
 * Strings the RegExp may match, sampled from its source: each alternative, zero and one (or min and min + 1)
 * repetitions, and for each one-character atom a letter, a digit and another character it accepts. A sample is
 * only a candidate (lookarounds and backreferences are ignored): callers test it. Never throws; a source it
 * cannot read gives no samples.
 */
export function sampleRegExp(re: RegExp): string[] {
  try {
    const flags = re.flags.replace(/[gyd]/g, '');
    const out = samples(new RegExpReader(re.source, flags).read());
    return [...new Set(out)];
  } catch {
    return [];
  }
}

function samples(node: RegExpNode): string[] {
  switch (node.kind) {
    case 'chars':
      return [...node.choices];
    case 'sequence': {
      let acc = [''];
      for (const item of node.items) acc = combine(acc, samples(item));
      return acc;
    }
    case 'choice': {
      // Round robin, so that every alternative is represented even when there are many.
      const lists = node.options.map(samples);
      const out: string[] = [];
      for (let round = 0; (round === 0 || out.length < SAMPLE_LIMIT) && lists.some((l) => round < l.length); round++) {
        for (const list of lists) if (round < list.length && out.length < SAMPLE_CAP) out.push(list[round]!);
      }
      return out;
    }
    case 'repeat': {
      const inner = samples(node.node);
      const counts = new Set([Math.min(node.min, REPEAT_LIMIT), Math.min(node.min + 1, node.max, REPEAT_LIMIT)]);
      const out: string[] = [];
      for (const count of counts) {
        if (count === 0) out.push('');
        else for (const s of inner) if (out.length < SAMPLE_CAP) out.push(s.repeat(count));
      }
      return out;
    }
  }
}

/** Every combination while few; otherwise enough that each sample of either side appears. */
function combine(left: readonly string[], right: readonly string[]): string[] {
  if (left.length === 0 || right.length === 0) return [];
  const out: string[] = [];
  if (left.length * right.length <= PRODUCT_LIMIT) {
    for (const l of left) for (const r of right) out.push(l + r);
    return out;
  }
  const n = Math.min(SAMPLE_CAP, Math.max(left.length, right.length));
  for (let i = 0; i < n; i++) out.push(left[i % left.length]! + right[i % right.length]!);
  return out;
}

/** A recursive-descent reader of RegExp source, for sampling only: anything unusual makes it throw. */
class RegExpReader {
  private i = 0;
  private readonly unicode: boolean;
  private readonly sets: boolean;
  private readonly ignoreCase: boolean;

  constructor(
    private readonly src: string,
    private readonly flags: string,
  ) {
    this.sets = flags.includes('v');
    this.unicode = this.sets || flags.includes('u');
    this.ignoreCase = flags.includes('i');
  }

  read(): RegExpNode {
    const node = this.disjunction();
    if (this.i !== this.src.length) throw new Error('unbalanced');
    return node;
  }

  private disjunction(): RegExpNode {
    const options = [this.alternative()];
    while (this.src[this.i] === '|') {
      this.i++;
      options.push(this.alternative());
    }
    return options.length === 1 ? options[0]! : { kind: 'choice', options };
  }

  private alternative(): RegExpNode {
    const items: RegExpNode[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return { kind: 'sequence', items };
  }

  private quantified(atom: RegExpNode): RegExpNode {
    const c = this.src[this.i];
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) return atom; // a literal '{' (only without the u flag; with it the RegExp would not compile)
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    } else {
      return atom;
    }
    if (this.src[this.i] === '?') this.i++; // lazy
    return { kind: 'repeat', node: atom, min, max };
  }

  private atom(): RegExpNode {
    const start = this.i;
    const c = this.src[this.i]!;
    switch (c) {
      case '^':
      case '$':
        this.i++;
        return EMPTY;
      case '(':
        return this.group();
      case '[':
        this.skipClass();
        return this.chars(this.src.slice(start, this.i));
      case '.':
        this.i++;
        return this.chars('.');
      case '\\':
        return this.escape();
      default: {
        // One code point, so that an astral character is not split.
        const cp = this.src.codePointAt(this.i)!;
        const ch = String.fromCodePoint(cp);
        this.i += ch.length;
        return { kind: 'chars', choices: [this.ignoreCase ? ch.toLowerCase() : ch] };
      }
    }
  }

  private group(): RegExpNode {
    this.i++; // (
    let lookaround = false;
    if (this.src[this.i] === '?') {
      const rest = this.src.slice(this.i);
      const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>|[a-z]*(?:-[a-z]+)?:)/.exec(rest);
      if (m === null) throw new Error('unknown group');
      lookaround = m[0] === '?=' || m[0] === '?!' || m[0] === '?<=' || m[0] === '?<!';
      this.i += m[0].length;
    }
    const inner = this.disjunction();
    if (this.src[this.i] !== ')') throw new Error('unclosed group');
    this.i++;
    // A lookaround matches no characters; what it asserts is left to the test of each sample.
    return lookaround ? EMPTY : inner;
  }

  private escape(): RegExpNode {
    const start = this.i;
    const next = this.src[this.i + 1];
    if (next === undefined) throw new Error('trailing backslash');
    if (next === 'b' || next === 'B') {
      this.i += 2;
      return EMPTY;
    }
    // Backreferences match what a group matched; left to the test of each sample.
    if (/[1-9]/.test(next)) {
      this.i += 2;
      while (/\d/.test(this.src[this.i] ?? '')) this.i++;
      return EMPTY;
    }
    if (next === 'k' && this.src[this.i + 2] === '<') {
      const close = this.src.indexOf('>', this.i);
      if (close < 0) throw new Error('bad backreference');
      this.i = close + 1;
      return EMPTY;
    }
    let end = this.i + 2;
    const rest = this.src.slice(this.i + 2);
    if (next === 'x' && /^[\da-fA-F]{2}/.test(rest)) end += 2;
    else if (next === 'u' && rest.startsWith('{')) end = this.src.indexOf('}', this.i) + 1;
    else if (next === 'u' && /^[\da-fA-F]{4}/.test(rest)) end += 4;
    else if (next === 'c' && /^[A-Za-z]/.test(rest)) end += 1;
    else if ((next === 'p' || next === 'P') && this.unicode && rest.startsWith('{')) end = this.src.indexOf('}', this.i) + 1;
    else if (next === 'q' && this.sets) throw new Error('class string outside a class');
    if (end <= this.i) throw new Error('bad escape');
    this.i = end;
    const text = this.src.slice(start, end);
    // Escaped punctuation (\. \/ \-) stands for itself; the rest is asked of the engine.
    if (text.length === 2 && /[^A-Za-z0-9]/.test(next)) return { kind: 'chars', choices: [next] };
    return this.chars(text);
  }

  private skipClass(): void {
    let depth = 0;
    for (; this.i < this.src.length; this.i++) {
      const c = this.src[this.i];
      if (c === '\\') this.i++;
      else if (c === '[' && (depth === 0 || this.sets)) depth++;
      else if (c === ']' && --depth === 0) {
        this.i++;
        return;
      }
    }
    throw new Error('unclosed class');
  }

  /** A one-character atom, given by its source: the engine says which candidates it accepts. */
  private chars(atom: string): RegExpNode {
    const test = new RegExp(`^(?:${atom})$`, this.flags);
    let letter: string | undefined;
    let digit: string | undefined;
    let other: string | undefined;
    for (const c of CANDIDATE_CHARACTERS) {
      if (!test.test(c)) continue;
      if (c >= 'a' && c <= 'z') letter ??= c;
      else if (c >= '0' && c <= '9') digit ??= c === '0' && test.test('1') ? '1' : c;
      else other ??= c;
      if (letter !== undefined && digit !== undefined && other !== undefined) break;
    }
    const choices = [letter, digit, other].filter((c): c is string => c !== undefined);
    return { kind: 'chars', choices };
  }
}
