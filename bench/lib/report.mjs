// Turns per-round measurements into medians, shares, targets, console tables and the SVG chart.
import { ALL_VARIANTS, FRAMEWORKS, PEER_NAMES, OURS_NAMES, SCENARIOS, variantLabel } from './setup.mjs';
import { linearFit, median, paired, summary } from './stats.mjs';
import { barPanel, COLORS, document, formatNumber, legend, linePanel, text } from './svg.mjs';

const key = (...parts) => parts.join('|');

/** In-process: per-cell medians, and the CORS share of peer and ours as medians of per-round differences. */
export function analyseInProcess(raw) {
  const cells = [];
  const shares = [];
  for (const framework of FRAMEWORKS) {
    for (const scenario of SCENARIOS) {
      const rounds = {};
      for (const variant of ALL_VARIANTS) {
        const r = raw.get(key(framework, variant, scenario.id));
        if (!r) continue;
        rounds[variant] = r.us;
        cells.push({
          framework,
          variant,
          scenario: scenario.id,
          usPerRequest: summary(r.us),
          wallUsPerRequest: summary(r.wallUs),
          rounds: r.us.map(round3),
          iterations: r.iterations,
        });
      }
      if (!rounds.none) continue;
      const entry = { framework, scenario: scenario.id };
      for (const variant of ['floor', 'peer', 'ours']) {
        if (!rounds[variant]) continue;
        entry[variant] = summary(paired(rounds[variant], rounds.none));
      }
      if (entry.peer && entry.ours) entry.oursOverPeer = entry.ours.median / entry.peer.median;
      shares.push(entry);
    }
  }
  return { cells, shares };
}

/** HTTP: per-cell medians of server CPU per request and requests per second; ours and the peer against none
 * as medians of per-round ratios. */
export function analyseHttp(raw) {
  const cells = [];
  const overhead = [];
  for (const framework of FRAMEWORKS) {
    for (const scenario of SCENARIOS) {
      const rounds = {};
      // Each variant's twin without CORS ran in the variant's process (lib/http-server.mjs); "no CORS" is their
      // per-round mean, or its own process's figures when it ran alone.
      const twins = {};
      for (const variant of ALL_VARIANTS) {
        const twin = raw.get(key(framework, `none@${variant}`, scenario.id));
        if (twin) twins[variant] = twin;
      }
      for (const variant of ALL_VARIANTS) {
        const r = variant === 'none' ? (raw.get(key(framework, 'none', scenario.id)) ?? meanOfTwins(Object.values(twins))) : raw.get(key(framework, variant, scenario.id));
        if (!r) continue;
        rounds[variant] = r;
        cells.push({
          framework,
          variant,
          scenario: scenario.id,
          cpuUsPerRequest: summary(r.cpuUs),
          requestsPerSecond: summary(r.rps),
          roundsCpuUs: r.cpuUs.map(round3),
          roundsRps: r.rps.map((x) => Math.round(x)),
          requests: r.requests,
          errors: r.errors,
          non2xx: r.non2xx,
        });
      }
      if (!rounds.none) continue;
      const entry = { framework, scenario: scenario.id };
      for (const variant of ['floor', 'peer', 'ours']) {
        if (!rounds[variant]) continue;
        const base = twins[variant] ?? rounds.none;
        entry[variant] = summary(paired(rounds[variant].cpuUs, base.cpuUs, (a, b) => a / b - 1));
      }
      overhead.push(entry);
    }
  }
  return { cells, overhead };
}

/** Per-round means of the twins' figures (NaN where none ran that round); request counts add up. */
function meanOfTwins(twins) {
  if (twins.length === 0) return undefined;
  const rounds = Math.max(...twins.map((t) => t.cpuUs.length));
  const mean = (field, i) => {
    const values = twins.map((t) => t[field][i]).filter(Number.isFinite);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  };
  return {
    cpuUs: Array.from({ length: rounds }, (_, i) => mean('cpuUs', i)),
    rps: Array.from({ length: rounds }, (_, i) => mean('rps', i)),
    requests: twins.reduce((n, t) => n + (t.requests ?? 0), 0),
    errors: 0,
    non2xx: twins.reduce((n, t) => n + (t.non2xx ?? 0), 0),
  };
}

