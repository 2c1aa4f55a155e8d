// Terminal output: a diagnosis step by step and an audit finding by finding, in colour when asked to.
import type { Exchange, HeaderPair } from './http.js';
import type { AuditReport, Diagnosis, Finding, Severity, Step } from './types.js';

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const code = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

/** ANSI colours, or none: `paint(false)` leaves text as it is. */
export function paint(colour: boolean): Paint {
  if (!colour) {
    const same = (s: string) => s;
    return { red: same, green: same, yellow: same, blue: same, magenta: same, cyan: same, bold: same, dim: same };
  }
  return {
    red: code(31, 39),
    green: code(32, 39),
    yellow: code(33, 39),
    blue: code(34, 39),
    magenta: code(35, 39),
    cyan: code(36, 39),
    bold: code(1, 22),
    dim: code(2, 22),
  };
}

export interface FormatOptions {
  readonly colour?: boolean;
  /** Every header and the start of each body, instead of the ones CORS is about. */
  readonly verbose?: boolean;
}

/** Response and request headers that matter to CORS, shown without --verbose. */
function matters(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n === 'origin' ||
    n.startsWith('access-control-') ||
    n === 'vary' ||
    n === 'cors-refusal' ||
    n === 'location' ||
    n === 'www-authenticate' ||
    n === 'x-powered-by' ||
    n === 'cache-control' ||
    n === 'authorization' ||
    n === 'content-type'
  );
}

function exchangeLines(e: Exchange, p: Paint, verbose: boolean, indent: string): string[] {
  const lines: string[] = [];
  // The step's title already names the method and URL.
  const skipFirst = !verbose;
  // Without --verbose, leave out what every request of the doctor carries.
  const shownRequest = verbose ? e.request.headers : e.request.headers.filter(([n]) => !/^(host|accept|sec-fetch-[a-z]+|user-agent|content-length)$/i.test(n));
  if (!skipFirst) lines.push(`${indent}${p.cyan('→')} ${p.bold(`${e.request.method} ${e.request.url}`)}`);
  for (const [n, v] of shownRequest) if (verbose || n !== 'Host') lines.push(`${indent}${p.cyan('→')} ${n}: ${v}`);
  if (e.response === null) {
    lines.push(`${indent}${p.red('✗')} no answer: ${e.error}`);
    return lines;
  }
  const r = e.response;
  const status = `${r.status}${r.statusText ? ` ${r.statusText}` : ''}`;
  lines.push(`${indent}${p.magenta('←')} ${p.bold(status)} ${p.dim(`(${e.durationMs} ms)`)}`);
  const shown = verbose ? r.headers : r.headers.filter(([n]) => matters(n));
  for (const [n, v] of shown) lines.push(`${indent}${p.magenta('←')} ${highlight(n, v, p)}`);
  const hidden = r.headers.length - shown.length;
  if (hidden > 0) lines.push(`${indent}${p.dim(`  (${hidden} more header${hidden === 1 ? '' : 's'}; --verbose shows them)`)}`);
  if (verbose && r.bodyStart) {
    const body = r.bodyStart.length > 400 ? `${r.bodyStart.slice(0, 400)}…` : r.bodyStart;
    for (const line of body.split('\n').slice(0, 12)) lines.push(`${indent}${p.dim(`  | ${line}`)}`);
  }
  return lines;
}

function highlight(name: string, value: string, p: Paint): string {
  const n = name.toLowerCase();
  if (n === 'cors-refusal') return p.yellow(`${name}: ${value}`);
  if (n.startsWith('access-control-')) return `${p.bold(name)}: ${value}`;
  return `${name}: ${value}`;
}

function stepLines(step: Step, index: number, p: Paint, verbose: boolean): string[] {
  const mark = step.kind === 'plan' ? p.blue('•') : step.ok ? p.green('✓') : p.red('✗');
  const lines = [`${p.bold(`${index}.`)} ${mark} ${p.bold(step.title)}`];
  for (const note of step.notes) lines.push(`     ${note}`);
  if (step.exchange) lines.push(...exchangeLines(step.exchange, p, verbose, '     '));
  for (const c of step.checks) lines.push(`     ${c.ok ? p.green('✓') : p.red('✗')} ${c.name}: ${c.detail}`);
  return lines;
}

/** The diagnosis as text, step by step, ending with the verdict. */
export function formatDiagnosis(d: Diagnosis, options: FormatOptions = {}): string {
  const p = paint(options.colour === true);
  const verbose = options.verbose === true;
  const out: string[] = [];
  const r = d.request;
  const extra = r.headers.map(([n, v]) => `${n}: ${v}`).join(', ');
  out.push(
    `${p.bold('cors-doctor')} ${r.method} ${r.url}  ${p.dim('from')} ${r.origin}${r.credentials ? p.dim(" · credentials: 'include'") : ''}${extra ? p.dim(` · ${extra}`) : ''}`,
  );
  out.push('');
  d.steps.forEach((s, i) => {
    out.push(...stepLines(s, i + 1, p, verbose));
    out.push('');
  });
  if (d.verdict === 'allowed') {
    out.push(`${p.bold('Verdict:')} ${p.green(p.bold('ALLOWED'))}  ${p.dim(`(${d.requests} request${d.requests === 1 ? '' : 's'})`)}`);
    out.push(`  The script gets status ${d.status} and the body.`);
    out.push(`  Readable headers: ${d.readableHeaders.length > 0 ? d.readableHeaders.join(', ') : 'none'}`);
    if (d.hiddenHeaders.length > 0) out.push(`  ${p.dim(`Not readable: ${d.hiddenHeaders.join(', ')} (Access-Control-Expose-Headers would have to list them)`)}`);
  } else {
    const f = d.failure!;
    const where = f.request === 'none' ? '' : ` (${f.request === 'preflight' ? 'the preflight' : 'the request'})`;
    out.push(`${p.bold('Verdict:')} ${p.red(p.bold('BLOCKED'))} at ${p.bold(f.step)}${where}  ${p.dim(`(${d.requests} request${d.requests === 1 ? '' : 's'})`)}`);
    out.push(`  ${p.bold('Chromium says:')} ${f.message}`);
    if (d.server.refusal) out.push(`  ${p.bold('The server says:')} ${p.yellow(`Cors-Refusal: ${d.server.refusal.raw}`)}`);
    const id = d.server.identity;
    if (id.middleware !== null || id.framework !== null) {
      out.push(`  ${p.bold('Server:')} ${[id.framework, id.middleware].filter(Boolean).join(' + ')} ${p.dim(`(${id.confidence}: ${id.evidence.join('; ')})`)}`);
    }
    out.push(`  ${p.bold('Fix:')}`);
    for (const line of f.fix) out.push(`    - ${line}`);
  }
  return `${out.join('\n')}\n`;
}

