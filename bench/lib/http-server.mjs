// Real HTTP servers for one framework and one variant, in a process of its own, that report the process's CPU
// time. Beside the variant's server runs its twin without CORS, in the same process: over HTTP a process can
// settle into a state that is faster or slower for its whole life (two identical servers in two processes differ
// by up to ±9% here), and comparing the variant with a twin that shares its process, its heap and its JIT state
// takes that out of the ratio. Only one of the two is driven at a time.
// Usage (by run.mjs): node http-server.mjs <framework> <variant>
import { createHttpServer } from './apps.mjs';
import { serve, start } from './child.mjs';

const [framework, variant] = process.argv.slice(2);
const servers = await start(async () => {
  const own = await createHttpServer(framework, variant);
  return variant === 'none' ? { [variant]: own } : { [variant]: own, none: await createHttpServer(framework, 'none') };
});

let requests = 0;
let firstAt = -1;
let lastAt = -1;
// Counted on the servers' own 'request' event, the same for every framework and variant. The arrival times of
// the first and last request of a window give the request rate without autocannon's start and stop.
const count = () => {
  requests++;
  lastAt = performance.now();
  if (firstAt < 0) firstAt = lastAt;
};
for (const { server } of Object.values(servers)) server.on('request', count);

let mark = null;

serve({
  /** The port of each server: `{ [variant]: port, none: port }`. */
  ports: () => Object.fromEntries(Object.entries(servers).map(([name, { server }]) => [name, server.address().port])),
  /** Starts a measurement window. */
  begin() {
    firstAt = -1;
    mark = { cpu: process.cpuUsage(), requests };
    return null;
  },
  /** Ends it: CPU microseconds (user + system) and requests served since `begin`. */
  end() {
    const cpu = process.cpuUsage(mark.cpu);
    const served = requests - mark.requests;
    return {
      cpuUs: cpu.user + cpu.system,
      userUs: cpu.user,
      systemUs: cpu.system,
      requests: served,
      // Milliseconds between the first and the last arrival, for the request rate without autocannon's start and stop.
      spanMs: served > 1 && lastAt > firstAt ? lastAt - firstAt : NaN,
    };
  },
  exit: () => Promise.all(Object.values(servers).map(({ close }) => close())),
});