/** Core: per-cell medians, ratios to the smallest size of the same family and case, and linear fits. */
export function analyseCore(raw, cellInfo) {
  const cells = cellInfo.map((info) => {
    const r = raw.get(info.id);
    return { ...info, nsPerDecision: r ? summary(r.ns) : null, wallNsPerDecision: r ? summary(r.wallNs) : null, rounds: r ? r.ns.map(round3) : [] };
  });
  const byId = new Map(cells.map((c) => [c.id, c]));
  for (const c of cells) {
    if (c.family === 'headers' || !c.nsPerDecision) continue;
    const smallest = Math.min(...cells.filter((o) => o.family === c.family).map((o) => o.size));
    const baseCell = byId.get(`${c.family}/${smallest}/${c.case}`);
    // Per-round ratios, so that a slow round slows both sides of the ratio.
    const baseRounds = raw.get(baseCell.id)?.ns ?? [];
    c.overSmallest = summary(paired(raw.get(c.id).ns, baseRounds, (a, b) => a / b));
  }
  const fits = [];
  for (const input of [...new Set(cells.filter((c) => c.family === 'headers').map((c) => c.input))]) {
    const points = cells.filter((c) => c.family === 'headers' && c.input === input && c.nsPerDecision);
    if (points.length < 2) continue;
    const fit = linearFit(
      points.map((p) => p.size),
      points.map((p) => p.nsPerDecision.median),
    );
    fits.push({ input, nsPerKiB: fit.slope, interceptNs: fit.intercept, r2: fit.r2 });
  }
  return { cells, fits };
}

/** The targets of issue 6, each met, not met, or unknown (a variant or figure missing). */
export function evaluateTargets({ inProcess, http, core }) {
  const targets = [];
  if (inProcess) {
    const details = [];
    let met = true;
    let known = true;
    for (const framework of FRAMEWORKS) {
      for (const scenario of ['allowed', 'refused']) {
        const s = inProcess.shares.find((e) => e.framework === framework && e.scenario === scenario);
        if (!s?.peer || !s?.ours) {
          known = false;
          details.push(`${framework} ${scenario}: missing`);
          continue;
        }
        const ratio = s.ours.median / s.peer.median;
        const ok = s.peer.median > 0 && ratio <= 0.5;
        if (!ok) met = false;
        const floor = s.floor ? ` (headers-only floor ${fmtUs(s.floor.median)} = ${(s.floor.median / s.peer.median).toFixed(2)}x)` : '';
        details.push(
          `${framework} ${scenario}: ours ${fmtUs(s.ours.median)} vs ${PEER_NAMES[framework]} ${fmtUs(s.peer.median)} = ${ratio.toFixed(2)}x ${ok ? 'ok' : 'MISSED'}${floor}`,
        );
      }
    }
    targets.push({
      id: 'share-half',
      text: "In-process CORS share of ours at most half the peer's, every framework, allowed and refused actual requests",
      met: known ? met : met ? null : false,
      details,
    });

    const pre = [];
    let preMet = true;
    let preKnown = true;
    for (const framework of FRAMEWORKS) {
      const peer = inProcess.cells.find((c) => c.framework === framework && c.variant === 'peer' && c.scenario === 'preflight');
      const ours = inProcess.cells.find((c) => c.framework === framework && c.variant === 'ours' && c.scenario === 'preflight');
      if (!peer || !ours) {
        preKnown = false;
        pre.push(`${framework}: missing`);
        continue;
      }
      const ratio = median(paired(ours.rounds, peer.rounds, (a, b) => a / b));
      const ok = ours.usPerRequest.median < peer.usPerRequest.median;
      if (!ok) preMet = false;
      pre.push(
        `${framework}: ours ${fmtUs(ours.usPerRequest.median)} vs ${PEER_NAMES[framework]} ${fmtUs(peer.usPerRequest.median)} per preflight (${ratio.toFixed(2)}x) ${ok ? 'ok' : 'MISSED'}`,
      );
    }
    targets.push({
      id: 'preflight-total',
      text: "Our allowed preflight costs less in total than the peer's, every framework (in-process)",
      met: preKnown ? preMet : preMet ? null : false,
      details: pre,
    });
  }
  if (http) {
    const details = [];
    let met = true;
    let known = true;
    for (const framework of FRAMEWORKS) {
      for (const scenario of SCENARIOS.filter((s) => s.actual)) {
        const o = http.overhead.find((e) => e.framework === framework && e.scenario === scenario.id);
        if (!o?.ours) {
          known = false;
          details.push(`${framework} ${scenario.id}: missing`);
          continue;
        }
        const ok = o.ours.median <= 0.05;
        if (!ok) met = false;
        const floor = o.floor ? `, headers-only floor ${pct(o.floor.median)}` : '';
        details.push(
          `${framework} ${scenario.id}: ${pctRange(o.ours)} CPU per request vs no CORS (${PEER_NAMES[framework]}: ${o.peer ? pct(o.peer.median) : 'n/a'}${floor}) ${ok ? 'ok' : 'MISSED'}`,
        );
      }
    }
    targets.push({
      id: 'http-cpu-5pct',
      text: 'Over HTTP, server CPU per request with ours within 5% of the same server with no CORS (actual requests)',
      met: known ? met : met ? null : false,
      details,
    });
  }
  if (core) {
    const details = [];
    let met = true;
    let known = true;
    const caseText = {
      'allowed-one': 'allowed, the same origin in every request',
      allowed: 'allowed, requests spread over 1,024 allowed origins',
      refused: 'refused, 1,024 different origins',
    };
    for (const c of ['allowed-one', 'allowed', 'refused']) {
      const cell = core.cells.find((x) => x.family === 'exact' && x.size === 10000 && x.case === c);
      if (!cell?.overSmallest) {
        known = false;
        continue;
      }
      const ok = cell.overSmallest.median <= 1.5;
      if (!ok) met = false;
      const base = core.cells.find((x) => x.family === 'exact' && x.size === 1 && x.case === c);
      details.push(
        `${caseText[c]}: 10,000 exact origins ${fmtNs(cell.nsPerDecision.median)} vs ${fmtNs(base?.nsPerDecision?.median)} with one = ${cell.overSmallest.median.toFixed(2)}x ${ok ? 'ok' : 'MISSED'}`,
      );
    }
    targets.push({
      id: 'exact-flat',
      text: 'With 10,000 exact origins a decision costs at most 1.5x the one-origin decision (every traffic pattern)',
      met: known ? met : met ? null : false,
      details,
    });

    const big = core.cells.filter((x) => x.family === 'headers' && x.size === 16 && x.nsPerDecision);
    if (big.length > 0) {
      const worst = big.reduce((a, b) => (b.nsPerDecision.median > a.nsPerDecision.median ? b : a));
      const ok = worst.nsPerDecision.median < 1e6;
      targets.push({
        id: 'headers-16k',
        text: '16 KiB of adversarial Access-Control-Request-Headers decided in under a millisecond',
        met: ok,
        details: [`worst input "${worst.input}": ${fmtNs(worst.nsPerDecision.median)} per decision ${ok ? 'ok' : 'MISSED'}`],
      });
    } else {
      targets.push({ id: 'headers-16k', text: '16 KiB of adversarial Access-Control-Request-Headers decided in under a millisecond', met: null, details: [] });
    }
  }
  return targets;
}

