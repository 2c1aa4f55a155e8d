import { connect as connectHttp2, createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createCorsPolicy, type CorsOptions } from '@cors/core';
import { CorsConfigError, withCors, writeLateDecision } from '../src/index.js';
import { APP, EVIL, preflight, send, serve, type Served } from './support.js';

const open: Served[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
async function start(options: CorsOptions<IncomingMessage>, listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<Served> {
  const served = await serve(withCors(options, listener));
  open.push(served);
  return served;
}

describe('withCors on node:http', () => {
  it('answers an allowed preflight itself: 204, no Content-Length, lower-case names, the listener never sees it', async () => {
    const seen: string[] = [];
    const { port } = await start({ origin: APP, methods: ['GET', 'PUT'], credentials: true, maxAge: 600 }, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end('app');
    });
    const reply = await send(port, 'OPTIONS', '/x', preflight('PUT'));
    expect(reply.status).toBe(204);
    expect(reply.body).toBe('');
    expect(reply.header('content-length')).toBeUndefined();
    expect(reply.lines.filter(([name]) => /^(access-control-|vary$)/i.test(name)).map(([name]) => name)).toEqual([
      'access-control-allow-origin',
      'access-control-allow-credentials',
      'access-control-allow-methods',
      'access-control-max-age',
      'vary',
    ]);
    expect(reply.header('access-control-allow-methods')).toBe('GET, PUT');
    expect(seen).toEqual([]);
  });

  it('sends Content-Length: 0 with any other preflightStatus, and 403 with no CORS header to a refused one', async () => {
    const { port } = await start({ origin: APP, preflightStatus: 200 }, (_req, res) => res.end('app'));
    const allowed = await send(port, 'OPTIONS', '/x', preflight('GET'));
    expect([allowed.status, allowed.header('content-length'), allowed.body]).toEqual([200, '0', '']);
    const refused = await send(port, 'OPTIONS', '/x', preflight('DELETE'));
    expect([refused.status, refused.header('content-length'), refused.body]).toEqual([403, '0', '']);
    expect(refused.lines.filter(([n]) => n.toLowerCase().startsWith('access-control-'))).toEqual([]);
    expect(refused.header('vary')).toBe('Origin');
  });

  it('lets every other request reach the listener, with headers when allowed and Vary: Origin always', async () => {
    const { port } = await start({ origin: APP, exposedHeaders: ['x-id'] }, (req, res) => {
      res.setHeader('x-id', '7');
      res.end(`saw ${req.method}`);
    });
    const allowed = await send(port, 'GET', '/x', [['Origin', APP]]);
    expect([allowed.status, allowed.body, allowed.header('access-control-allow-origin'), allowed.header('access-control-expose-headers')]).toEqual([200, 'saw GET', APP, 'x-id']);
    const refused = await send(port, 'GET', '/x', [['Origin', EVIL]]);
    expect(refused.body).toBe('saw GET');
    expect(refused.lines.filter(([n]) => n.toLowerCase().startsWith('access-control-'))).toEqual([]);
    const ownOptions = await send(port, 'OPTIONS', '/x', [['Origin', APP]]);
    expect(ownOptions.body).toBe('saw OPTIONS');
    for (const reply of [allowed, refused, ownOptions, await send(port, 'GET', '/x')]) expect(reply.all('vary')).toEqual(['Origin']);
  });

  it('keeps Vary: Origin however the listener sets Vary, in one header line', async () => {
    const ways: Record<string, (res: import('node:http').ServerResponse) => void> = {
      setHeader: (res) => {
        res.setHeader('Vary', 'Accept');
        res.end('ok');
      },
      appendHeader: (res) => {
        res.appendHeader('Vary', 'Accept');
        res.end('ok');
      },
      writeHead: (res) => {
        res.writeHead(200, { Vary: 'Accept' });
        res.end('ok');
      },
      'writeHead with a flat array': (res) => {
        res.writeHead(200, ['Vary', 'Accept']);
        res.end('ok');
      },
      flushHeaders: (res) => {
        res.setHeader('Vary', 'Accept');
        res.flushHeaders();
        res.end('ok');
      },
      'removeHeader, then write': (res) => {
        res.removeHeader('vary');
        res.write('o');
        res.end('k');
      },
    };
    for (const [way, write] of Object.entries(ways)) {
      const served = await serve(withCors({ origin: APP }, (_req, res) => write(res)));
      const reply = await send(served.port, 'GET', '/', [['Origin', APP]]);
      await served.close();
      const expected = way.startsWith('removeHeader') ? ['Origin'] : way === 'appendHeader' ? ['Origin, Accept'] : ['Accept, Origin'];
      expect({ way, vary: reply.all('vary') }).toEqual({ way, vary: expected });
      expect(reply.header('access-control-allow-origin')).toBe(APP);
    }
  });

  it('leaves Vary: * alone', async () => {
    const { port } = await start({ origin: APP }, (_req, res) => {
      res.setHeader('Vary', '*');
      res.end();
    });
    expect((await send(port, 'GET', '/', [['Origin', APP]])).all('vary')).toEqual(['*']);
  });

  it('waits for an async validator before the listener runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { port } = await start({ origin: [async (o) => (await gate, o === 'https://tenant.example')] }, (_req, res) => res.end('app'));
    const pending = send(port, 'GET', '/', [['Origin', 'https://tenant.example']]);
    await new Promise((r) => setTimeout(r, 50));
    release();
    const reply = await pending;
    expect([reply.body, reply.header('access-control-allow-origin'), reply.header('vary')]).toEqual(['app', 'https://tenant.example', 'Origin']);
  });

  it('writes nothing after an async decision when the response was answered meanwhile', async () => {
    const policy = createCorsPolicy({ origin: [async () => true] });
    const { port } = await start({ origin: APP }, async (req, res) => {
      const decision = await policy.decide(req.method!, req.headers, req);
      res.statusCode = 503;
      res.end('timed out');
      expect(writeLateDecision(res, decision)).toBe(false);
    });
    const reply = await send(port, 'GET', '/', [['Origin', 'https://tenant.example']]);
    expect([reply.status, reply.body, reply.header('access-control-allow-origin')]).toEqual([503, 'timed out', undefined]);
  });

  it('throws CorsConfigError at start-up for a wrong configuration', () => {
    expect(() => withCors({ origin: '*', credentials: true }, () => {})).toThrow(CorsConfigError);
  });
});

