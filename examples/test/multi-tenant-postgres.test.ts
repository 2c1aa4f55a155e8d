// The PostgreSQL multi-tenant example, as a user runs it: a real PostgreSQL server (Debian's package, a fresh
// cluster on a free port), two instances of the example as separate processes with a 300 s cache TTL, and the
// example's own add-tenant / remove-tenant scripts. Changes must reach both instances through LISTEN/NOTIFY within
// a second, not when the TTL runs out; a PostgreSQL restart under load must cost no request; and the database
// must be asked about each origin once, not on every request.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { Agent, get, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from './postgres.js';

const EXAMPLES = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

// Seeded by the server when it creates the tables.
const ACME = 'https://acme.example.com';
const GLOBEX = 'https://globex.example.net';
const INITECH = 'https://initech.example.org';
// The validator's query, as examples/multi-tenant-postgres/tenants.mjs writes it; pg_stat_statements shows its
// constants as parameters, hence the match on the rest.
const LOOKUP_ORIGIN_TAIL = '% FROM tenant_origins WHERE origin = $1';

interface Instance {
  readonly url: string;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

interface Metrics {
  cache: { hits: number; misses: number; size: number; maxEntries: number; evictions: number };
  lookups: number;
  notifications: number;
  reconnects: number;
  listening: boolean;
}

function startInstance(env: Record<string, string>): Promise<Instance> {
  const child: ChildProcess = spawn(process.execPath, ['multi-tenant-postgres/server.mjs'], {
    cwd: EXAMPLES,
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`no 'listening on' line within 30 s:\n${output}`));
    }, 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ url: match[1], output: () => output, stop });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the example exited (${code ?? signal}) before listening; is the workspace built (pnpm build)?\n${output}`));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

// Keep-alive node:http rather than fetch: the 10,000-request test spends its time here.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function request(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

function corsHeaderNames(reply: Reply): string[] {
  return Object.keys(reply.headers).filter((name) => name.startsWith('access-control-'));
}

function hello(instance: Instance, origin: string): Promise<Reply> {
  return request(`${instance.url}/api/hello`, { origin });
}

async function isAllowed(instance: Instance, origin: string): Promise<boolean> {
  const reply = await hello(instance, origin);
  expect(reply.status).toBe(200);
  if (reply.headers['access-control-allow-origin'] === origin) {
    expect(reply.headers['access-control-allow-credentials']).toBe('true');
    return true;
  }
  expect(corsHeaderNames(reply)).toEqual([]);
  return false;
}

async function metrics(instance: Instance): Promise<Metrics> {
  return JSON.parse((await request(`${instance.url}/metrics`)).body) as Metrics;
}

/** Polls `check` until it holds and returns how long that took; fails after `limitMs`. */
async function within(limitMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await sleep(20);
  }
}

describe('the multi-tenant PostgreSQL example (two instances, LISTEN/NOTIFY, TTL 300 s)', () => {
  let db: Postgres;
  let env: Record<string, string>;
  let instances: Instance[] = [];

  const script = async (name: string, ...args: string[]): Promise<string> =>
    (await run(process.execPath, [`multi-tenant-postgres/${name}`, ...args], { cwd: EXAMPLES, env: { ...process.env, ...env } })).stdout;

  beforeAll(async () => {
    db = await startPostgres();
    await db.sql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    env = { DATABASE_URL: db.url, TENANT_CACHE_TTL: '300' };
    // Both at once: the schema is created by whichever gets the advisory lock first.
    instances = await Promise.all([startInstance(env), startInstance(env)]);
  }, 120_000);

  afterAll(async () => {
    agent.destroy();
    await Promise.all(instances.map((instance) => instance.stop()));
    await db?.stop();
  }, 60_000);

  it('both instances allow a seeded tenant, and refuse an unknown origin', async () => {
    for (const instance of instances) {
      expect(await isAllowed(instance, ACME)).toBe(true);
      expect(await isAllowed(instance, GLOBEX)).toBe(true);
      expect(await isAllowed(instance, 'https://stranger.example.org')).toBe(false);
      const reply = await hello(instance, ACME);
      expect(String(reply.headers.vary).toLowerCase()).toContain('origin');
    }
  });

  it('after remove-tenant both refuse the origin within one second, with no Access-Control-* header', async () => {
    for (const instance of instances) {
      expect(await isAllowed(instance, ACME)).toBe(true);
      const before = await metrics(instance);
      expect(await isAllowed(instance, ACME)).toBe(true);
      expect((await metrics(instance)).cache.hits).toBe(before.cache.hits + 1); // cached, with 300 s to live
    }
    expect(await script('remove-tenant.mjs', ACME)).toContain(`removed ${ACME}`);
    for (const instance of instances) {
      const took = await within(1000, 'the removal reached the instance', async () => !(await isAllowed(instance, ACME)));
      expect(took).toBeLessThan(1000);
    }
  });

  it('after add-tenant of an origin that was just refused, both allow it within one second', async () => {
    for (const instance of instances) {
      expect(await isAllowed(instance, INITECH)).toBe(false);
      const before = await metrics(instance);
      expect(await isAllowed(instance, INITECH)).toBe(false);
      expect((await metrics(instance)).cache.hits).toBe(before.cache.hits + 1); // the refusal is cached
    }
    expect(await script('add-tenant.mjs', 'Initech', INITECH)).toContain('added Initech');
    for (const instance of instances) {
      await within(1000, 'the addition reached the instance', () => isAllowed(instance, INITECH));
    }
  });

  it('a PostgreSQL restart under load loses no request, is logged once, and invalidation works after reconnect', async () => {
    const before = await Promise.all(instances.map(metrics));
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let sent = 0;
    let stop = false;
    // Eight clients per instance: tenants whose answers are cached, and new origins that need the database.
    const worker = async (instance: Instance, id: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const origin = i % 3 === 0 ? `https://load-${id}-${i}.example.org` : i % 3 === 1 ? GLOBEX : INITECH;
        sent++;
        try {
          const reply = await hello(instance, origin);
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const workers = instances.flatMap((instance, n) => Array.from({ length: 8 }, (_, k) => worker(instance, n * 8 + k)));
    await sleep(300);
    await db.restart();
    // Each listener notices, reconnects with backoff and clears its cache.
    for (const [n, instance] of instances.entries()) {
      await within(15_000, 'the listener reconnected', async () => {
        const now = await metrics(instance);
        return now.listening && now.reconnects > before[n]!.reconnects;
      });
    }
    await sleep(300);
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBe(sent);
    expect(sent).toBeGreaterThan(100);
    for (const instance of instances) {
      const lines = instance.output().split('\n');
      // Each fault once, not per request: one line when the listener went, one when it came back.
      expect(lines.filter((line) => line.startsWith('fault: listener')), instance.output()).toHaveLength(1);
      expect(lines.filter((line) => line.startsWith('recovered: listener'))).toHaveLength(1);
      // The pool's dropped idle connections, and the look-ups that failed meanwhile: a line or two, not one a request.
      expect(lines.filter((line) => line.startsWith('fault: pool')).length).toBeLessThanOrEqual(1);
      expect(lines.filter((line) => line.startsWith('fault: lookups')).length).toBeLessThanOrEqual(2);
    }

    // Invalidation again: GLOBEX is allowed and cached on both, then removed.
    for (const instance of instances) {
      await within(5000, 'the tenant is allowed again after the restart', () => isAllowed(instance, GLOBEX));
      const cached = await metrics(instance);
      expect(await isAllowed(instance, GLOBEX)).toBe(true);
      expect((await metrics(instance)).cache.hits).toBe(cached.cache.hits + 1);
    }
    expect(await script('remove-tenant.mjs', GLOBEX)).toContain(`removed ${GLOBEX}`);
    for (const instance of instances) {
      await within(1000, 'the removal reached the instance after reconnect', async () => !(await isAllowed(instance, GLOBEX)));
    }
  }, 60_000);

  it('1,000 tenants and 10,000 requests: the database is asked about each origin once per instance', async () => {
    const TENANTS = 1000;
    const origins = Array.from({ length: TENANTS }, (_, i) => `https://t${i}.bulk.example.com`);
    const before = await Promise.all(instances.map(metrics));
    await db.sql(`
      INSERT INTO tenants (name) SELECT 'bulk-' || i FROM generate_series(0, ${TENANTS - 1}) AS i;
      INSERT INTO tenant_origins (origin, tenant_id)
        SELECT 'https://t' || i || '.bulk.example.com', t.id FROM generate_series(0, ${TENANTS - 1}) AS i JOIN tenants t ON t.name = 'bulk-' || i;
    `);
    // Every instance hears of every new origin before the requests start (a notification arriving later would
    // rightly make it ask again).
    for (const [n, instance] of instances.entries()) {
      await within(10_000, 'the notifications arrived', async () => (await metrics(instance)).notifications >= before[n]!.notifications + TENANTS);
    }
    await db.sql('SELECT pg_stat_statements_reset()');
    const start = await Promise.all(instances.map(metrics));

    // Ten requests per origin, five to each instance, in a shuffled order, 64 at a time.
    const requests = origins.flatMap((origin) => Array.from({ length: 10 }, (_, j) => ({ origin, instance: instances[j % 2]! })));
    for (let i = requests.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [requests[i], requests[j]] = [requests[j]!, requests[i]!];
    }
    let next = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < requests.length) {
          const { origin, instance } = requests[next++]!;
          const reply = await hello(instance, origin);
          expect(reply.status).toBe(200);
          if (reply.headers['access-control-allow-origin'] !== origin) refused++;
        }
      }),
    );
    expect(refused).toBe(0);

    const statements = Number(await db.sql(`SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '${LOOKUP_ORIGIN_TAIL}'`));
    expect(statements).toBe(TENANTS * instances.length);
    for (const [n, instance] of instances.entries()) {
      const end = await metrics(instance);
      expect(end.lookups - start[n]!.lookups).toBe(TENANTS);
      expect(end.cache.misses - start[n]!.cache.misses).toBe(TENANTS);
      expect(end.cache.hits - start[n]!.cache.hits).toBe(TENANTS * 4);
      expect(end.cache.evictions).toBe(0);
    }
  }, 120_000);
});