// ---------------------------------------------------------------------------------------------- console

function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (r) => r.map((c, i) => pad(c, widths[i], i > 1)).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

export const fmtUs = (us) => (Number.isFinite(us) ? `${us.toFixed(us < 10 ? 2 : 1)} µs` : 'n/a');
export const fmtNs = (ns) => (!Number.isFinite(ns) ? 'n/a' : ns >= 1e4 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
const pct = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : 'n/a');
/** A median with the middle half of the rounds, for figures whose noise matters: +4.1% (+2.0..+6.3). */
const pctRange = (s) => {
  if (!s || !Number.isFinite(s.median)) return 'n/a';
  return s.n >= 3 ? `${pct(s.median)} (${pct(s.q1)}..${pct(s.q3)})` : pct(s.median);
};
const scenarioLabel = (id) => SCENARIOS.find((s) => s.id === id)?.label ?? id;
const round3 = (x) => Math.round(x * 1000) / 1000;

export function formatTables(results) {
  const out = [];
  const { inProcess, http, core } = results;
  if (inProcess) {
    out.push(`In-process cost per request (CPU µs, median of ${results.meta.options.rounds} interleaved rounds; share = variant minus no CORS, paired per round)`);
    const withFloor = inProcess.cells.some((c) => c.variant === 'floor');
    const rows = [];
    for (const framework of FRAMEWORKS) {
      for (const scenario of SCENARIOS) {
        const get = (v) => inProcess.cells.find((c) => c.framework === framework && c.variant === v && c.scenario === scenario.id)?.usPerRequest.median;
        const share = inProcess.shares.find((s) => s.framework === framework && s.scenario === scenario.id);
        if (get('none') === undefined && get('peer') === undefined && get('ours') === undefined) continue;
        rows.push([
          framework,
          scenarioLabel(scenario.id),
          num(get('none')),
          ...(withFloor ? [num(get('floor'))] : []),
          num(get('peer')),
          num(get('ours')),
          ...(withFloor ? [num(share?.floor?.median)] : []),
          num(share?.peer?.median),
          num(share?.ours?.median),
          share?.oursOverPeer !== undefined ? `${share.oursOverPeer.toFixed(2)}x` : 'n/a',
        ]);
      }
    }
    out.push(
      table(
        ['framework', 'scenario', 'no CORS', ...(withFloor ? ['floor'] : []), 'peer', 'ours', ...(withFloor ? ['floor share'] : []), 'peer share', 'our share', 'ours/peer share'],
        rows,
      ),
    );
    if (withFloor) out.push('floor = a middleware with no decision logic that writes exactly the headers ours writes.');
    out.push('peer = cors (express), @koa/cors (koa), @fastify/cors (fastify). Preflight shares compare against an OPTIONS request without CORS, which does something else: judge preflights on totals.');
    out.push('');
  }
  if (http) {
    out.push(`Over HTTP: server CPU per request (µs, user+system) and requests per second (median of ${results.meta.options.httpRounds} interleaved rounds)`);
    const withFloor = http.cells.some((c) => c.variant === 'floor');
    const rows = [];
    for (const framework of FRAMEWORKS) {
      for (const scenario of SCENARIOS) {
        const get = (v, f) => http.cells.find((c) => c.framework === framework && c.variant === v && c.scenario === scenario.id)?.[f].median;
        const o = http.overhead.find((e) => e.framework === framework && e.scenario === scenario.id);
        if (get('none', 'cpuUsPerRequest') === undefined && get('ours', 'cpuUsPerRequest') === undefined) continue;
        rows.push([
          framework,
          scenarioLabel(scenario.id),
          num(get('none', 'cpuUsPerRequest')),
          ...(withFloor ? [num(get('floor', 'cpuUsPerRequest'))] : []),
          num(get('peer', 'cpuUsPerRequest')),
          num(get('ours', 'cpuUsPerRequest')),
          ...(withFloor ? [pct(o?.floor?.median)] : []),
          pctRange(o?.peer),
          pctRange(o?.ours),
          int(get('none', 'requestsPerSecond')),
          int(get('peer', 'requestsPerSecond')),
          int(get('ours', 'requestsPerSecond')),
        ]);
      }
    }
    out.push(
      table(
        [
          'framework',
          'scenario',
          'CPU none',
          ...(withFloor ? ['CPU floor'] : []),
          'CPU peer',
          'CPU ours',
          ...(withFloor ? ['floor vs none'] : []),
          'peer vs none (IQR)',
          'ours vs none (IQR)',
          'rps none',
          'rps peer',
          'rps ours',
        ],
        rows,
      ),
    );
    out.push('"CPU none" is the mean of the twins without CORS that ran beside each variant, in its process; "vs none" is the median of per-round ratios of a variant to its own twin; in brackets the middle half of the rounds, which shows how much noise there is.');
    out.push('');
  }
  if (core) {
    out.push(`@cors/core alone: one decision (median of ${results.meta.options.coreRounds} interleaved rounds)`);
    const rows = [];
    const fig = (family, size, c) => {
      const cell = core.cells.find((x) => x.family === family && x.size === size && x.case === c);
      return [fmtNs(cell?.nsPerDecision?.median), cell?.overSmallest ? `${cell.overSmallest.median.toFixed(2)}x` : ''];
    };
    for (const family of ['exact', 'patterns']) {
      const sizes = [...new Set(core.cells.filter((c) => c.family === family).map((c) => c.size))];
      for (const size of sizes) {
        const any = core.cells.find((c) => c.family === family && c.size === size);
        rows.push([
          family === 'exact' ? 'exact origins' : "patterns ('https://*.x.example.com')",
          size.toLocaleString('en-US'),
          ...(family === 'exact' ? fig(family, size, 'allowed-one') : ['', '']),
          ...fig(family, size, 'allowed'),
          ...fig(family, size, 'refused'),
          `${(any?.compileMs ?? NaN).toFixed(1)} ms`,
        ]);
      }
    }
    out.push(table(['allowlist', 'entries', 'allowed, one origin', 'vs 1', 'allowed, spread', 'vs 1', 'refused', 'vs 1', 'createCorsPolicy'], rows));
    out.push('allowed, one origin: every request from the same allowed origin; spread: from up to 1,024 different allowed origins (or patterns\' subdomains); refused: 1,024 different origins.');
    out.push('');
    const inputs = [...new Set(core.cells.filter((c) => c.family === 'headers').map((c) => c.input))];
    const sizes = [...new Set(core.cells.filter((c) => c.family === 'headers').map((c) => c.size))];
    const hrows = inputs.map((input) => {
      const fit = core.fits.find((f) => f.input === input);
      return [
        input,
        '',
        ...sizes.map((s) => fmtNs(core.cells.find((c) => c.family === 'headers' && c.input === input && c.size === s)?.nsPerDecision?.median)),
        fit ? `${fit.nsPerKiB.toFixed(0)} ns` : 'n/a',
        fit ? fit.r2.toFixed(3) : 'n/a',
      ];
    });
    out.push('Preflight with adversarial Access-Control-Request-Headers (time per decision by header size)');
    out.push(table(['input', '', ...sizes.map((s) => `${s} KiB`), 'per KiB', 'R² linear'], hrows));
    out.push('');
  }
  if (results.targets?.length) {
    out.push('Targets');
    for (const t of results.targets) {
      out.push(`  [${t.met === true ? 'met' : t.met === false ? 'NOT MET' : 'unknown'}] ${t.text}`);
      for (const d of t.details) out.push(`      ${d}`);
    }
    out.push('');
  }
  return out.join('\n');
}