describe('withCors on node:http2 (compatibility API)', () => {
  it('answers preflights and keeps Vary: Origin over a real HTTP/2 connection', async () => {
    const server = createHttp2Server(
      withCors({ origin: APP, methods: ['GET', 'PUT'] }, (_req: Http2ServerRequest, res: Http2ServerResponse) => {
        res.setHeader('vary', 'Accept');
        res.end('h2');
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = connectHttp2(`http://127.0.0.1:${port}`);
    const ask = (headers: Record<string, string>) =>
      new Promise<{ headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const stream = client.request(headers);
        let body = '';
        let head: Record<string, unknown> = {};
        stream.on('response', (h) => (head = h));
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (body += c));
        stream.on('end', () => resolve({ headers: head, body }));
        stream.on('error', reject);
        stream.end();
      });
    try {
      const pre = await ask({ ':method': 'OPTIONS', ':path': '/x', origin: APP, 'access-control-request-method': 'PUT' });
      expect(pre.headers[':status']).toBe(204);
      expect(pre.headers['access-control-allow-methods']).toBe('GET, PUT');
      expect(pre.headers['content-length']).toBeUndefined();
      expect(pre.body).toBe('');
      const actual = await ask({ ':method': 'GET', ':path': '/x', origin: APP });
      expect([actual.body, actual.headers['access-control-allow-origin'], actual.headers.vary]).toEqual(['h2', APP, 'Accept, Origin']);
      const refused = await ask({ ':method': 'OPTIONS', ':path': '/x', origin: EVIL, 'access-control-request-method': 'PUT' });
      expect(refused.headers[':status']).toBe(403);
      expect(Object.keys(refused.headers).filter((n) => n.startsWith('access-control-'))).toEqual([]);
    } finally {
      client.close();
      await new Promise((r) => server.close(r));
    }
  });
});
