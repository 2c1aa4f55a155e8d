// The Hono phase of the benchmark: Hono 4 in process through app.request(), with no middleware, with a middleware
// that only awaits next() (the floor: any middleware takes Hono off its single-handler fast path), with hono/cors
// configured like ours, with @cors/hono, and with a headers-only reference; and @cors/fetch's withCors around a
// bare Fetch handler beside the same headers set by hand. Each variant runs in a process of its own; rounds
// interleave the variants in a rotating order, and figures are CPU time per request, compared within a round.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './child.mjs';
import { FETCH_VARIANTS, HONO_LABELS, HONO_VARIANTS } from './hono-apps.mjs';
import { SCENARIOS } from './setup.mjs';
import { median, paired, rotate, summary } from './stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ALL = [...HONO_VARIANTS, ...FETCH_VARIANTS];

/**
 * Runs the phase. `helpers` are run.mjs's own: progress and failure reporting, and child process options.
 * Returns { scenarios, variants: { [variant]: { [scenario]: summary } }, shares, targets }.
 */
export async function runHono(o, { say, progress, tty, childOptions, recordFailure }) {
  const scenarios = SCENARIOS.filter((sc) => o.scenarios.includes(sc.id));
  say(`\n== Hono, in process through app.request(): ${ALL.map((v) => HONO_LABELS[v]).join(', ')}; ${o.rounds} round(s) of ${o.batchMs} ms per cell`);
  const children = new Map();
  const calibration = new Map();
  const queue = [...ALL];
  const worker = async () => {
    while (queue.length) {
      const variant = queue.shift();
      const child = new Child(path.join(here, 'hono-worker.mjs'), [variant], childOptions(o, `hono-${variant}`));
      try {
        await child.ready;
        const problems = await child.call('check', { scenarios: scenarios.map((s) => s.id) });
        if (problems.length) throw new Error(`wrong answers:\n${problems.join('\n')}`);
        for (const scenario of scenarios) {
          if (tty || scenario === scenarios[0]) progress(`  warm-up  hono · ${HONO_LABELS[variant]}${tty ? ` · ${scenario.id}` : ''}`);
          calibration.set(`${variant}|${scenario.id}`, await child.call('calibrate', { scenario: scenario.id, warmupMs: o.warmupMs, batchMs: o.batchMs }));
        }
        children.set(variant, child);
      } catch (error) {
        recordFailure('hono', 'hono', variant, error);
        await child.stop();
      }
    }
  };
  await Promise.all([worker(), worker()]);

  const raw = new Map(); // `${variant}|${scenario}` -> per-round µs
  for (let round = 0; round < o.rounds; round++) {
    for (const scenario of rotate(scenarios, round)) {
      const order = rotate(ALL, round).filter((v) => children.has(v));
      if (!tty) progress(`  hono round ${round + 1}/${o.rounds}  ${scenario.id} · ${order.map((v) => HONO_LABELS[v]).join(', ')}`);
      for (const variant of order) {
        const child = children.get(variant);
        if (!child) continue;
        if (tty) progress(`  hono round ${round + 1}/${o.rounds}  ${scenario.id} · ${HONO_LABELS[variant]}`);
        try {
          const r = await child.call('run', { scenario: scenario.id, iterations: calibration.get(`${variant}|${scenario.id}`).iterations });
          const key = `${variant}|${scenario.id}`;
          if (!raw.has(key)) raw.set(key, new Array(o.rounds).fill(NaN));
          raw.get(key)[round] = r.cpuUs / r.iterations;
        } catch (error) {
          recordFailure('hono', 'hono', variant, error);
          children.delete(variant);
          await child.stop();
        }
      }
    }
  }
  await Promise.all([...children.values()].map((c) => c.stop()));
  say('  hono done');
  return analyseHono(raw, scenarios.map((s) => s.id));
}

