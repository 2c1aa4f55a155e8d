// Every preflight answer @cors/fastify gives, read off the socket as bytes: the CORS headers and Vary in the one
// spelling the core gives them (lower case), each once; an empty body; on a 204 no Content-Length at all
// (RFC 9110, 8.6), on any other status `content-length: 0`. On Fastify 4 and 5.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { corsPlugin as cors, createFastify, listenFastify, type FastifyApp } from '../src/servers/fastify.js';
import type { RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
const OTHER = 'https://other.example.com';

interface WireAnswer {
  status: number;
  /** Header lines as sent: [name exactly as written, value]. */
  lines: Array<[string, string]>;
  body: string;
}

/** One request over a fresh socket; the answer's head as the bytes spell it. */
function onTheWire(port: number, path: string, headers: Array<[string, string]>): Promise<WireAnswer> {
  const request = [`OPTIONS ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...headers.map(([n, v]) => `${n}: ${v}`)].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`timeout: ${path}`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = text.slice(0, end).split('\r\n');
      resolve({
        status: Number(statusLine!.split(' ')[1]),
        lines: headerLines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon), line.slice(colon + 1).trim()];
        }),
        body: text.slice(end + 4),
      });
    });
    socket.write(`${request}\r\n\r\n`);
  });
}

const preflight = (origin: string, method: string, ...more: Array<[string, string]>): Array<[string, string]> => [
  ['Origin', origin],
  ['Access-Control-Request-Method', method],
  ...more,
];

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** What every preflight answer must look like on the wire, whatever it decided. */
function expectOneSpelling(answer: WireAnswer, label: string): void {
  const ours = answer.lines.filter(([name]) => /^(access-control-|vary$|content-length$|cors-refusal$)/i.test(name));
  for (const [name] of ours) expect(name, `${label}: ${name}`).toBe(name.toLowerCase());
  const names = ours.map(([name]) => name.toLowerCase());
  expect(new Set(names).size, `${label}: repeated header in ${names.join(', ')}`).toBe(names.length);
  expect(answer.body, label).toBe('');
  expect(answer.lines.some(([name]) => name.toLowerCase() === 'transfer-encoding'), label).toBe(false);
  const contentLength = answer.lines.filter(([name]) => name.toLowerCase() === 'content-length').map(([, value]) => value);
  expect(contentLength, `${label}: Content-Length on ${answer.status}`).toEqual(answer.status === 204 ? [] : ['0']);
}

for (const major of [4, 5]) {
  describe(`fastify ${major}: preflight answers on the wire`, () => {
    async function serve(setup: (app: FastifyApp) => Promise<void>): Promise<number> {
      const app = createFastify(major);
      await setup(app);
      const server = await listenFastify(app);
      running.push(server);
      return server.port;
    }

    it('allowed, refused, per route, unknown paths and other contexts: one spelling, no Content-Length on 204', async () => {
      const port = await serve(async (app) => {
        await app.register(async (a: FastifyApp) => {
          await a.register(cors, { origin: APP, credentials: true, methods: ['GET', 'PUT', 'DELETE'], allowedHeaders: ['x-token'], maxAge: 60, debug: true });
          a.get('/x', async () => 'x');
          a.put('/x', { config: { cors: { preflightStatus: 200, exposedHeaders: ['x-id'] } } }, async () => 'put');
          a.delete('/off', { config: { cors: false } }, async () => 'off');
          // The application's own Vary on every answer, set by a hook after the plugin.
          a.addHook('onSend', (_request: unknown, reply: any, payload: unknown, done: (e: null, p: unknown) => void) => {
            reply.header('Vary', 'Accept-Encoding');
            done(null, payload);
          });
        });
        await app.register(async (b: FastifyApp) => {
          b.delete('/x', async () => 'b');
        });
      });
      const cases: Array<[label: string, path: string, headers: Array<[string, string]>, status: number]> = [
        ['allowed', '/x', preflight(APP, 'GET', ['Access-Control-Request-Headers', 'X-Token']), 204],
        ['allowed by the route, preflightStatus 200', '/x', preflight(APP, 'PUT'), 200],
        ['refused origin', '/x', preflight(OTHER, 'GET'), 403],
        ['refused header', '/x', preflight(APP, 'GET', ['Access-Control-Request-Headers', 'x-secret']), 403],
        ['config.cors false', '/off', preflight(APP, 'DELETE'), 403],
        ["another context's route", '/x', preflight(APP, 'DELETE'), 403],
      ];
      for (const [label, path, headers, status] of cases) {
        const answer = await onTheWire(port, path, headers);
        expect(answer.status, label).toBe(status);
        expectOneSpelling(answer, label);
      }
      const allowed = await onTheWire(port, '/x', preflight(APP, 'GET'));
      expect(allowed.lines.filter(([name]) => name.startsWith('access-control-')).map(([name]) => name)).toEqual([
        'access-control-allow-origin',
        'access-control-allow-credentials',
        'access-control-allow-methods',
        'access-control-allow-headers',
        'access-control-max-age',
      ]);
      expect(allowed.lines.filter(([name]) => name.toLowerCase() === 'vary')).toEqual([['vary', 'Accept-Encoding, Origin']]);
      const refused = await onTheWire(port, '/x', preflight(OTHER, 'GET'));
      expect(refused.lines.filter(([name]) => name.startsWith('access-control-'))).toEqual([]);
      expect(refused.lines.find(([name]) => name === 'cors-refusal')?.[1]).toContain('origin-not-allowed');
    });

    it('at the root: preflights to unknown paths, and with a preflightStatus of 200', async () => {
      for (const preflightStatus of [204, 200]) {
        const port = await serve(async (app) => {
          await app.register(cors, { origin: APP, preflightStatus });
        });
        for (const [label, headers, status] of [
          ['unknown path, allowed', preflight(APP, 'GET'), preflightStatus],
          ['unknown path, refused', preflight(APP, 'PATCH'), 403],
        ] as const) {
          const answer = await onTheWire(port, '/nowhere', [...headers]);
          expect(answer.status, label).toBe(status);
          expectOneSpelling(answer, `${label} (${preflightStatus})`);
        }
      }
    });
  });
}
