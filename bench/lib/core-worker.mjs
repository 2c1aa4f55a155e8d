// @cors/core alone: the cost of one decision as the allowlist grows and as Access-Control-Request-Headers grows.
// Usage (by run.mjs): node core-worker.mjs '<json: { exactSizes, patternSizes, headerKiB }>'
import { serve, start } from './child.mjs';
import { ALLOWED_HEADERS, load, METHODS } from './setup.mjs';

const settings = JSON.parse(process.argv[2] ?? '{}');
// Families run in processes of their own (run.mjs starts one per family): the header cells make garbage by the
// megabyte, whose collection would otherwise be charged to whichever origin cell runs next.
const FAMILIES = settings.families ?? ['exact', 'patterns', 'headers'];
const EXACT_SIZES = settings.exactSizes ?? [1, 10, 100, 1000, 10000];
const PATTERN_SIZES = settings.patternSizes ?? [1, 10, 100, 1000];
const HEADER_KIB = settings.headerKiB ?? [1, 2, 4, 8, 16];
const POOL = 1024;

/** A new string object with the same characters, as the HTTP parser would hand over for every request. */
const fresh = (s) => Buffer.from(s, 'latin1').toString('latin1');

const exactOrigin = (i) => `https://tenant-${i}.customer-${i % 97}.example.com`;
const patternOrigin = (i) => `https://*.tenant-${i}.example.com`;

/** Adversarial Access-Control-Request-Headers values of about `bytes` bytes. */
const HEADER_INPUTS = {
  commas: (bytes) => ','.repeat(bytes),
  'comma-space': (bytes) => ', '.repeat(bytes / 2),
  whitespace: (bytes) => ' \t'.repeat(bytes / 2),
  'allowed names': (bytes) => 'Content-Type , '.repeat(Math.ceil(bytes / 15)).slice(0, bytes),
  'refused names': (bytes) => {
    let s = '';
    for (let i = 0; s.length < bytes; i++) s += `x-h${i},`;
    return s.slice(0, bytes);
  },
  'one long name': (bytes) => 'a'.repeat(bytes),
};

const { createCorsPolicy } = await start(() => load('@cors/core'));

function compile(options) {
  const t = process.hrtime.bigint();
  const policy = createCorsPolicy(options);
  return { policy, compileMs: Number(process.hrtime.bigint() - t) / 1e6 };
}

const base = { credentials: true, methods: [...METHODS], allowedHeaders: [...ALLOWED_HEADERS], maxAge: 600 };

