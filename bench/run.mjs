#!/usr/bin/env node
// Benchmarks @cors/express, @cors/koa and @cors/fastify side by side with cors, @koa/cors and @fastify/cors, and
// @cors/core alone. See bench/README.md. `node bench/run.mjs --help` lists the options.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './lib/child.mjs';
import { analyseCore, analyseHttp, analyseInProcess, evaluateTargets, formatTables, renderChart } from './lib/report.mjs';
import { ALL_VARIANTS, checkAnswer, FRAMEWORKS, SCENARIOS, load, variantLabel } from './lib/setup.mjs';
import { rotate } from './lib/stats.mjs';
import { formatHono, runHono } from './lib/hono-phase.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

const HELP = `Usage: node bench/run.mjs [options]

  --smoke               one quick round of everything (10 to 30 s); numbers are not judged, files
                        go to a temporary folder; exits non-zero if any variant crashed or misbehaved
  --rounds N            in-process rounds (default 15)
  --batch-ms N          in-process time per variant, scenario and round (default 40)
  --http-rounds N       HTTP rounds (default 12)
  --http-requests N     requests per variant, scenario and HTTP round (default 4000)
  --connections N       autocannon connections (default 10)
  --processes N         split the in-process rounds into N sets, each with fresh child processes
                        (default 3), so that one process's JIT luck does not decide a figure
  --http-processes N    the same for the HTTP rounds, with fresh servers (default 6)
  --core-rounds N       @cors/core rounds (default 15)
  --phases LIST         any of inprocess,http,core,hono (default all); hono: Hono and @cors/fetch in process
  --frameworks LIST     any of express,koa,fastify,node (default all)
  --scenarios LIST      any of allowed,refused,no-origin,preflight (default all)
  --variants LIST       any of none,floor,peer,ours (default all); floor is a reference middleware with no
                        decision logic that writes exactly the headers ours writes: the least any CORS costs
  --out DIR             where results.json and chart.svg go (default bench/, or a temporary folder with --smoke)
  --no-pin              do not pin processes to cores (by default, on Linux with taskset, the parent and its
                        load generator run on the first core and every measured process on the last)
  --cpu-prof DIR        run every child process under node --cpu-prof, profiles written to DIR
  --ci-results FILE     append one line for CI to FILE: 'pass bench-smoke', or 'fail bench-smoke: why'
  --render FILE         measure nothing: print the tables and targets of a results.json and redraw its chart
                        (into --out, default beside FILE)
  --help                this text
`;

