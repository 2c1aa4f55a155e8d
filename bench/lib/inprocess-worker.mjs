// One framework with one variant, in a process of its own, so that no other middleware shares its inline caches
// and optimised code. Usage (by run.mjs): node inprocess-worker.mjs <framework> <variant>
import { createRunner } from './apps.mjs';
import { checkAnswer, scenarioById } from './setup.mjs';
import { serve, start } from './child.mjs';

const [framework, variant] = process.argv.slice(2);
const runner = await start(() => createRunner(framework, variant));

/**
 * Handles `n` requests of one scenario; returns the elapsed wall-clock nanoseconds and the process's CPU
 * microseconds (user + system, GC threads included). Yields to the event loop every 1,024 requests: a tight await
 * loop that never yields grows the heap by ~10 KB a request until the process dies.
 */
async function batch(scenario, n) {
  const one = runner.one;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const pending = one(scenario);
    if (pending !== undefined) await pending;
    if ((i & 1023) === 1023) await new Promise(setImmediate);
  }
  const ns = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  return { ns, cpuUs: used.user + used.system };
}

serve({
  /** Checks every scenario's answer; returns the problems (an empty list when the variant behaves). */
  async check({ scenarios }) {
    const problems = [];
    for (const id of scenarios) {
      const scenario = scenarioById(id);
      const answer = await runner.inspect(scenario);
      const problem = checkAnswer(variant, scenario, answer.get, answer.status);
      if (problem) problems.push(`${id}: ${problem}`);
    }
    return problems;
  },

  /** Warms a scenario up for `warmupMs`, then returns how many requests take about `batchMs`. */
  async calibrate({ scenario: id, warmupMs, batchMs }) {
    const scenario = scenarioById(id);
    let n = 64;
    let spent = 0;
    let done = 0;
    const deadline = warmupMs * 1e6;
    while (spent < deadline) {
      const { ns } = await batch(scenario, n);
      spent += ns;
      done += n;
      if (ns < 20e6) n *= 2;
    }
    const nsPerRequest = spent / done;
    return { iterations: Math.max(256, Math.round((batchMs * 1e6) / nsPerRequest)), nsPerRequest };
  },

  async run({ scenario: id, iterations }) {
    const { ns, cpuUs } = await batch(scenarioById(id), iterations);
    return { ns, cpuUs, iterations, heapUsed: process.memoryUsage().heapUsed };
  },

  async exit() {
    await runner.close();
  },
});