/** Medians, shares over the floor (Hono) or the bare handler (Fetch), and the targets. */
export function analyseHono(raw, scenarioIds) {
  const rounds = (v, sc) => raw.get(`${v}|${sc}`) ?? [];
  const variants = {};
  for (const v of ALL) {
    variants[v] = {};
    for (const sc of scenarioIds) if (raw.has(`${v}|${sc}`)) variants[v][sc] = summary(rounds(v, sc));
  }
  // A share is the median over rounds of (variant − base) measured in the same round.
  const share = (v, base, sc) => median(paired(rounds(v, sc), rounds(base, sc)));
  const shares = { hono: {}, fetch: {} };
  for (const sc of scenarioIds) {
    shares.hono[sc] = { peer: share('peer', 'next', sc), ours: share('ours', 'next', sc), headers: share('headers', 'next', sc), next: share('next', 'none', sc) };
    shares.fetch[sc] = { ours: share('fetch-ours', 'fetch-bare', sc), headers: share('fetch-headers', 'fetch-bare', sc) };
  }
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
  const targets = [];
  for (const sc of ['allowed', 'refused']) {
    if (!shares.hono[sc]) continue;
    const value = ratio(shares.hono[sc].ours, shares.hono[sc].peer);
    targets.push({
      id: `hono-${sc}-share`,
      label: `Hono, ${sc} request: @cors/hono's share over the floor is at most half of hono/cors's`,
      value,
      reference: ratio(shares.hono[sc].headers, shares.hono[sc].peer),
      met: Number.isFinite(value) && value <= 0.5,
    });
  }
  if (variants.ours?.preflight && variants.peer?.preflight) {
    const value = median(paired(rounds('ours', 'preflight'), rounds('peer', 'preflight'), (a, b) => a / b));
    targets.push({ id: 'hono-preflight', label: "Hono, preflight: @cors/hono's costs less than hono/cors's", value, met: Number.isFinite(value) && value < 1 });
  }
  return { scenarios: scenarioIds, variants, shares, targets };
}

const us = (x) => (Number.isFinite(x) ? `${x.toFixed(2)} µs` : 'n/a');
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');

/** The phase's tables and targets, as text. */
export function formatHono(result) {
  const lines = ['Hono in process (app.request()), CPU µs per request, median of rounds:'];
  const head = ['variant', ...result.scenarios];
  const rows = ALL.filter((v) => Object.keys(result.variants[v] ?? {}).length).map((v) => [HONO_LABELS[v] + (FETCH_VARIANTS.includes(v) ? ' (fetch)' : ''), ...result.scenarios.map((sc) => us(result.variants[v][sc]?.median))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [head, ...rows]) lines.push(`  ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`);
  lines.push('', 'Share over the floor (await next() only), per request:');
  for (const sc of result.scenarios) {
    const s = result.shares.hono[sc];
    if (sc === 'preflight') {
      // Without CORS a preflight is an OPTIONS request Hono answers with 404: a share over that means nothing.
      const total = (v) => result.variants[v]?.preflight?.median;
      lines.push(`  ${sc.padEnd(10)} whole request: hono/cors ${us(total('peer'))}, @cors/hono ${us(total('ours'))}, headers only ${us(total('headers'))}`);
      continue;
    }
    lines.push(`  ${sc.padEnd(10)} hono/cors ${us(s.peer)}, @cors/hono ${us(s.ours)} (${times(s.ours / s.peer)} of hono/cors's), headers only ${us(s.headers)}; the floor itself costs ${us(s.next)} over no middleware`);
  }
  lines.push('', "@cors/fetch's share over a bare handler, beside the same headers set by hand:");
  for (const sc of result.scenarios) {
    const s = result.shares.fetch[sc];
    if (sc === 'preflight') {
      const total = (v) => result.variants[v]?.preflight?.median;
      lines.push(`  ${sc.padEnd(10)} whole request (the bare handler answers it itself): @cors/fetch ${us(total('fetch-ours'))}, headers only ${us(total('fetch-headers'))}`);
      continue;
    }
    lines.push(`  ${sc.padEnd(10)} @cors/fetch ${us(s.ours)}, headers only ${us(s.headers)}`);
  }
  lines.push('', 'Hono targets:');
  for (const t of result.targets) {
    const detail = t.reference !== undefined ? ` (headers only: ${times(t.reference)})` : '';
    lines.push(`  ${t.met ? 'met    ' : 'not met'}  ${t.label}: ${times(t.value)}${detail}`);
  }
  return lines.join('\n');
}
