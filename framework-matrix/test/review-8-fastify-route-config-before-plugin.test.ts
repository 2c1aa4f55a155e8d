// Security review, finding 8, through real Fastify 4 and 5 servers: a route's `config.cors` is read by the
// plugin's `onRoute` hook, so a route declared before that hook existed (`register(cors)` not awaited, or a plugin
// registered before cors) silently got the plugin's policy, preflights included: `cors: false` and narrower
// origin lists were ignored.
//
// Now, where the plugin can tell at start-up (an outer registration read the route's config, and a nearer one
// arrived later), `ready()` rejects with a CorsConfigError that says to await the registration. Where it cannot
// (no hook saw the route at all), the route fails closed: no CORS headers, its preflights refused, and one log
// line.
import { Writable } from 'node:stream';
import { CorsConfigError } from '@cors/core';
import { afterEach, describe, expect, it } from 'vitest';
import { preflight } from '../src/preflight-assertions.js';
import { rawRequest } from '../src/raw-http.js';
import { corsPlugin as cors, listenFastify, loadFastify, type FastifyApp } from '../src/servers/fastify.js';
import type { RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
const OTHER = 'https://other.example.com';

type Header = readonly [string, string];

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** A Fastify app whose log lines (JSON) are collected in `lines`. */
function loggedApp(major: number) {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  const app = loadFastify(major)({ logger: { level: 'info', stream } });
  return { app, lines, corsLines: () => lines.filter((l) => l.msg.includes('@cors/fastify')) };
}

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

for (const major of [4, 5]) {
  describe(`review-8-fastify-route-config-before-plugin on fastify ${major}`, () => {
    async function serve(app: FastifyApp) {
      const server = await listenFastify(app);
      running.push(server);
      return (method: string, path: string, headers: Header[] = []) => rawRequest(server.url, method, path, headers);
    }

    it('ready() rejects when a nearer registration arrives after an outer one read the route’s config', async () => {
      const app = loadFastify(major)({ logger: false });
      await app.register(cors, { origin: [APP, OTHER] });
      app.register(async (child: FastifyApp) => {
        child.register(cors, { origin: APP }); // not awaited
        child.put('/early', { config: { cors: false } }, async () => 'early');
        child.get('/early-get', { config: { cors: { origin: APP } } }, async () => 'early');
      });
      const error = await rejection(app.ready());
      expect(error).toBeInstanceOf(CorsConfigError);
      const problems = (error as CorsConfigError).problems;
      // One per route: the HEAD route Fastify adds for the GET is not listed again.
      expect(problems.map((p) => p.path)).toEqual(['config.cors (PUT /early)', 'config.cors (GET /early-get)']);
      for (const problem of problems) expect(problem.hint).toContain('await');
      await app.close().catch(() => undefined);
    });

    for (const how of ['register(cors) not awaited', 'a plugin registered before cors'] as const) {
      it(`${how}: routes with config.cors fail closed, with one log line each`, async () => {
        const { app, corsLines } = loggedApp(major);
        const routes = (instance: FastifyApp) => {
          instance.put('/off', { config: { cors: false } }, async () => 'off');
          instance.delete('/narrow', { config: { cors: { origin: OTHER } } }, async () => 'narrow');
          instance.get('/plain', async () => 'plain');
        };
        if (how === 'register(cors) not awaited') {
          app.register(cors, { origin: [APP, OTHER], methods: ['GET', 'PUT', 'DELETE'] });
          routes(app);
        } else {
          app.register(async (child: FastifyApp) => routes(child));
          await app.register(cors, { origin: [APP, OTHER], methods: ['GET', 'PUT', 'DELETE'] });
        }
        const send = await serve(app);

        for (const [method, path, body] of [['PUT', '/off', 'off'], ['DELETE', '/narrow', 'narrow']] as const) {
          for (const from of [APP, OTHER]) {
            const res = await send(method, path, [['Origin', from]]);
            expect(res.status).toBe(200);
            expect(res.body).toBe(body);
            expect(res.corsHeaderNames(), `${method} ${path} from ${from}`).toEqual([]);
            const pre = await send('OPTIONS', path, preflight(from, method));
            expect(pre.status, `preflight ${method} ${path} from ${from}`).toBe(403);
            expect(pre.corsHeaderNames()).toEqual([]);
          }
        }
        // One error line per route, however many requests it had, and it says what to do.
        const lines = corsLines().filter((l) => l.level >= 50);
        expect(lines.map((l) => l.msg.match(/(PUT \/off|DELETE \/narrow)/)?.[1]).sort()).toEqual(['DELETE /narrow', 'PUT /off']);
        for (const line of lines) expect(line.msg).toContain('await');

        // A route without config.cors keeps the plugin's policy.
        const plain = await send('GET', '/plain', [['Origin', APP]]);
        expect(plain.header('access-control-allow-origin')).toBe(APP);
      });
    }

    it('a preflight that comes before any request of such a route is refused, and said so once', async () => {
      const { app, corsLines } = loggedApp(major);
      app.register(cors, { origin: APP, methods: ['GET', 'DELETE'] });
      app.delete('/off', { config: { cors: false } }, async () => 'off');
      app.delete('/also-off', { config: { cors: false } }, async () => 'also-off');
      const send = await serve(app);
      for (const path of ['/off', '/also-off', '/off']) {
        const pre = await send('OPTIONS', path, preflight(APP, 'DELETE'));
        expect(pre.status).toBe(403);
        expect(pre.corsHeaderNames()).toEqual([]);
      }
      const warnings = corsLines().filter((l) => l.level === 40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toContain('await');
      // Its actual requests fail closed too.
      expect((await send('DELETE', '/off', [['Origin', APP]])).corsHeaderNames()).toEqual([]);
    });

    it('awaited, the same routes get their own config', async () => {
      const app = loadFastify(major)({ logger: false });
      await app.register(cors, { origin: [APP, OTHER], methods: ['GET', 'PUT', 'DELETE'] });
      app.put('/off', { config: { cors: false } }, async () => 'off');
      app.delete('/narrow', { config: { cors: { origin: OTHER } } }, async () => 'narrow');
      const send = await serve(app);
      expect((await send('PUT', '/off', [['Origin', APP]])).corsHeaderNames()).toEqual([]);
      expect((await send('OPTIONS', '/off', preflight(APP, 'PUT'))).status).toBe(403);
      expect((await send('DELETE', '/narrow', [['Origin', OTHER]])).header('access-control-allow-origin')).toBe(OTHER);
      expect((await send('OPTIONS', '/narrow', preflight(OTHER, 'DELETE'))).status).toBe(204);
      expect((await send('OPTIONS', '/narrow', preflight(APP, 'DELETE'))).status).toBe(403);
    });
  });
}
