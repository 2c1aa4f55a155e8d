// A real HTTP server for one framework and one variant, in a process of its own, that reports its own CPU time.
// Usage (by run.mjs): node http-server.mjs <framework> <variant>
import { createHttpServer } from './apps.mjs';
import { serve, start } from './child.mjs';

const [framework, variant] = process.argv.slice(2);
const { server, close } = await start(() => createHttpServer(framework, variant));

let requests = 0;
let firstAt = -1;
let lastAt = -1;
// Counted on the server's own 'request' event, the same for every framework and variant. The arrival times of
// the first and last request of a window give the request rate without autocannon's start and stop.
server.on('request', () => {
  requests++;
  lastAt = performance.now();
  if (firstAt < 0) firstAt = lastAt;
});

let mark = null;

serve({
  port: () => server.address().port,
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
      // Requests per second between the first and the last arrival.
      rps: served > 1 && lastAt > firstAt ? ((served - 1) * 1000) / (lastAt - firstAt) : NaN,
    };
  },
  exit: () => close(),
});