/** Every cell: a policy, a pool of request headers, the method, and what the decision must say. */
const cells = [];
for (const n of FAMILIES.includes('exact') ? EXACT_SIZES : []) {
  const origins = Array.from({ length: n }, (_, i) => exactOrigin(i));
  const { policy, compileMs } = compile({ ...base, origin: origins });
  const stride = Math.max(1, Math.floor(n / POOL)) | 1;
  const allowed = Array.from({ length: POOL }, (_, i) => ({ origin: fresh(origins[(i * stride) % n]) }));
  const refused = Array.from({ length: POOL }, (_, i) => ({ origin: fresh(`https://tenant-${i}.customer-${i % 97}.example.net`) }));
  // The same allowed origin in every request of a batch: only the allowlist's size changes from 1 to 10,000.
  // Which origin it is changes from round to round: in a hash table of 10,000 entries the cost of one key
  // depends on where it falls in its bucket's chain (11 to 22 ns here), and the median over rounds should not
  // hang on one unlucky key.
  const pools = Array.from({ length: 16 }, (_, k) => {
    const origin = origins[(k * 7919 + (n >> 1)) % n];
    return Array.from({ length: POOL }, () => ({ origin: fresh(origin) }));
  });
  cells.push({ id: `exact/${n}/allowed-one`, family: 'exact', size: n, case: 'allowed-one', policy, pool: pools[0], pools, method: 'GET', expect: true, compileMs });
  // Traffic from up to 1,024 different allowed origins: also what touching that many table entries costs.
  cells.push({ id: `exact/${n}/allowed`, family: 'exact', size: n, case: 'allowed', policy, pool: allowed, method: 'GET', expect: true, compileMs });
  cells.push({ id: `exact/${n}/refused`, family: 'exact', size: n, case: 'refused', policy, pool: refused, method: 'GET', expect: false, compileMs });
}
for (const n of FAMILIES.includes('patterns') ? PATTERN_SIZES : []) {
  const { policy, compileMs } = compile({ ...base, origin: Array.from({ length: n }, (_, i) => patternOrigin(i)) });
  const allowed = Array.from({ length: POOL }, (_, i) => ({ origin: fresh(`https://app-${i}.tenant-${(i * 7) % n}.example.com`) }));
  const refused = Array.from({ length: POOL }, (_, i) => ({ origin: fresh(`https://app-${i}.tenant-${(i * 7) % n}.example.org`) }));
  cells.push({ id: `patterns/${n}/allowed`, family: 'patterns', size: n, case: 'allowed', policy, pool: allowed, method: 'GET', expect: true, compileMs });
  cells.push({ id: `patterns/${n}/refused`, family: 'patterns', size: n, case: 'refused', policy, pool: refused, method: 'GET', expect: false, compileMs });
}
if (FAMILIES.includes('headers')) {
  const { policy, compileMs } = compile({ ...base, origin: ['https://app.example.com'] });
  for (const [name, make] of Object.entries(HEADER_INPUTS)) {
    for (const kib of HEADER_KIB) {
      const value = make(kib * 1024);
      const pool = Array.from({ length: 16 }, () => ({
        origin: fresh('https://app.example.com'),
        'access-control-request-method': 'PUT',
        'access-control-request-headers': fresh(value),
      }));
      cells.push({ id: `headers/${name}/${kib}`, family: 'headers', input: name, size: kib, bytes: value.length, policy, pool, method: 'OPTIONS', expect: null, compileMs });
    }
  }
}
const byId = new Map(cells.map((c) => [c.id, c]));

function batch(cell, n) {
  const { policy, pool, method } = cell;
  const mask = pool.length - 1;
  let allowed = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (policy.decide(method, pool[i & mask]).allowed) allowed++;
  const ns = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  return { ns, cpuNs: (used.user + used.system) * 1e3, allowed };
}

serve({
  cells: () =>
    cells.map(({ id, family, size, case: c, input, bytes, compileMs }) => ({ id, family, size, case: c, input, bytes, compileMs })),

  /** Checks the decisions (allowed where they must be), warms the cell up, returns the batch size. */
  calibrate({ cell: id, warmupMs, batchMs }) {
    const cell = byId.get(id);
    const first = cell.policy.decide(cell.method, cell.pool[0]);
    if (first instanceof Promise) throw new Error(`${id}: decide returned a promise for a static policy`);
    if (cell.expect !== null) {
      for (const headers of (cell.pools ?? [cell.pool]).flat()) {
        const d = cell.policy.decide(cell.method, headers);
        if (d.allowed !== cell.expect) throw new Error(`${id}: ${headers.origin} was ${d.allowed ? 'allowed' : 'refused'}`);
      }
    }
    let n = 16;
    let spent = 0;
    let done = 0;
    while (spent < warmupMs * 1e6) {
      const { ns } = batch(cell, n);
      spent += ns;
      done += n;
      if (ns < 10e6) n *= 2;
    }
    const nsPerDecision = spent / done;
    return { iterations: Math.max(16, Math.round((batchMs * 1e6) / nsPerDecision)), nsPerDecision, allowed: first.allowed };
  },

  run({ cell: id, iterations, round = 0 }) {
    const cell = byId.get(id);
    if (cell.pools) cell.pool = cell.pools[round % cell.pools.length];
    const { ns, cpuNs } = batch(cell, iterations);
    return { ns, cpuNs, iterations };
  },
});
