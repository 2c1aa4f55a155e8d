// The command line: exit codes, --json, colour only on a terminal and never with NO_COLOR, --timeout, --insecure,
// --verbose, and wrong arguments. `main()` runs in this process with streams that record what is written; the built
// bin runs as a child process once, as a user runs it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main, type AuditReport, type Diagnosis } from '../src/index.js';
import { adapterExpress, corsReflecting, httpsAdapterExpress, TRUSTED } from './servers.mjs';
import { deadPort, keep } from './support.js';

const ESC = '\u001b[';

function recorder(isTTY: boolean) {
  let text = '';
  return { stream: { isTTY, write: (s: string) => void (text += s) }, text: () => text };
}

async function cli(args: string[], { tty = false, env = {} as Record<string, string> } = {}) {
  const out = recorder(tty);
  const err = recorder(tty);
  const code = await main(args, { stdout: out.stream, stderr: err.stream, env });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('cors-doctor <url> --origin', () => {
  it('exits 0 when allowed, 1 when blocked, 2 when the request could not be made', async () => {
    const s = await keep(adapterExpress());
    expect((await cli([`${s.url}/data`, '--origin', TRUSTED])).code).toBe(0);
    const blocked = await cli([`${s.url}/data`, '--origin', 'https://evil.example', '-X', 'PUT', '-H', 'X-Trace: 1']);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('BLOCKED at allow-origin-missing (the preflight)');
    expect(blocked.stdout).toContain("Chromium says: Access to fetch at");
    const down = await cli([`http://127.0.0.1:${await deadPort()}/data`, '--origin', TRUSTED]);
    expect(down.code).toBe(2);
    expect(down.stdout).toContain('network-error');
  });

  it('--json prints what diagnose() returns', async () => {
    const s = await keep(adapterExpress());
    const r = await cli([`${s.url}/data`, '--origin', TRUSTED, '--method', 'put', '--header', 'Content-Type: application/json', '--credentials', '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as Diagnosis;
    expect(d).toMatchObject({ kind: 'diagnosis', verdict: 'allowed', failure: null, request: { method: 'PUT', credentials: true } });
    expect(d.preflight).toMatchObject({ needed: true, sent: true, passed: true, requestHeaders: ['content-type'] });
    expect(d.steps.map((x) => x.kind)).toEqual(['plan', 'preflight', 'request']);
    expect(d.readableHeaders).toContain('x-request-id');
  });

  it('colour on a terminal only, never with NO_COLOR; FORCE_COLOR forces it', async () => {
    const s = await keep(adapterExpress());
    const args = [`${s.url}/data`, '--origin', TRUSTED];
    expect((await cli(args, { tty: true })).stdout).toContain(ESC);
    expect((await cli(args, { tty: false })).stdout).not.toContain(ESC);
    expect((await cli(args, { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(ESC);
    expect((await cli(args, { tty: false, env: { FORCE_COLOR: '1' } })).stdout).toContain(ESC);
    expect((await cli([...args, '--json'], { tty: true })).stdout).not.toContain(ESC);
  });

  it('--verbose shows every header, not only those CORS is about', async () => {
    const s = await keep(adapterExpress());
    const quiet = await cli([`${s.url}/data`, '--origin', TRUSTED]);
    const loud = await cli([`${s.url}/data`, '--origin', TRUSTED, '--verbose']);
    expect(quiet.stdout).not.toContain('User-Agent: cors-doctor/');
    expect(loud.stdout).toContain('User-Agent: cors-doctor/');
    expect(loud.stdout).toMatch(/Keep-Alive: timeout=/);
  });

  it('--timeout gives up on a server that never answers', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (silent.address() as { port: number }).port;
      const r = await cli([`http://127.0.0.1:${port}/`, '--origin', TRUSTED, '--timeout', '200ms', '--json']);
      expect(r.code).toBe(2);
      expect((JSON.parse(r.stdout) as Diagnosis).failure!.message).toContain('no answer within 200 ms');
    } finally {
      silent.close();
    }
  });

  it('--insecure accepts a self-signed certificate', async () => {
    const s = await keep(httpsAdapterExpress({ origin: [TRUSTED] }, 'localhost'));
    const strict = await cli([`${s.url}/data`, '--origin', TRUSTED, '--json']);
    expect(strict.code).toBe(2);
    expect((JSON.parse(strict.stdout) as Diagnosis).failure!.message).toMatch(/self[- ]signed/i);
    expect((await cli([`${s.url}/data`, '--origin', TRUSTED, '--insecure'])).code).toBe(0);
  });
});

describe('cors-doctor audit', () => {
  it('exits 1 on findings at medium or above, 0 otherwise, 2 when unreachable', async () => {
    const bad = await keep(corsReflecting());
    const r = await cli(['audit', `${bad.url}/data`, '--origin', TRUSTED]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL\s+origin-reflected/);
    expect(r.stdout).toContain('Summary: 1 critical');
    const good = await keep(adapterExpress());
    const ok = await cli(['audit', `${good.url}/data`, '-o', TRUSTED, '--json']);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as AuditReport)).toMatchObject({ kind: 'audit', exitCode: 0, findings: [] });
    expect((await cli(['audit', `http://127.0.0.1:${await deadPort()}/`])).code).toBe(2);
  });

  it('--verbose writes every request and response to stderr', async () => {
    const good = await keep(adapterExpress());
    const r = await cli(['audit', `${good.url}/data`, '-o', TRUSTED, '--verbose', '--delay', '0']);
    expect(r.stderr).toContain('> OPTIONS ');
    expect(r.stderr).toContain('< HTTP/1.1 403 Forbidden');
    expect(r.stderr.split('\n> GET ').length + r.stderr.split('\n> OPTIONS ').length).toBeGreaterThan(40);
  });
});

describe('wrong arguments exit 2 with a message', () => {
  it.each([
    [['--nope'], /Unknown option '--nope'/],
    [['http://127.0.0.1:1/'], /--origin is required/],
    [['http://127.0.0.1:1/', '-o', 'https://a.example', '-o', 'https://b.example'], /one --origin/],
    [['audit', 'http://127.0.0.1:1/', '--method', 'PUT'], /an audit sends its own probes/],
    [['http://127.0.0.1:1/', '-o', TRUSTED, '--timeout', 'soon'], /--timeout "soon"/],
    [['http://127.0.0.1:1/', '-o', TRUSTED, '-H', 'no colon'], /'Name: value'/],
    [[], /give the URL/],
  ])('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--help and --version exit 0', async () => {
    expect((await cli(['--help'])).stdout).toContain('cors-doctor audit <url>');
    expect((await cli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the built bin', () => {
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
  it('runs as `cors-doctor`, exit code and plain output when piped', async () => {
    expect(existsSync(bin), 'dist/cli.js is missing: run `pnpm --filter @cors/doctor build`').toBe(true);
    const s = await keep(adapterExpress());
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, `${s.url}/data`, '--origin', 'https://evil.example'], { env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '' } }, (error, stdout) => {
        resolve({ code: error === null ? 0 : Number(error.code), stdout });
      });
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('BLOCKED at allow-origin-missing');
    expect(result.stdout).not.toContain(ESC);
  });
});
