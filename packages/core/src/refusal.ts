import { MAX_ORIGIN_LENGTH } from './parse-origin.js';

/**
 * Why a request got no CORS permission. Passed to the `onRefused` hook and found on the decision.
 * `message` says what happened; `hint` says which option would change it.
 *
 * @example
 * onRefused: (reason) => logger.info({ code: reason.code, origin: reason.origin, preflight: reason.preflight }, reason.hint)
 */
export type RefusalReason =
  | RefusalBase<'malformed-origin'>
  | RefusalBase<'origin-not-allowed'>
  | (RefusalBase<'validator-error'> & { readonly error: unknown })
  | (RefusalBase<'method-not-allowed'> & { readonly method: string })
  | (RefusalBase<'header-not-allowed'> & { readonly headers: readonly string[] })
  | RefusalBase<'private-network-not-allowed'>;

interface RefusalBase<C extends string> {
  readonly code: C;
  /** The request's `Origin` header as received (cut to 200 characters). */
  readonly origin: string;
  /** Whether the request was a preflight. */
  readonly preflight: boolean;
  readonly message: string;
  readonly hint: string;
}

/**
 * The refusal codes, e.g. for a `switch`.
 *
 * @example
 * const counted: RefusalCode[] = ['origin-not-allowed', 'validator-error'];
 * onRefused: (reason) => { if (counted.includes(reason.code)) metrics.increment(`cors.${reason.code}`); }
 */
export type RefusalCode = RefusalReason['code'];

function shown(origin: string): string {
  return origin.length > 200 ? `${origin.slice(0, 200)}...` : origin;
}

/**
 * What a validator threw, as text, for messages. Never throws itself: user code can throw anything, including
 * values whose conversion to a string throws again (`Object.create(null)`, a revoked Proxy, an Error whose
 * `message` getter throws), and `decide` must never let such a value escape.
 */
export function describeThrown(error: unknown): string {
  try {
    let text: string;
    if (error instanceof Error) {
      const message: unknown = error.message;
      text = typeof message === 'string' ? message : String(message);
    } else {
      text = String(error);
    }
    // Thrown values can be huge (a serialised request); the reason stays small.
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch {
    return 'a value that cannot be turned into a string';
  }
}

/**
 * One refusal. `message` and `hint` are built when it is made, from values that cannot throw (see
 * `describeThrown`), and `toJSON` includes them so a reason can be sent or logged as it is.
 */
class Refusal {
  readonly origin: string;
  readonly message: string;
  readonly hint: string;
  constructor(
    readonly code: RefusalCode,
    origin: string,
    readonly preflight: boolean,
    readonly method?: string,
    readonly headers?: readonly string[],
    readonly error?: unknown,
  ) {
    this.origin = shown(origin);
    this.message = this.describe();
    this.hint = this.advise();
  }

  private describe(): string {
    const o = this.origin;
    switch (this.code) {
      case 'malformed-origin':
        return `Origin ${JSON.stringify(o)} is not a well-formed serialised origin`;
      case 'origin-not-allowed':
        return `Origin ${o} is not allowed`;
      case 'validator-error':
        return `An origin validator failed for ${o}: ${describeThrown(this.error)}`;
      case 'method-not-allowed':
        return `Method ${this.method} is not allowed`;
      case 'header-not-allowed':
        return `Request header${this.headers!.length > 1 ? 's' : ''} ${this.headers!.join(', ')} not allowed`;
      case 'private-network-not-allowed':
        return 'The preflight asked for private network access';
    }
  }

  private advise(): string {
    switch (this.code) {
      case 'malformed-origin':
        return 'browsers send lower-case scheme://host[:port] with no default port, path, userinfo or trailing dot; this request did not come from one as-is';
      case 'origin-not-allowed':
        return this.origin === 'null'
          ? "the opaque origin 'null' (sandboxed iframes, file: pages, redirects) is allowed only when listed as 'null', without credentials"
          : `add '${this.origin}' (or a pattern such as a '*.' subdomain pattern covering it) to the origin option`;
      case 'validator-error':
        return 'the origin was refused because the validator threw or rejected; fix the validator (it should return true or false)';
      case 'method-not-allowed':
        return `add '${this.method}' to the methods option (methods match case-sensitively)`;
      case 'header-not-allowed': {
        const names = this.headers!.map((h) => `'${h}'`).join(', ');
        return this.headers!.includes('authorization')
          ? `add ${names} to allowedHeaders ('*' never covers authorization)`
          : `add ${names} to allowedHeaders`;
      }
      case 'private-network-not-allowed':
        return 'set allowPrivateNetwork: true to answer Access-Control-Request-Private-Network';
    }
  }

  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { code: this.code, origin: this.origin, preflight: this.preflight };
    if (this.method !== undefined) json.method = this.method;
    if (this.headers !== undefined) json.headers = this.headers;
    if (this.code === 'validator-error') json.error = describeThrown(this.error);
    json.message = this.message;
    json.hint = this.hint;
    return json;
  }
}

export function malformedOrigin(origin: string, preflight: boolean): RefusalReason {
  return new Refusal('malformed-origin', origin, preflight) as RefusalReason;
}

export function originNotAllowed(origin: string, preflight: boolean): RefusalReason {
  return new Refusal('origin-not-allowed', origin, preflight) as RefusalReason;
}

export function validatorError(origin: string, preflight: boolean, error: unknown): RefusalReason {
  return new Refusal('validator-error', origin, preflight, undefined, undefined, error) as RefusalReason;
}

export function methodNotAllowed(origin: string, method: string): RefusalReason {
  const m = method.length > 64 ? `${method.slice(0, 64)}...` : method;
  return new Refusal('method-not-allowed', origin, true, m) as RefusalReason;
}

export function headerNotAllowed(origin: string, headers: readonly string[]): RefusalReason {
  return new Refusal('header-not-allowed', origin, true, undefined, headers) as RefusalReason;
}

export function privateNetworkNotAllowed(origin: string): RefusalReason {
  return new Refusal('private-network-not-allowed', origin, true) as RefusalReason;
}

/** Refusals remembered per memo before it starts afresh. */
const MAX_REMEMBERED_REFUSALS = 512;
/** Estimated bytes a memo may hold (keys and reasons) before it starts afresh. */
const MAX_REMEMBERED_BYTES = 256 * 1024;

/**
 * Refusal reasons of an exact-only policy, by raw `Origin`: refused origins repeat (one misconfigured front end,
 * one scanner), so each costs a look-up. Bounded by entries and by bytes, so a flood of unique, long origins
 * (a header can carry 16 KB) costs a policy at most about 256 KiB; an `Origin` longer than any well-formed one
 * is never remembered (deciding it is a length check).
 */
export class RefusalMemo {
  private readonly reasons = new Map<string, RefusalReason>();
  private bytes = 0;

  get(origin: string): RefusalReason | undefined {
    return this.reasons.get(origin);
  }

  set(origin: string, reason: RefusalReason): void {
    if (origin.length > MAX_ORIGIN_LENGTH) return;
    // The key, the reason's origin (cut to 200 characters) in origin, message and hint, and the rest.
    const cost = origin.length + 3 * Math.min(origin.length, 203) + 400;
    if (this.reasons.size >= MAX_REMEMBERED_REFUSALS || this.bytes + cost > MAX_REMEMBERED_BYTES) {
      this.reasons.clear();
      this.bytes = 0;
    }
    this.reasons.set(origin, reason);
    this.bytes += cost;
  }
}
