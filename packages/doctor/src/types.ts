// The shapes `diagnose()` and `audit()` return and `--json` prints. They are the package's stable API: fields
// are only ever added, and the two id lists below only grow.
import type { Exchange, HeaderPair } from './http.js';
import type { ServerIdentity, ServerRefusal } from './server-side.js';

export type { Exchange, HeaderPair, ReceivedResponse, SentRequest } from './http.js';
export type { ServerIdentity, ServerRefusal, MiddlewareName } from './server-side.js';

/**
 * Why a browser blocks a request: the step of the Fetch standard that failed. Stable ids.
 *
 * @example
 * if (diagnosis.failure?.step === 'header-not-allowed') console.log(diagnosis.failure.fix.join('\n'));
 */
export const FAILURE_STEPS = [
  'network-error',
  'forbidden-method',
  'preflight-redirect',
  'preflight-status',
  'allow-origin-missing',
  'allow-origin-multiple',
  'allow-origin-invalid',
  'allow-origin-mismatch',
  'wildcard-with-credentials',
  'allow-credentials-missing',
  'allow-credentials-invalid',
  'allow-methods-invalid',
  'allow-headers-invalid',
  'method-not-allowed',
  'header-not-allowed',
  'redirect-not-allowed',
  'too-many-redirects',
] as const;

export type FailureStep = (typeof FAILURE_STEPS)[number];

/** One check the browser makes on a response. `name` is descriptive, not an id to match on. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** One step of the browser's work: deciding on a preflight, or one request with its response and checks. */
export interface Step {
  /** `plan`: whether a preflight is needed; `preflight`: the OPTIONS request; `request`: the request itself. */
  readonly kind: 'plan' | 'preflight' | 'request';
  readonly title: string;
  readonly ok: boolean;
  /** What was sent and received; null for `plan`. */
  readonly exchange: Exchange | null;
  readonly checks: readonly Check[];
  readonly notes: readonly string[];
}

export interface Failure {
  readonly step: FailureStep;
  /** Which request failed. */
  readonly request: 'preflight' | 'actual' | 'none';
  /** The URL of that request. */
  readonly url: string;
  /** What Chromium prints in the DevTools console for it, word for word (or the network error). */
  readonly message: string;
  /** What to change, one line each: what the server must send, the middleware option when known, and so on. */
  readonly fix: readonly string[];
}

export interface Diagnosis {
  readonly kind: 'diagnosis';
  readonly version: string;
  /** The fetch() the doctor played. */
  readonly request: {
    readonly url: string;
    readonly origin: string;
    readonly method: string;
    readonly headers: readonly HeaderPair[];
    readonly credentials: boolean;
  };
  readonly verdict: 'allowed' | 'blocked';
  readonly preflight: {
    readonly needed: boolean;
    /** Why it is needed: the method, and each header that is not CORS-safelisted. */
    readonly reasons: readonly string[];
    readonly sent: boolean;
    /** The `Access-Control-Request-Headers` names (lower-case, sorted). */
    readonly requestHeaders: readonly string[];
    /** Whether it passed; null when none was sent. */
    readonly passed: boolean | null;
    /** Seconds the browser may cache it (`Access-Control-Max-Age`, before the browser's own cap); null when absent. */
    readonly maxAge: number | null;
  };
  readonly steps: readonly Step[];
  readonly failure: Failure | null;
  /** Response headers a script could read (lower-case); empty when blocked. */
  readonly readableHeaders: readonly string[];
  /** Response headers the server sent that a script could not read. */
  readonly hiddenHeaders: readonly string[];
  /** The status of the last response the script would see, or null. */
  readonly status: number | null;
  /** Every URL a redirect led to, in order. */
  readonly redirects: readonly string[];
  readonly server: {
    /** The `Cors-Refusal` header (the @cors `debug` option), parsed, from the response that failed or the last one. */
    readonly refusal: ServerRefusal | null;
    readonly identity: ServerIdentity;
  };
  /** How many HTTP requests the doctor sent. */
  readonly requests: number;
}

/**
 * What an audit finds. Stable ids.
 *
 * @example
 * const gate = report.findings.filter((f) => f.id === 'origin-reflected');
 */
export const FINDING_IDS = [
  'origin-reflected',
  'prefix-match',
  'suffix-match',
  'unescaped-dot',
  'special-chars',
  'null-origin',
  'insecure-origin',
  'third-party-origin',
  'subdomain-trusted',
  'wildcard-origin',
  'wildcard-with-credentials',
  'allow-origin-multiple',
  'missing-vary',
  'request-headers-reflected',
  'headers-to-refused-origin',
  'preflight-actual-mismatch',
  'error-without-cors',
] as const;

export type FindingId = (typeof FINDING_IDS)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A request and the response that prove a finding. */
export interface Evidence {
  readonly request: { readonly method: string; readonly url: string; readonly headers: readonly HeaderPair[] };
  readonly response: { readonly status: number; readonly headers: readonly HeaderPair[] } | null;
}

export interface Finding {
  readonly id: FindingId;
  readonly severity: Severity;
  readonly title: string;
  /** The probe origin that showed it (`null` for the literal null origin); empty when no origin is involved. */
  readonly origin: string;
  /** Why it matters, with the credentials caveat when there are none. */
  readonly detail: string;
  readonly evidence: readonly Evidence[];
  readonly fix: string;
}

/** What one probe origin got. */
export interface ProbeResult {
  readonly origin: string;
  /** What kind of probe: `foreign`, `prefix`, `suffix`, `unescaped-dot`, `special-chars`, ... */
  readonly kind: string;
  /** The origin it was derived from (a trusted origin or the URL's own), when any. */
  readonly from: string | null;
  /** The simple request: allowed by the answer (`Access-Control-Allow-Origin` the origin, or `*`). */
  readonly simple: ProbeAnswer | null;
  readonly preflight: ProbeAnswer | null;
}

export interface ProbeAnswer {
  readonly status: number | null;
  readonly allowOrigin: string | null;
  readonly allowCredentials: boolean;
  /** The origin was echoed (or `null` allowed). */
  readonly allowed: boolean;
  readonly error: string | null;
}

export interface AuditReport {
  readonly kind: 'audit';
  readonly version: string;
  readonly url: string;
  readonly trustedOrigins: readonly string[];
  readonly findings: readonly Finding[];
  /** How many findings of each severity. */
  readonly summary: Readonly<Record<Severity, number>>;
  /** 0: nothing medium or above; 1: something medium or above; 2: the server could not be reached. */
  readonly exitCode: 0 | 1 | 2;
  readonly probes: readonly ProbeResult[];
  /** Requests that got no answer. */
  readonly errors: readonly { readonly url: string; readonly origin: string; readonly error: string }[];
  /** How many HTTP requests the audit sent. */
  readonly requests: number;
  readonly server: { readonly identity: ServerIdentity };
}
