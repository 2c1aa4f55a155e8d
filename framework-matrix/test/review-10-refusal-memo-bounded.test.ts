// Security review, finding 10, through real servers: the refusal memo kept every refused raw Origin, so refused
// requests with unique 15 KB origins cost about 15 MB per policy (310 MB with twenty per-route policies). The
// servers run in this process, so its heap after garbage collection is what each policy keeps.
import { Agent, request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { START_REFERENCE_APP } from '../src/servers/index.js';
import { FRAMEWORK_MAJORS, type RunningServer } from '../src/types.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Separate apps, so separate policies, as per-route policies are. */
const POLICIES = 2;
/** Refused origins per kind of request (actual and preflight), as the review sent them. */
const ORIGINS = 511;
const ORIGIN_LENGTH = 15_000;
const MB = 1024 * 1024;

interface Answer {
  status: number;
  corsHeaders: string[];
}

/** One request over a kept-alive connection, so thousands of them stay quick. */
function send(agent: Agent, server: RunningServer, method: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port: server.port, method, path: '/resource', headers }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, corsHeaders: Object.keys(res.headers).filter((n) => n.startsWith('access-control-')) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

for (const fm of FRAMEWORK_MAJORS) {
  describe(`review-10-refusal-memo-bounded on ${fm.label}`, () => {
    const servers: RunningServer[] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    beforeAll(async () => {
      for (let i = 0; i < POLICIES; i++) {
        servers.push(await START_REFERENCE_APP[fm.framework](fm.major, { cors: { origin: 'https://app.example.com', credentials: true } }));
      }
    });
    afterAll(async () => {
      agent.destroy();
      for (const server of servers) await server.close();
    });

    it(`${POLICIES} policies refusing 2 x ${ORIGINS} unique 15 KB origins keep no more than a few MB`, async () => {
      // Warm up each server (lazy framework state), then measure.
      for (const server of servers) await send(agent, server, 'GET', { origin: 'https://warm.example.net' });
      const before = heapAfterGc();
      const work: Array<() => Promise<Answer>> = [];
      servers.forEach((server, s) => {
        for (let i = 0; i < ORIGINS; i++) {
          // Built when sent, so that the test itself keeps none of them.
          const origin = (fill: string) => `https://s${s}-${i}-${fill.repeat(ORIGIN_LENGTH - 30)}.com`;
          work.push(() => send(agent, server, 'GET', { origin: origin('a') }));
          work.push(() => send(agent, server, 'OPTIONS', { origin: origin('p'), 'access-control-request-method': 'GET' }));
        }
      });
      let next = 0;
      const answers: Answer[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < work.length) answers.push(await work[next++]!());
        }),
      );
      const grown = (heapAfterGc() - before) / MB;
      expect(answers).toHaveLength(2 * POLICIES * ORIGINS);
      for (const answer of answers) {
        expect(answer.corsHeaders).toEqual([]);
        expect([200, 403]).toContain(answer.status);
      }
      expect(answers.filter((a) => a.status === 403)).toHaveLength(POLICIES * ORIGINS);
      // Before the fix: about 15 MB per policy.
      expect(grown).toBeLessThan(8);
    });
  });
}
