// One HTTP exchange, exactly as asked: no redirect followed, no header added or rewritten beyond Host (and
// Content-Length for methods that carry a body), the response headers kept raw (spelling, order, repeats),
// because the doctor judges the bytes a browser would judge.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

/** A header as sent or received: name in its original spelling, and value. */
export type HeaderPair = readonly [name: string, value: string];

/** A request the doctor sent. */
export interface SentRequest {
  readonly method: string;
  readonly url: string;
  /** Every header line sent, in order (Host included). */
  readonly headers: readonly HeaderPair[];
}

/** A response the doctor received. */
export interface ReceivedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly httpVersion: string;
  /** Every header line received, in order, spelled as the server wrote it; repeated headers stay repeated. */
  readonly headers: readonly HeaderPair[];
  /** The first bytes of the body (at most 2,048), as text. */
  readonly bodyStart: string;
}

/** One request and its response (or the network error instead of a response). */
export interface Exchange {
  readonly request: SentRequest;
  readonly response: ReceivedResponse | null;
  /** The network error when there is no response: `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9`. */
  readonly error: string | null;
  readonly durationMs: number;
}

export interface TransportOptions {
  /** Milliseconds before a request is abandoned. */
  readonly timeout: number;
  /** Accept any TLS certificate (self-signed, expired, wrong name). */
  readonly insecure: boolean;
}

/**
 * Browsers resolve `localhost` and `*.localhost` to the loopback address themselves (RFC 6761, and the WHATWG
 * URL standard's "localhost" rule), whatever the system resolver says; the doctor does the same, so a URL that
 * works in the browser works here.
 */
const lookup: LookupFunction = (hostname, options, callback) => {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  // Plain `localhost` is left to the system, which knows whether it means ::1, 127.0.0.1 or both.
  if (name.endsWith('.localhost')) {
    const both: LookupAddress[] = [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
    const wanted = options.family === 4 || options.family === 6 ? both.filter((a) => a.family === options.family) : both;
    // With `all` (Node's happy eyeballs asks for it), both loopback addresses are tried, as browsers do.
    if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
    else callback(null, wanted[0]!.address, wanted[0]!.family);
    return;
  }
  (dnsLookup as unknown as (h: string, o: unknown, c: unknown) => void)(hostname, options, callback);
};

const BODY_KEPT = 2048;

/** A small client: one keep-alive agent per run, closed with `close()`. */
export class Transport {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;
  /** How many requests were sent (with or without an answer). */
  count = 0;

  constructor(private readonly options: TransportOptions) {
    this.http = new HttpAgent({ keepAlive: true, maxSockets: 2 });
    this.https = new HttpsAgent({ keepAlive: true, maxSockets: 2, rejectUnauthorized: !options.insecure });
  }

  /**
   * Sends `method url` with `headers` (names as given). Never rejects: a network error, a timeout or a TLS
   * failure comes back as `error`.
   */
  send(method: string, url: string, headers: readonly HeaderPair[]): Promise<Exchange> {
    this.count++;
    const target = new URL(url);
    const started = performance.now();
    const secure = target.protocol === 'https:';
    const sentHeaders: HeaderPair[] = [['Host', target.host], ...headers];
    const needsLength = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && !headers.some(([n]) => n.toLowerCase() === 'content-length');
    if (needsLength) sentHeaders.push(['Content-Length', '0']);
    const request: SentRequest = { method, url: target.href, headers: sentHeaders };
    const flat: string[] = [];
    for (const [name, value] of sentHeaders) flat.push(name, value);

    return new Promise<Exchange>((resolve) => {
      let settled = false;
      const finish = (response: ReceivedResponse | null, error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ request, response, error, durationMs: Math.round(performance.now() - started) });
      };
      const make = secure ? httpsRequest : httpRequest;
      let req: ReturnType<typeof httpRequest>;
      try {
        req = make({
          protocol: target.protocol,
          hostname: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port || (secure ? 443 : 80),
          path: `${target.pathname}${target.search}`,
          method,
          // A flat array keeps our order and spelling and stops Node from adding its own Host.
          headers: flat as unknown as Record<string, string>,
          setHost: false,
          agent: secure ? this.https : this.http,
          lookup,
          ...(secure ? { servername: isIpAddress(target.hostname) ? undefined : target.hostname, rejectUnauthorized: !this.options.insecure } : {}),
        });
      } catch (error) {
        finish(null, describeError(error));
        return;
      }
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${this.options.timeout} ms`));
      }, this.options.timeout);
      req.on('error', (error) => finish(null, describeError(error)));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const headersOf = (): HeaderPair[] => {
          const pairs: HeaderPair[] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
          return pairs;
        };
        const done = () =>
          finish(
            {
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              httpVersion: res.httpVersion,
              headers: headersOf(),
              bodyStart: Buffer.concat(chunks).toString('utf8').slice(0, BODY_KEPT),
            },
            null,
          );
        res.on('data', (chunk: Buffer) => {
          if (kept < BODY_KEPT) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        res.on('end', done);
        // A body cut short still leaves us the head, which is what counts.
        res.on('error', done);
        res.on('aborted', done);
      });
      req.end();
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

function isIpAddress(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** The values of header `name` (any case) in order; a browser joins repeats with ", ". */
export function headerValues(headers: readonly HeaderPair[], name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === lower) values.push(v);
  return values;
}

/** The header's combined value as a browser sees it (repeats joined with ", "), or null when absent. */
export function headerValue(headers: readonly HeaderPair[], name: string): string | null {
  const values = headerValues(headers, name);
  return values.length === 0 ? null : values.join(', ');
}