function num(x) {
  return Number.isFinite(x) ? x.toFixed(Math.abs(x) < 10 ? 2 : 1) : 'n/a';
}
function int(x) {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a';
}

// ---------------------------------------------------------------------------------------------- chart

/** The variants drawn: always none, peer and ours; floor when it was measured. */
function chartVariants(cells) {
  return ALL_VARIANTS.filter((v) => v !== 'floor' || cells.some((c) => c.variant === 'floor'));
}

export function renderChart(results) {
  const W = 1260;
  const panelW = 404;
  const gap = 14;
  const margin = 14;
  const panelH = 300;
  const parts = [];
  const { meta } = results;
  parts.push(text(margin, 28, '@cors beside cors, @koa/cors and @fastify/cors', { size: 19, weight: 'bold' }));
  parts.push(
    text(
      margin,
      48,
      `${meta.date.slice(0, 10)} · Node ${meta.node} · ${meta.cpu.model} × ${meta.cpu.cores} cores · ${meta.platform}` +
        `${meta.smoke ? ' · SMOKE RUN (numbers not meaningful)' : ''}`,
      { size: 12, fill: '#444' },
    ),
  );
  parts.push(
    text(
      margin,
      64,
      'Medians of interleaved rounds, all variants in one run; whiskers span the middle half of the rounds. Lower is better everywhere.',
      { size: 11, fill: '#666' },
    ),
  );
  let y = 78;
  const rowLegend = (yy, cells) =>
    legend(margin, yy, [
      { color: COLORS.none, label: 'no CORS' },
      ...(chartVariants(cells).includes('floor') ? [{ color: COLORS.floor, label: 'headers only (floor)' }] : []),
      { color: COLORS.peer, label: 'peer (cors / @koa/cors / @fastify/cors)' },
      { color: COLORS.ours, label: 'ours (@cors/express / @cors/koa / @cors/fastify)' },
    ]);
  const scenarioShort = { allowed: 'allowed actual', refused: 'refused actual', 'no-origin': 'no Origin', preflight: 'allowed preflight' };
  // One bar group per scenario, one bar per variant, from the median and quartiles of `metric`.
  const scenarioGroups = (cells, framework, metric) =>
    SCENARIOS.map((s) => ({
      label: scenarioShort[s.id],
      bars: chartVariants(cells).map((v) => {
        const c = cells.find((x) => x.framework === framework && x.variant === v && x.scenario === s.id);
        return { value: c?.[metric].median ?? NaN, q1: c?.[metric].q1, q3: c?.[metric].q3, color: COLORS[v], label: variantLabel(framework, v) };
      }),
    }));

  if (results.inProcess) {
    parts.push(text(margin, y + 14, 'In-process cost per request, no sockets (CPU µs)', { size: 14, weight: 'bold' }));
    parts.push(rowLegend(y + 32, results.inProcess.cells));
    y += 40;
    FRAMEWORKS.forEach((framework, i) => {
      const groups = scenarioGroups(results.inProcess.cells, framework, 'usPerRequest');
      const shares = ['allowed', 'refused']
        .map((id) => {
          const s = results.inProcess.shares.find((e) => e.framework === framework && e.scenario === id);
          return s?.oursOverPeer !== undefined ? `${id} ${s.oursOverPeer.toFixed(2)}x` : null;
        })
        .filter(Boolean)
        .join(', ');
      parts.push(
        barPanel({
          x: margin + i * (panelW + gap),
          y,
          w: panelW,
          h: panelH,
          title: `${framework}: ${PEER_NAMES[framework]} vs ${OURS_NAMES[framework]}`,
          subtitle: `${framework === 'fastify' ? 'app.routing dispatch' : 'direct call'}${shares ? ` · share ours/peer: ${shares}` : ''}`,
          yLabel: 'µs per request',
          groups,
        }),
      );
    });
    y += panelH + 16;
  }

  if (results.http) {
    parts.push(text(margin, y + 14, 'Over HTTP (autocannon): server CPU time per request (µs, user + system)', { size: 14, weight: 'bold' }));
    parts.push(rowLegend(y + 32, results.http.cells));
    y += 40;
    FRAMEWORKS.forEach((framework, i) => {
      const groups = scenarioGroups(results.http.cells, framework, 'cpuUsPerRequest');
      const o = results.http.overhead.find((e) => e.framework === framework && e.scenario === 'allowed');
      parts.push(
        barPanel({
          x: margin + i * (panelW + gap),
          y,
          w: panelW,
          h: panelH,
          title: `${framework} over HTTP`,
          subtitle: o?.ours ? `allowed request: ours ${pct(o.ours.median)} CPU vs no CORS, ${PEER_NAMES[framework]} ${o.peer ? pct(o.peer.median) : 'n/a'}` : '',
          yLabel: 'server CPU µs per request',
          groups,
        }),
      );
    });
    y += panelH + 16;
  }

  if (results.core) {
    parts.push(text(margin, y + 14, '@cors/core alone: cost of one decision as the input grows', { size: 14, weight: 'bold' }));
    y += 24;
    const cells = results.core.cells;
    const series = (family, c, name, color, dashed) => ({
      name,
      color,
      dashed,
      points: cells.filter((x) => x.family === family && x.case === c && x.nsPerDecision).map((x) => [x.size, x.nsPerDecision.median]),
    });
    parts.push(
      linePanel({
        x: margin,
        y,
        w: panelW,
        h: panelH,
        title: 'Exact origins in the allowlist',
        subtitle: 'expected flat: one hash look-up whatever the size',
        xLabel: 'exact origins configured (log scale)',
        yLabel: 'ns per decision',
        xLog: true,
        series: [
          series('exact', 'allowed-one', 'allowed, one origin', '#27ae60'),
          series('exact', 'allowed', 'allowed, 1,024 origins', '#2f6fbd'),
          series('exact', 'refused', 'refused', '#c0392b', true),
        ],
      }),
    );
    parts.push(
      linePanel({
        x: margin + panelW + gap,
        y,
        w: panelW,
        h: panelH,
        title: "Subdomain patterns ('https://*.t-N.example.com')",
        subtitle: 'expected flat: one Map look-up per label of the host',
        xLabel: 'patterns configured (log scale)',
        yLabel: 'ns per decision',
        xLog: true,
        series: [series('patterns', 'allowed', 'allowed, 1,024 subdomains', '#2f6fbd'), series('patterns', 'refused', 'refused', '#c0392b', true)],
      }),
    );
    const inputs = [...new Set(cells.filter((c) => c.family === 'headers').map((c) => c.input))];
    const sizes = [...new Set(cells.filter((c) => c.family === 'headers').map((c) => c.size))];
    parts.push(
      linePanel({
        x: margin + 2 * (panelW + gap),
        y,
        w: panelW,
        h: panelH,
        title: 'Adversarial Access-Control-Request-Headers',
        subtitle: 'expected linear (one pass); target < 1 ms at 16 KiB',
        xLabel: 'header size (KiB)',
        yLabel: 'µs per preflight decision',
        xTicks: sizes,
        legendColumns: 2,
        series: inputs.map((input) => ({
          name: input,
          points: cells.filter((x) => x.family === 'headers' && x.input === input && x.nsPerDecision).map((x) => [x.size, x.nsPerDecision.median / 1e3]),
        })),
      }),
    );
    y += panelH + 10;
  }
  const failed = results.failures?.length ? ` · ${results.failures.length} variant(s) failed, see results.json` : '';
  parts.push(text(margin, y + 14, `Made by bench/run.mjs${failed}. ${formatNumber(results.meta.durationS)} s run.`, { size: 10.5, fill: '#777' }));
  return document(W, y + 24, parts.join('\n'));
}
