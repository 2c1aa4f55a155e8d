// One Hono or Fetch variant in a process of its own (see hono-apps.mjs). Usage (by hono-phase.mjs):
//   node hono-worker.mjs <variant>
import { createHonoRunner, writesCors } from './hono-apps.mjs';
import { checkAnswer, scenarioById } from './setup.mjs';
import { serve, start } from './child.mjs';

const [variant] = process.argv.slice(2);
const runner = await start(() => createHonoRunner(variant));

async function batch(scenario, n) {
  const one = runner.one;
  const cpu = process.cpuUsage();
  const begin = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const pending = one(scenario);
    if (pending !== undefined) await pending;
    if ((i & 1023) === 1023) await new Promise(setImmediate);
  }
  const ns = Number(process.hrtime.bigint() - begin);
  const used = process.cpuUsage(cpu);
  return { ns, cpuUs: used.user + used.system };
}

serve({
  async check({ scenarios }) {
    const problems = [];
    for (const id of scenarios) {
      const scenario = scenarioById(id);
      const answer = await runner.inspect(scenario);
      // Without CORS a preflight is just an OPTIONS request (Hono: 404); only the missing header is checked.
      const problem = checkAnswer(writesCors(variant) ? 'ours' : 'none', scenario, answer.get, answer.status);
      if (problem) problems.push(`${id}: ${problem}`);
    }
    return problems;
  },

  async calibrate({ scenario: id, warmupMs, batchMs }) {
    const scenario = scenarioById(id);
    let n = 64;
    let spent = 0;
    let done = 0;
    while (spent < warmupMs * 1e6) {
      const { ns } = await batch(scenario, n);
      spent += ns;
      done += n;
      if (ns < 20e6) n *= 2;
    }
    return { iterations: Math.max(256, Math.round((batchMs * 1e6) / (spent / done))) };
  },

  async run({ scenario: id, iterations }) {
    const { ns, cpuUs } = await batch(scenarioById(id), iterations);
    return { ns, cpuUs, iterations };
  },
});
