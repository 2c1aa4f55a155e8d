// A real PostgreSQL server for the tests: Debian's `postgresql` package (installed here if missing, when root),
// a fresh cluster in a temporary directory on a free loopback port, run as the `postgres` user when we are root
// (PostgreSQL refuses to run as root). Not a test file itself.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

export interface Postgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  /** Restarts the server (fast shutdown: connections are cut) and waits until it accepts connections again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Runs SQL with psql and returns its unaligned, tuples-only output (one row a line, columns split by '|'). */
  sql(query: string): Promise<string>;
  /** The server's own log, for failure messages. */
  log(): string;
}

/** The newest installed PostgreSQL's bin directory, installing Debian's package first if none is there. */
function findBin(): string {
  const find = (): string | undefined => {
    const root = '/usr/lib/postgresql';
    if (!existsSync(root)) return undefined;
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
  };
  let bin = find();
  if (bin === undefined && isRoot) {
    // .ci/run installs it too; this covers a bare `npx vitest run` on a fresh machine.
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', 'postgresql'], {
      stdio: 'ignore',
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    bin = find();
  }
  if (bin === undefined) throw new Error("PostgreSQL is not installed: apt-get install postgresql (Debian's package; .ci/run does it)");
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL program as the `postgres` user when we are root, as ourselves otherwise. */
function asPostgres(bin: string, program: string, args: string[], timeout = 60_000): Promise<unknown> {
  const path = join(bin, program);
  // cwd: the postgres user must be able to enter it.
  const options = { timeout, cwd: '/', env: { ...process.env, LC_ALL: 'C.UTF-8' } };
  return isRoot ? run('runuser', ['-u', 'postgres', '--', path, ...args], options) : run(path, args, options);
}

export async function startPostgres(): Promise<Postgres> {
  const bin = findBin();
  const dir = mkdtempSync(join(tmpdir(), 'cors-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const user = isRoot ? 'postgres' : userInfo().username;
  await asPostgres(bin, 'initdb', ['-D', data, '-U', user, '--auth=trust', '--encoding=UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  appendFileSync(
    join(data, 'postgresql.conf'),
    [
      '',
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      "shared_preload_libraries = 'pg_stat_statements'",
      'pg_stat_statements.track = all',
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 100',
      '',
    ].join('\n'),
  );
  const pgCtl = (...args: string[]) => asPostgres(bin, 'pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', ...args], 90_000);
  await pgCtl('start');
  const url = `postgres://${user}@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    restart: async () => {
      await pgCtl('-m', 'fast', 'restart');
    },
    stop: async () => {
      try {
        await pgCtl('-m', 'fast', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    sql: async (query: string) => {
      const { stdout } = await run(join(bin, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', query], {
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout.trim();
    },
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
}