function parseArgs(argv) {
  const o = {
    smoke: false,
    rounds: 15,
    batchMs: 40,
    warmupMs: 300,
    httpRounds: 12,
    httpRequests: 4000,
    httpWarmupRequests: 6000,
    connections: 10,
    processes: 3,
    httpProcesses: 6,
    coreRounds: 15,
    coreBatchMs: 15,
    coreWarmupMs: 60,
    phases: ['inprocess', 'http', 'core', 'hono'],
    frameworks: [...FRAMEWORKS],
    variants: [...ALL_VARIANTS],
    scenarios: SCENARIOS.map((sc) => sc.id),
    out: null,
    cpuProf: null,
    render: null,
    ciResults: null,
    pin: true,
  };
  const given = new Set();
  const list = (v, allowed, name) => {
    const items = v.split(',').map((s) => s.trim()).filter(Boolean);
    for (const item of items) if (!allowed.includes(item)) fail(`--${name}: unknown '${item}' (use ${allowed.join(', ')})`);
    return items;
  };
  const int = (v, name) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) fail(`--${name} needs a positive integer, got '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    given.add(flag);
    switch (flag) {
      case '--smoke': o.smoke = true; break;
      case '--rounds': o.rounds = int(value(), 'rounds'); break;
      case '--batch-ms': o.batchMs = int(value(), 'batch-ms'); break;
      case '--http-rounds': o.httpRounds = int(value(), 'http-rounds'); break;
      case '--http-requests': o.httpRequests = int(value(), 'http-requests'); break;
      case '--connections': o.connections = int(value(), 'connections'); break;
      case '--processes': o.processes = int(value(), 'processes'); break;
      case '--http-processes': o.httpProcesses = int(value(), 'http-processes'); break;
      case '--core-rounds': o.coreRounds = int(value(), 'core-rounds'); break;
      case '--phases': o.phases = list(value(), ['inprocess', 'http', 'core', 'hono'], 'phases'); break;
      case '--frameworks': o.frameworks = list(value(), FRAMEWORKS, 'frameworks'); break;
      case '--variants': o.variants = list(value(), ALL_VARIANTS, 'variants'); break;
      case '--scenarios': o.scenarios = list(value(), SCENARIOS.map((sc) => sc.id), 'scenarios'); break;
      case '--out': o.out = path.resolve(value()); break;
      case '--cpu-prof': o.cpuProf = path.resolve(value()); break;
      case '--render': o.render = path.resolve(value()); break;
      case '--ci-results': o.ciResults = path.resolve(value()); break;
      case '--no-pin': o.pin = false; break;
      case '--help': case '-h': process.stdout.write(HELP); process.exit(0); break;
      default: fail(`unknown option ${arg}\n\n${HELP}`);
    }
  }
  if (o.smoke) {
    // One short round of everything: enough to prove that every variant loads, answers correctly and survives.
    if (!given.has('--rounds')) o.rounds = 1;
    if (!given.has('--batch-ms')) o.batchMs = 5;
    o.warmupMs = 20;
    if (!given.has('--http-rounds')) o.httpRounds = 1;
    if (!given.has('--http-requests')) o.httpRequests = 300;
    o.httpWarmupRequests = 100;
    if (!given.has('--core-rounds')) o.coreRounds = 1;
    if (!given.has('--processes')) o.processes = 1;
    if (!given.has('--http-processes')) o.httpProcesses = 1;
    o.coreBatchMs = 2;
    o.coreWarmupMs = 4;
  }
  return o;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------- progress

const tty = process.stdout.isTTY;
let lastLen = 0;
function progress(message) {
  if (tty) {
    process.stdout.write(`\r${message.padEnd(lastLen)}`);
    lastLen = message.length;
  } else {
    process.stdout.write(`${message}\n`);
  }
}
/**
 * Progress of one measured cell. On a terminal every cell shows on one updating line; in a log (CI) one line per
 * scenario and round names the variants in the order they run, so a full run does not print thousands of lines.
 */
function cellProgress(phase, round, rounds, framework, scenario, variant, order) {
  if (tty) {
    progress(`  ${phase} round ${round + 1}/${rounds}  ${framework} · ${scenario} · ${variantLabel(framework, variant)}`);
  } else if (variant === order[0]) {
    progress(`  ${phase} round ${round + 1}/${rounds}  ${framework} · ${scenario} · ${order.map((v) => variantLabel(framework, v)).join(', ')}`);
  }
}

function say(message) {
  if (tty && lastLen) {
    process.stdout.write(`\r${' '.repeat(lastLen)}\r`);
    lastLen = 0;
  }
  process.stdout.write(`${message}\n`);
}

// ---------------------------------------------------------------------------------------------- phases

const failures = [];
function recordFailure(phase, framework, variant, error) {
  const message = String(error?.message ?? error);
  failures.push({ phase, framework, variant, error: message });
  say(`  ✗ ${phase} ${framework} ${variant} (${variantLabel(framework, variant)}): ${message.split('\n').slice(0, 12).join('\n    ')}`);
}

function childOptions(o, name) {
  const execArgv = [];
  if (o.cpuProf) {
    mkdirSync(o.cpuProf, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`, `--cpu-prof-name=${name.replace(/[^\w.-]+/g, '_')}.${Date.now()}.cpuprofile`);
  }
  return { execArgv, name, cpu: pinning?.child ?? null };
}

