// Security review, finding 3 (the Fastify part), through real Fastify 4 and 5 servers: `Vary: Origin` was merged
// back in the plugin's own `onSend` hook, so an `onSend` hook that runs after it (a route-level one, one added
// after the plugin, one in a child context) could replace `Vary` and drop `Origin`, while
// `Access-Control-Allow-Origin` still named one origin. A shared cache then served one origin's answer to another.
//
// Now the tokens are merged at the moment the head is written, whoever set `Vary` and however late.
import { connect, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { preflight } from '../src/preflight-assertions.js';
import { rawRequest, type RawResponse } from '../src/raw-http.js';
import { corsPlugin as cors, createFastify, listenFastify, loadFastify, type FastifyApp } from '../src/servers/fastify.js';
import type { RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
const OTHER = 'https://other.example.com';

type Header = readonly [string, string];
const varyTokens = (res: RawResponse) => (res.header('vary') ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);

/** An onSend hook that replaces Vary, as a compression or content-negotiation hook does. */
function replacingVary(value: string) {
  return (_request: unknown, reply: any, payload: unknown, done: (error: null, payload: unknown) => void) => {
    reply.header('Vary', value);
    done(null, payload);
  };
}

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

for (const major of [4, 5]) {
  describe(`review-3-vary-lost-fastify on fastify ${major}`, () => {
    async function serve(setup: (app: FastifyApp) => Promise<void> | void) {
      const app = createFastify(major);
      await setup(app);
      const server = await listenFastify(app);
      running.push(server);
      return (method: string, path: string, headers: Header[] = []) => rawRequest(server.url, method, path, headers);
    }

    it('a route-level onSend that replaces Vary keeps Origin, allowed, refused and without an Origin', async () => {
      const send = await serve(async (app) => {
        await app.register(cors, { origin: APP });
        app.get('/x', { onSend: replacingVary('Accept-Language') }, async () => 'x');
      });
      for (const headers of [[['Origin', APP]], [['Origin', OTHER]], []] as Header[][]) {
        const res = await send('GET', '/x', headers);
        expect(res.body).toBe('x');
        expect(varyTokens(res)).toEqual(['accept-language', 'origin']);
      }
      expect((await send('GET', '/x', [['Origin', APP]])).header('access-control-allow-origin')).toBe(APP);
    });

    it('an onSend added after the plugin at the root keeps Origin, on errors and 404s too', async () => {
      const send = await serve(async (app) => {
        await app.register(cors, { origin: APP });
        app.addHook('onSend', replacingVary('Accept-Encoding'));
        app.get('/x', async () => 'x');
        app.get('/throws', async () => {
          throw new Error('boom');
        });
      });
      for (const path of ['/x', '/throws', '/nowhere']) {
        const res = await send('GET', path, [['Origin', APP]]);
        expect(res.header('access-control-allow-origin'), path).toBe(APP);
        expect(varyTokens(res), path).toEqual(['accept-encoding', 'origin']);
      }
    });

    it('an onSend in a child context keeps Origin, and one that appends is not repeated', async () => {
      const send = await serve(async (app) => {
        await app.register(cors, { origin: APP });
        await app.register(async (child: FastifyApp) => {
          child.addHook('onSend', replacingVary('Accept'));
          child.get('/child', async () => 'child');
        });
        await app.register(async (child: FastifyApp) => {
          child.addHook('onSend', (_request: unknown, reply: any, payload: unknown, done: (e: null, p: unknown) => void) => {
            const current = reply.getHeader('vary');
            reply.header('vary', current === undefined ? 'Accept' : `${current}, Accept`);
            done(null, payload);
          });
          child.get('/appends', async () => 'appends');
        });
      });
      const child = await send('GET', '/child', [['Origin', APP]]);
      expect(child.body).toBe('child');
      expect(varyTokens(child)).toEqual(['accept', 'origin']);
      const appends = await send('GET', '/appends', [['Origin', APP]]);
      expect(appends.headers.get('vary')).toHaveLength(1);
      expect(varyTokens(appends)).toEqual(['accept', 'origin']);
    });

    it('an onSend that replaces Vary on the plugin’s own preflight answer keeps Origin', async () => {
      const send = await serve(async (app) => {
        await app.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
        app.addHook('onSend', replacingVary('Accept'));
        app.put('/x', async () => 'x');
      });
      for (const from of [APP, OTHER]) {
        const res = await send('OPTIONS', '/x', preflight(from, 'PUT'));
        expect(res.status).toBe(from === APP ? 204 : 403);
        expect(varyTokens(res)).toEqual(['accept', 'origin']);
      }
    });

    it('Vary set on the raw response of a stream reply, or written by a hijacked reply, keeps Origin', async () => {
      const send = await serve(async (app) => {
        await app.register(cors, { origin: APP });
        app.get('/stream', { onSend: replacingVary('Accept') }, async (_request: unknown, reply: any) => reply.send(Readable.from(['a', 'b'])));
        app.get('/hijacked', (_request: unknown, reply: any) => {
          reply.hijack();
          reply.raw.writeHead(200, { 'Content-Type': 'text/plain', Vary: 'Accept-Encoding' });
          reply.raw.end('raw');
        });
        app.get('/raw-set', (_request: unknown, reply: any) => {
          reply.hijack();
          reply.raw.setHeader('Vary', 'Accept');
          reply.raw.end('raw');
        });
      });
      const stream = await send('GET', '/stream', [['Origin', APP]]);
      expect(stream.body).toBe('ab');
      expect(varyTokens(stream)).toEqual(['accept', 'origin']);
      const hijacked = await send('GET', '/hijacked', [['Origin', APP]]);
      // A hijacked reply sends only what the application writes (Fastify drops the reply's headers), but the head
      // it writes still gets the tokens.
      expect(hijacked.body).toBe('raw');
      expect(varyTokens(hijacked)).toEqual(['accept-encoding', 'origin']);
      expect(hijacked.headers.get('vary')).toHaveLength(1);
      expect(varyTokens(await send('GET', '/raw-set', [['Origin', APP]]))).toEqual(['accept', 'origin']);
    });

    it("Vary: * set late is left alone, and the '*' policy adds no Vary however late", async () => {
      const star = await serve(async (app) => {
        await app.register(cors, { origin: APP });
        app.get('/x', { onSend: replacingVary('*') }, async () => 'x');
      });
      expect((await star('GET', '/x', [['Origin', APP]])).headers.get('vary')).toEqual(['*']);
      const open = await serve(async (app) => {
        await app.register(cors, { origin: '*' });
        app.get('/x', { onSend: replacingVary('Accept') }, async () => 'x');
      });
      const res = await open('GET', '/x', [['Origin', APP]]);
      expect(res.header('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('vary')).toEqual(['Accept']);
    });

    it('with http2: true, a late onSend keeps Origin, through a real HTTP/2 client', async () => {
      const app = loadFastify(major)({ logger: false, http2: true });
      await app.register(cors, { origin: APP, methods: ['GET', 'PUT'] });
      app.get('/x', { onSend: replacingVary('Accept') }, async () => 'x');
      app.put('/x', async () => 'put');
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const session = connect(`http://127.0.0.1:${port}`);
      try {
        const res = await h2Request(session, { ':method': 'GET', ':path': '/x', origin: APP });
        expect(res.body).toBe('x');
        expect(res.headers['access-control-allow-origin']).toBe(APP);
        expect(String(res.headers.vary).split(',').map((t) => t.trim().toLowerCase())).toEqual(['accept', 'origin']);
        const pre = await h2Request(session, { ':method': 'OPTIONS', ':path': '/x', origin: APP, 'access-control-request-method': 'PUT' });
        expect(pre.headers[':status']).toBe(204);
        expect(pre.headers['content-length']).toBeUndefined();
        expect(pre.headers['access-control-allow-methods']).toBe('GET, PUT');
      } finally {
        session.close();
        await app.close();
      }
    });
  });
}

function h2Request(session: ClientHttp2Session, headers: Record<string, string>): Promise<{ headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let response: Record<string, unknown> = {};
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => {
      response = h as Record<string, unknown>;
    });
    stream.on('data', (chunk: string) => {
      body += chunk;
    });
    stream.on('end', () => resolve({ headers: response, body }));
    stream.on('error', reject);
    stream.end();
  });
}
