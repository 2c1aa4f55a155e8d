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

export function malformedOrigin(origin: string, preflight: boolean): RefusalReason {
  const o = shown(origin);
  return {
    code: 'malformed-origin',
    origin: o,
    preflight,
    message: `Origin ${JSON.stringify(o)} is not a well-formed serialised origin`,
    hint: 'browsers send lower-case scheme://host[:port] with no default port, path, userinfo or trailing dot; this request did not come from one as-is',
  };
}

export function originNotAllowed(origin: string, preflight: boolean): RefusalReason {
  const o = shown(origin);
  return {
    code: 'origin-not-allowed',
    origin: o,
    preflight,
    message: `Origin ${o} is not allowed`,
    hint:
      o === 'null'
        ? "the opaque origin 'null' (sandboxed iframes, file: pages, redirects) is allowed only when listed as 'null', without credentials"
        : `add '${o}' (or a pattern such as a '*.' subdomain pattern covering it) to the origin option`,
  };
}

export function validatorError(origin: string, preflight: boolean, error: unknown): RefusalReason {
  const o = shown(origin);
  const detail = error instanceof Error ? error.message : String(error);
  return {
    code: 'validator-error',
    origin: o,
    preflight,
    error,
    message: `An origin validator failed for ${o}: ${detail}`,
    hint: 'the origin was refused because the validator threw or rejected; fix the validator (it should return true or false)',
  };
}

export function methodNotAllowed(origin: string, method: string): RefusalReason {
  const o = shown(origin);
  const m = method.length > 64 ? `${method.slice(0, 64)}...` : method;
  return {
    code: 'method-not-allowed',
    origin: o,
    preflight: true,
    method: m,
    message: `Method ${m} is not allowed`,
    hint: `add '${m}' to the methods option (methods match case-sensitively)`,
  };
}

export function headerNotAllowed(origin: string, headers: readonly string[]): RefusalReason {
  const o = shown(origin);
  const list = headers.join(', ');
  return {
    code: 'header-not-allowed',
    origin: o,
    preflight: true,
    headers,
    message: `Request header${headers.length > 1 ? 's' : ''} ${list} not allowed`,
    hint: headers.includes('authorization')
      ? `add ${headers.map((h) => `'${h}'`).join(', ')} to allowedHeaders ('*' never covers authorization)`
      : `add ${headers.map((h) => `'${h}'`).join(', ')} to allowedHeaders`,
  };
}

export function privateNetworkNotAllowed(origin: string): RefusalReason {
  const o = shown(origin);
  return {
    code: 'private-network-not-allowed',
    origin: o,
    preflight: true,
    message: 'The preflight asked for private network access',
    hint: 'set allowPrivateNetwork: true to answer Access-Control-Request-Private-Network',
  };
}