/**
 * On Linux with taskset, the parent (and autocannon in it) runs on the first core and every measured process on
 * the last one. Left to the scheduler, a server that happens to share its core with the load generator pays for
 * the context switches and cold caches for its whole life: up to 30% more CPU per request over HTTP, the same
 * code, depending on where it landed.
 */
function pinCores(o) {
  const cores = os.cpus().length;
  if (!o.pin || cores < 2 || process.platform !== 'linux') return null;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return { parent: 0, child: cores - 1 };
  } catch {
    return null;
  }
}

/** Starts one child per framework and variant, two at a time (the machine has two cores). */
async function startChildren(o, phase, script, failed, onReady, variants = o.variants) {
  // A variant that failed once is not tried again in a later set: it is already reported.
  const pairs = o.frameworks.flatMap((f) => variants.map((v) => [f, v])).filter(([f, v]) => !failed.has(`${f}|${v}`));
  const children = new Map();
  const queue = [...pairs];
  const worker = async () => {
    while (queue.length) {
      const [framework, variant] = queue.shift();
      const child = new Child(path.join(here, 'lib', script), [framework, variant], childOptions(o, `${phase}-${framework}-${variant}`));
      try {
        await child.ready;
        await onReady(child, framework, variant);
        children.set(`${framework}|${variant}`, child);
      } catch (error) {
        recordFailure(phase, framework, variant, error);
        failed.add(`${framework}|${variant}`);
        await child.stop();
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return children;
}

/**
 * Splits `rounds` into `groups` runs of consecutive rounds. Each group gets fresh child processes: one process's
 * JIT can settle into a faster or slower state for the whole of its life (seen here as ±20% between runs over
 * HTTP), and only fresh processes average that out; rounds within a group only average out the machine's noise.
 */
function roundGroups(rounds, groups) {
  const n = Math.max(1, Math.min(groups, rounds));
  return Array.from({ length: n }, (_, g) => Math.floor(((g + 1) * rounds) / n) - Math.floor((g * rounds) / n));
}

/** Per-round figures, NaN where a round is missing, so that rounds stay paired by index. */
function record(raw, k, round, rounds, fields) {
  let cell = raw.get(k);
  if (!cell) {
    cell = {};
    raw.set(k, cell);
  }
  for (const [name, value] of Object.entries(fields)) {
    cell[name] ??= new Array(rounds).fill(NaN);
    cell[name][round] = value;
  }
  return cell;
}

async function runInProcess(o) {
  const groups = roundGroups(o.rounds, o.processes);
  say(
    `\n== in-process: ${o.frameworks.join(', ')} × ${o.variants.join(', ')}, ${o.rounds} round(s) of ${o.batchMs} ms per cell` +
      `${groups.length > 1 ? `, in ${groups.length} sets of fresh processes` : ''}`,
  );
  const scenarioIds = o.scenarios;
  const raw = new Map();
  const iterations = new Map();
  const failed = new Set();
  let round = 0;
  for (const [g, size] of groups.entries()) {
    const calibration = new Map();
    const variants = o.variants;
    const children = await startChildren(o, 'in-process', 'inprocess-worker.mjs', failed, async (child, framework, variant) => {
      const problems = await child.call('check', { scenarios: scenarioIds });
      if (problems.length) throw new Error(`wrong answers:\n${problems.join('\n')}`);
      for (const id of scenarioIds) {
        if (tty || id === scenarioIds[0]) {
          progress(`  warm-up${groups.length > 1 ? ` (set ${g + 1}/${groups.length})` : ''}  ${framework} · ${variantLabel(framework, variant)}${tty ? ` · ${id}` : ''}`);
        }
        calibration.set(`${framework}|${variant}|${id}`, await child.call('calibrate', { scenario: id, warmupMs: o.warmupMs, batchMs: o.batchMs }));
      }
    });
    for (let k = 0; k < size; k++, round++) {
      for (const framework of rotate(o.frameworks, round)) {
        for (const scenario of rotate(scenarioIds, round)) {
          const order = rotate(variants, round).filter((v) => children.has(`${framework}|${v}`));
          for (const variant of order) {
            const child = children.get(`${framework}|${variant}`);
            if (!child) continue;
            cellProgress('in-process', round, o.rounds, framework, scenario, variant, order);
            const { iterations: n } = calibration.get(`${framework}|${variant}|${scenario}`);
            try {
              const r = await child.call('run', { scenario, iterations: n });
              const key = `${framework}|${variant}|${scenario}`;
              // CPU time is the figure: on a shared machine, wall-clock time also counts the time other
              // processes held the core.
              record(raw, key, round, o.rounds, { us: r.cpuUs / r.iterations, wallUs: r.ns / r.iterations / 1e3 });
              iterations.set(key, n);
            } catch (error) {
              recordFailure('in-process', framework, variant, error);
              failed.add(`${framework}|${variant}`);
              children.delete(`${framework}|${variant}`);
              await child.stop();
            }
          }
        }
      }
    }
    await Promise.all([...children.values()].map((c) => c.stop()));
  }
  for (const [key, cell] of raw) cell.iterations = iterations.get(key);
  say('  in-process done');
  return analyseInProcess(raw);
}

/** One request with node:http, for checking a server's answer before it is measured. */
function probe(port, scenario) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: scenario.method, path: '/', headers: scenario.headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ get: (name) => res.headers[name], status: res.statusCode }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

async function runHttp(o) {
  const scenarios = SCENARIOS.filter((sc) => o.scenarios.includes(sc.id));
  const groups = roundGroups(o.httpRounds, o.httpProcesses);
  say(
    `\n== HTTP: ${o.frameworks.join(', ')} × ${o.variants.join(', ')}, ${o.httpRounds} round(s) of ${o.httpRequests} requests per cell, ` +
      `${o.connections} connections${groups.length > 1 ? `, in ${groups.length} sets of fresh servers` : ''}`,
  );
  const autocannon = (await load('autocannon')).default;
  const fire = (port, scenario, amount) =>
    autocannon({
      url: `http://127.0.0.1:${port}/`,
      method: scenario.method,
      headers: scenario.headers,
      connections: o.connections,
      pipelining: 1,
      amount,
      timeout: 10,
      // autocannon ends on its sampling tick (1 s by default), which would stretch every short run to a second.
      sampleInt: 20,
    });
  const raw = new Map();
  const failed = new Set();
  // Each variant's process also serves its twin without CORS (see lib/http-server.mjs); "no CORS" gets a process
  // of its own only when it is the only variant asked for.
  const measured = o.variants.filter((v) => v !== 'none');
  const childVariants = measured.length > 0 ? measured : ['none'];
  /**
   * The bursts of one child in a round, as [server, recorded as, requests]: twin, variant, variant, twin (or the
   * mirror of it on odd rounds), each half a cell's requests, so that a drift of the machine's speed during the
   * round weighs on both alike.
   */
  const bursts = (variant, round) => {
    const half = Math.max(1, Math.round(o.httpRequests / 2));
    if (variant === 'none') return [['none', 'none', o.httpRequests]];
    if (!o.variants.includes('none')) return [[variant, variant, o.httpRequests]];
    const twin = ['none', `none@${variant}`, half];
    const own = [variant, variant, half];
    return round % 2 === 0 ? [twin, own, own, twin] : [own, twin, twin, own];
  };
  let round = 0;
  for (const [g, size] of groups.entries()) {
    const ports = new Map();
    const children = await startChildren(
      o,
      'http',
      'http-server.mjs',
      failed,
      async (child, framework, variant) => {
        const byServer = await child.call('ports');
        ports.set(`${framework}|${variant}`, byServer);
        for (const [name, port] of Object.entries(byServer)) {
          for (const scenario of scenarios) {
            const answer = await probe(port, scenario);
            const problem = checkAnswer(name, scenario, answer.get, answer.status);
            if (problem) throw new Error(`wrong answer over HTTP${name === variant ? '' : ' from its twin without CORS'}, ${scenario.id}: ${problem}`);
          }
        }
      },
      childVariants,
    );
    // As many requests as a measured burst, per scenario and server, so that the first round is not still warming up.
    for (const [k] of children) {
      const [framework, variant] = k.split('|');
      for (const scenario of scenarios) {
        if (tty || scenario === scenarios[0]) {
          progress(`  warm-up${groups.length > 1 ? ` (set ${g + 1}/${groups.length})` : ''}  ${framework} · ${variantLabel(framework, variant)}${tty ? ` · ${scenario.id}` : ''}`);
        }
        for (const port of Object.values(ports.get(k))) await fire(port, scenario, Math.max(o.httpWarmupRequests, o.httpRequests));
      }
    }
    for (let r = 0; r < size; r++, round++) {
      for (const framework of rotate(o.frameworks, round)) {
        for (const scenario of rotate(scenarios, round)) {
          const order = rotate(childVariants, round).filter((v) => children.has(`${framework}|${v}`));
          for (const variant of order) {
            const k = `${framework}|${variant}`;
            const child = children.get(k);
            if (!child) continue;
            cellProgress('HTTP', round, o.httpRounds, framework, scenario.id, variant, order);
            try {
              const sums = new Map();
              for (const [server, recordAs, amount] of bursts(variant, round)) {
                await child.call('begin');
                const result = await fire(ports.get(k)[server], scenario, amount);
                const window = await child.call('end');
                if (result.errors > 0 || result.timeouts > 0) {
                  throw new Error(`autocannon saw ${result.errors} errors and ${result.timeouts} timeouts`);
                }
                const sum = sums.get(recordAs) ?? { cpuUs: 0, requests: 0, intervals: 0, spanMs: 0, non2xx: 0 };
                sum.cpuUs += window.cpuUs;
                sum.requests += window.requests;
                if (Number.isFinite(window.spanMs)) {
                  sum.intervals += window.requests - 1;
                  sum.spanMs += window.spanMs;
                }
                sum.non2xx += result.non2xx;
                sums.set(recordAs, sum);
              }
              for (const [recordAs, sum] of sums) {
                // Requests per second between first and last arrivals, over the bursts of the round together.
                const rps = sum.spanMs > 0 ? (sum.intervals * 1000) / sum.spanMs : NaN;
                const cell = record(raw, `${framework}|${recordAs}|${scenario.id}`, round, o.httpRounds, { cpuUs: sum.cpuUs / sum.requests, rps });
                cell.requests = (cell.requests ?? 0) + sum.requests;
                cell.non2xx = (cell.non2xx ?? 0) + sum.non2xx;
                cell.errors = 0;
              }
            } catch (error) {
              recordFailure('http', framework, variant, error);
              failed.add(k);
              children.delete(k);
              await child.stop();
            }
          }
        }
      }
    }
    await Promise.all([...children.values()].map((c) => c.stop()));
  }
  say('  HTTP done');
  return analyseHttp(raw);
}

async function runCore(o) {
  say(`\n== @cors/core alone: ${o.coreRounds} round(s) of ${o.coreBatchMs} ms per cell`);
  const raw = new Map();
  const cells = [];
  const children = new Map();
  // One process per family, so that one family's garbage is not collected on another's time.
  for (const family of ['exact', 'patterns', 'headers']) {
    const child = new Child(path.join(here, 'lib', 'core-worker.mjs'), [JSON.stringify({ families: [family] })], childOptions(o, `core-${family}`));
    try {
      for (const cell of await child.call('cells')) {
        cells.push(cell);
        children.set(cell.id, child);
      }
    } catch (error) {
      recordFailure('core', 'core', family, error);
      await child.stop();
    }
  }
  try {
    const iterations = new Map();
    if (!tty) progress(`  warm-up  core: ${cells.length} cells`);
    for (const cell of cells) {
      if (tty) progress(`  warm-up  core · ${cell.id}`);
      const c = await children.get(cell.id).call('calibrate', { cell: cell.id, warmupMs: o.coreWarmupMs, batchMs: o.coreBatchMs });
      iterations.set(cell.id, c.iterations);
    }
    for (let round = 0; round < o.coreRounds; round++) {
      if (!tty) progress(`  core round ${round + 1}/${o.coreRounds}: ${cells.length} cells`);
      for (const cell of rotate(cells, round)) {
        if (tty) progress(`  core round ${round + 1}/${o.coreRounds}  ${cell.id}`);
        const r = await children.get(cell.id).call('run', { cell: cell.id, iterations: iterations.get(cell.id), round });
        record(raw, cell.id, round, o.coreRounds, { ns: r.cpuNs / r.iterations, wallNs: r.ns / r.iterations });
      }
    }
  } catch (error) {
    recordFailure('core', 'core', 'ours', error);
  }
  await Promise.all([...new Set(children.values())].map((c) => c.stop()));
  say('  core done');
  return analyseCore(raw, cells.filter((c) => raw.has(c.id)));
}

// ---------------------------------------------------------------------------------------------- main

const o = parseArgs(process.argv.slice(2));
if (o.render) {
  const saved = JSON.parse(readFileSync(o.render, 'utf8'));
  saved.targets = evaluateTargets(saved);
  say(formatTables(saved));
  const chart = path.join(o.out ?? path.dirname(o.render), 'chart.svg');
  writeFileSync(chart, renderChart(saved));
  say(`wrote ${chart}`);
  process.exit(0);
}
const pinning = pinCores(o);
const started = Date.now();
const cpus = os.cpus();
const meta = {
  date: new Date().toISOString(),
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  cpu: { model: (cpus[0]?.model ?? 'unknown').replace(/\s+/g, ' ').trim(), cores: cpus.length },
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  smoke: o.smoke,
  options: {
    rounds: o.rounds,
    batchMs: o.batchMs,
    httpRounds: o.httpRounds,
    httpRequests: o.httpRequests,
    connections: o.connections,
    processes: o.processes,
    httpProcesses: o.httpProcesses,
    pinned: pinning ? `parent on core ${pinning.parent}, measured processes on core ${pinning.child}` : 'no',
    coreRounds: o.coreRounds,
    coreBatchMs: o.coreBatchMs,
    phases: o.phases,
    frameworks: o.frameworks,
    variants: o.variants,
    scenarios: o.scenarios,
  },
};
say(`@cors benchmark${o.smoke ? ' (smoke)' : ''}: Node ${meta.node}, ${meta.cpu.model} × ${meta.cpu.cores} cores`);

const results = { meta };
if (o.phases.includes('inprocess')) results.inProcess = await runInProcess(o);
if (o.phases.includes('http')) results.http = await runHttp(o);
if (o.phases.includes('core')) results.core = await runCore(o);
if (o.phases.includes('hono')) results.hono = await runHono(o, { say, progress, tty, childOptions, recordFailure });
results.targets = evaluateTargets(results);
results.failures = failures;
meta.durationS = Math.round((Date.now() - started) / 100) / 10;

say('');
say(formatTables(results));
if (results.hono) say(`\n${formatHono(results.hono)}`);

const outDir = o.out ?? (o.smoke ? mkdtempSync(path.join(os.tmpdir(), 'cors-bench-smoke-')) : here);
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(path.join(outDir, 'chart.svg'), renderChart(results));
say(`wrote ${path.join(outDir, 'results.json')} and ${path.join(outDir, 'chart.svg')} (${meta.durationS} s)`);
if (o.smoke) say('smoke run: the numbers above are not judged.');
if (failures.length) {
  say(`\n${failures.length} variant(s) failed:`);
  for (const f of failures) say(`  ${f.phase} ${f.framework} ${f.variant}: ${f.error.split('\n')[0]}`);
  process.exitCode = 1;
}
if (o.ciResults) {
  const name = o.smoke ? 'bench-smoke' : 'bench';
  const line = failures.length
    ? `fail ${name}: ${failures.map((f) => `${f.phase} ${f.framework} ${f.variant}`).join(', ')} failed`
    : `pass ${name}`;
  appendFileSync(o.ciResults, `${line}\n`);
}