function severityLabel(s: Severity, p: Paint): string {
  const text = s.toUpperCase().padEnd(8);
  switch (s) {
    case 'critical':
      return p.bold(p.red(text));
    case 'high':
      return p.red(text);
    case 'medium':
      return p.yellow(text);
    case 'low':
      return p.cyan(text);
    default:
      return p.dim(text);
  }
}

function evidenceLine(f: Finding, p: Paint, verbose: boolean): string[] {
  const lines: string[] = [];
  for (const e of f.evidence.slice(0, verbose ? undefined : 2)) {
    const origin = e.request.headers.find(([n]) => n === 'Origin')?.[1];
    const extra = e.request.headers.filter(([n]) => /^access-control-request-/i.test(n)).map(([n, v]) => `${n}: ${v}`);
    const head = `${e.request.method} ${e.request.url}${origin !== undefined ? ` · Origin: ${origin}` : ' · no Origin'}${extra.length ? ` · ${extra.join(' · ')}` : ''}`;
    lines.push(`     ${p.cyan('→')} ${head}`);
    if (e.response === null) lines.push(`     ${p.red('✗')} no answer`);
    else {
      const shown = (verbose ? e.response.headers : e.response.headers.filter(([n]) => matters(n) && !/^content-type$/i.test(n))) as HeaderPair[];
      lines.push(`     ${p.magenta('←')} ${e.response.status}${shown.length ? ` · ${shown.map(([n, v]) => `${n}: ${v}`).join(' · ')}` : ''}`);
    }
  }
  if (!verbose && f.evidence.length > 2) lines.push(`     ${p.dim(`(${f.evidence.length - 2} more; --json or --verbose shows them)`)}`);
  return lines;
}

/** The audit as text: the findings by severity, then the summary and exit code. */
export function formatAudit(report: AuditReport, options: FormatOptions = {}): string {
  const p = paint(options.colour === true);
  const verbose = options.verbose === true;
  const out: string[] = [];
  out.push(
    `${p.bold('cors-doctor audit')} ${report.url}  ${p.dim(report.trustedOrigins.length ? `trusted: ${report.trustedOrigins.join(', ')}` : 'no trusted origin given')}  ${p.dim(`(${report.requests} request${report.requests === 1 ? '' : 's'})`)}`,
  );
  const id = report.server.identity;
  if (id.middleware !== null || id.framework !== null) out.push(p.dim(`Server: ${[id.framework, id.middleware].filter(Boolean).join(' + ')} (${id.confidence}: ${id.evidence.join('; ')})`));
  out.push('');
  if (report.exitCode === 2 && report.findings.length === 0) {
    out.push(`${p.red(p.bold('Unreachable:'))} ${report.errors[0]?.error ?? 'no answer'}`);
    return `${out.join('\n')}\n`;
  }
  for (const t of report.trustedOrigins) {
    const probe = report.probes.find((x) => x.origin === t);
    const ok = probe?.simple?.allowed || probe?.preflight?.allowed;
    out.push(`${ok ? p.green('✓') : p.yellow('!')} trusted ${t}: ${ok ? `allowed${probe?.simple?.allowCredentials ? ' with credentials' : ''}` : 'not allowed by this URL (is it the right origin?)'}`);
  }
  if (report.trustedOrigins.length) out.push('');
  if (report.findings.length === 0) out.push(p.green('No findings.'));
  for (const f of report.findings) {
    out.push(`${severityLabel(f.severity, p)} ${p.bold(f.id)}  ${f.title}`);
    if (f.origin) out.push(`     origin: ${f.origin}`);
    out.push(`     ${f.detail}`);
    out.push(...evidenceLine(f, p, verbose));
    out.push(`     ${p.green('fix:')} ${f.fix}`);
    out.push('');
  }
  if (report.errors.length > 0) {
    out.push(p.yellow(`${report.errors.length} request${report.errors.length === 1 ? '' : 's'} got no answer, e.g. ${report.errors[0]!.url} from ${report.errors[0]!.origin}: ${report.errors[0]!.error}`));
  }
  const s = report.summary;
  const parts = (['critical', 'high', 'medium', 'low', 'info'] as const).map((k) => `${s[k]} ${k}`);
  const verdict =
    report.exitCode === 0 ? p.green('nothing at medium or above (exit 0)') : report.exitCode === 1 ? p.red('findings at medium or above (exit 1)') : p.red('server unreachable (exit 2)');
  out.push(`${p.bold('Summary:')} ${parts.join(', ')}: ${verdict}`);
  return `${out.join('\n')}\n`;
}
