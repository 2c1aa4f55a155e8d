#!/usr/bin/env node
// Profiles one variant on one scenario, in process, the way run.mjs measures it, and prints where the time goes
// per request (self time of each function, divided by the requests handled).
//
//   node bench/profile.mjs <express|koa|fastify> <none|floor|peer|ours> <allowed|refused|no-origin|preflight> [seconds] [--save FILE]
//
// --save writes the .cpuprofile (open it in Chrome DevTools, Performance tab) next to the summary.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRunner } from './lib/apps.mjs';
import { ALL_VARIANTS as VARIANTS, FRAMEWORKS, SCENARIO_IDS, scenarioById } from './lib/setup.mjs';

const args = process.argv.slice(2);
const saveAt = args.indexOf('--save');
const save = saveAt >= 0 ? args.splice(saveAt, 2)[1] : null;
const [framework, variant, scenarioId, seconds = '3'] = args;
if (!FRAMEWORKS.includes(framework) || !VARIANTS.includes(variant) || !SCENARIO_IDS.includes(scenarioId)) {
  process.stderr.write(`usage: node bench/profile.mjs <${FRAMEWORKS.join('|')}> <${VARIANTS.join('|')}> <${SCENARIO_IDS.join('|')}> [seconds] [--save FILE]\n`);
  process.exit(2);
}

const runner = await createRunner(framework, variant);
const scenario = scenarioById(scenarioId);

async function loop(ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1024; i++) {
      const pending = runner.one(scenario);
      if (pending !== undefined) await pending;
    }
    n += 1024;
    await new Promise(setImmediate);
  }
  return n;
}

await loop(500); // warm-up, not profiled
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
const cpu = process.cpuUsage();
const requests = await loop(Number(seconds) * 1000);
const used = process.cpuUsage(cpu);
const { profile } = await session.post('Profiler.stop');
session.disconnect();
await runner.close();
if (save) writeFileSync(save, JSON.stringify(profile));

// Self time per function (name, file, line), over the samples.
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = nodes.get(profile.samples[i]);
  const dt = profile.timeDeltas[i] ?? 0;
  const f = node.callFrame;
  if (f.functionName === '(idle)') continue;
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/packages\//, '@cors/');
  const name = `${f.functionName || '(anonymous)'}  ${file}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  self.set(name, (self.get(name) ?? 0) + dt);
  total += dt;
}
const cpuUs = used.user + used.system;
console.log(`${framework} · ${variant} · ${scenario.label}: ${requests} requests, ${(cpuUs / requests).toFixed(3)} µs CPU per request`);
console.log('self time per request (µs), top 25:');
for (const [name, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${(t / requests).toFixed(3).padStart(8)}  ${((t / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
}
if (save) console.log(`profile written to ${save}`);
