// The command line: `cors-doctor <url> --origin <origin> ...` and `cors-doctor audit <url> --origin ...`.
// Arguments are parsed by node:util's parseArgs, so the package needs no dependency for it.
import { parseArgs } from 'node:util';
import { audit } from './audit.js';
import { diagnose } from './diagnose.js';
import { formatAudit, formatDiagnosis } from './format.js';
import type { Exchange } from './http.js';
import { DoctorUsageError, parseHeaderLine } from './options.js';
import { VERSION } from './version.js';

export const USAGE = `Usage:
  cors-doctor <url> --origin <origin> [--method <M>] [--header '<name>: <value>']... [--credentials] [--json]
  cors-doctor audit <url> [--origin <a trusted origin>]... [--delay <s>] [--json]

What a browser concludes about fetch(<url>) from a page on <origin>, step by step, with the fix:
  -o, --origin <origin>    the page's origin, e.g. https://app.example.com (or null)
  -X, --method <M>         the request's method (default GET)
  -H, --header '<n>: <v>'  a request header the script sets; repeat for more
      --credentials        credentials: 'include' (cookies); the doctor sends none, but the rules change

What an attacker's scanner would find (audit):
  -o, --origin <origin>    an origin the server should trust; repeat for more
      --delay <s>          pause between requests (0.2 or 200ms)

Both:
      --json               print the result as JSON (stable, see the README)
      --timeout <s>        give up on a response after this long (default 10; 500ms also works)
  -k, --insecure           accept any TLS certificate
  -v, --verbose            every request and response in full
      --version, -h --help

Exit codes: diagnosis 0 allowed, 1 blocked, 2 the request could not be made;
audit 0 nothing at medium or above, 1 otherwise, 2 the server could not be reached.
Wrong arguments exit 2. Colour only on a terminal, and never with NO_COLOR.`;

/** Where the command writes, and what it knows of its terminal. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Colour on a terminal unless NO_COLOR is set (to anything); FORCE_COLOR turns it on where there is none. */
export function wantsColour(stream: { readonly isTTY?: boolean }, env: CliIo['env']): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** `10`, `2.5`, `10s`, `500ms` -> milliseconds. */
export function parseDuration(value: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  if (match === null) throw new DoctorUsageError(`${what} ${JSON.stringify(value)}: write seconds (2.5) or milliseconds (500ms)`);
  const n = Number(match[1]);
  return match[2] === 'ms' ? n : n * 1000;
}

function describeExchange(e: Exchange): string {
  const lines = [`> ${e.request.method} ${e.request.url}`];
  for (const [n, v] of e.request.headers) lines.push(`> ${n}: ${v}`);
  if (e.response === null) lines.push(`! ${e.error}`);
  else {
    lines.push(`< HTTP/${e.response.httpVersion} ${e.response.status} ${e.response.statusText}`);
    for (const [n, v] of e.response.headers) lines.push(`< ${n}: ${v}`);
  }
  return `${lines.join('\n')}\n\n`;
}

/**
 * Runs the command with `argv` (without `node` and the script) and returns the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        origin: { type: 'string', short: 'o', multiple: true },
        method: { type: 'string', short: 'X' },
        header: { type: 'string', short: 'H', multiple: true },
        credentials: { type: 'boolean' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        delay: { type: 'string' },
        insecure: { type: 'boolean', short: 'k' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    io.stderr.write(`cors-doctor: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const colour = wantsColour(io.stdout, io.env);
  const isAudit = positionals[0] === 'audit';
  const rest = isAudit ? positionals.slice(1) : positionals;
  try {
    if (rest.length !== 1) throw new DoctorUsageError(rest.length === 0 ? 'give the URL to check' : `one URL at a time (got ${rest.join(' ')})`);
    const url = rest[0]!;
    const timeout = values.timeout === undefined ? undefined : parseDuration(values.timeout, '--timeout');
    const verbose = values.verbose === true;
    if (isAudit) {
      if (values.method !== undefined || values.header !== undefined || values.credentials) {
        throw new DoctorUsageError('--method, --header and --credentials are for a diagnosis; an audit sends its own probes');
      }
      const delay = values.delay === undefined ? 0 : parseDuration(values.delay, '--delay');
      const report = await audit({
        url,
        trustedOrigins: values.origin ?? [],
        timeout,
        delay,
        insecure: values.insecure === true,
        // stderr, so --json output on stdout stays whole.
        onExchange: verbose ? (e) => io.stderr.write(describeExchange(e)) : undefined,
      });
      io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatAudit(report, { colour, verbose }));
      return report.exitCode;
    }
    if (values.delay !== undefined) throw new DoctorUsageError('--delay is for an audit');
    const origins = values.origin ?? [];
    if (origins.length !== 1) throw new DoctorUsageError(origins.length === 0 ? "--origin is required: the origin of the page that makes the request" : 'a diagnosis takes one --origin');
    const headers = (values.header ?? []).map(parseHeaderLine);
    const d = await diagnose({ url, origin: origins[0]!, method: values.method, headers, credentials: values.credentials === true, timeout, insecure: values.insecure === true });
    io.stdout.write(values.json ? `${JSON.stringify(d, null, 2)}\n` : formatDiagnosis(d, { colour, verbose }));
    if (d.verdict === 'allowed') return 0;
    return d.failure?.step === 'network-error' ? 2 : 1;
  } catch (error) {
    if (error instanceof DoctorUsageError) {
      io.stderr.write(`cors-doctor: ${error.message}\n\nRun cors-doctor --help for the usage.\n`);
      return 2;
    }
    throw error;
  }
}
