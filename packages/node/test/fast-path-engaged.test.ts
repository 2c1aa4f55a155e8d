// The fast header path depends on a Node internal (the object under the `kOutHeaders` symbol). When a Node
// release changes it, findNodeHeaderStore returns undefined and the adapters fall back to setHeader: correct,
// but slower, and silent. CI runs this file on every Node major it tests, so such a release fails here instead.
import { IncomingMessage, ServerResponse, createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCorsPolicy, type CorsDecision } from '@cors/core';
import { findNodeHeaderStore, setNodeHeaders, type NodeHeaderStore } from '../src/header-store.js';

const access = findNodeHeaderStore(() => new ServerResponse(new IncomingMessage(null as never)));
const notFound = `findNodeHeaderStore found no header object on Node ${process.version}: the adapters would fall back to setHeader`;

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves one request with `handler` and returns the raw response bytes, as they were on the wire. */
async function rawResponse(handler: (res: ServerResponse) => void): Promise<string> {
  server = createServer((_req, res) => handler(res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let bytes = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (bytes += chunk));
    socket.on('end', () => resolve(bytes));
    socket.on('error', reject);
    socket.end('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://app.example.com\r\nConnection: close\r\n\r\n');
  });
}

/** The header lines of a raw response, as sent (name case kept). */
const headerLines = (raw: string): string[] => raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n').slice(1);

/** The response's header object, created as Node creates it when the response has none yet. */
function storeOf(res: ServerResponse): NodeHeaderStore {
  const holder = res as unknown as Record<symbol, NodeHeaderStore | null>;
  return (holder[access!.symbol] ??= Object.create(null) as NodeHeaderStore);
}

describe(`the fast header path on Node ${process.version}`, () => {
  it("finds Node's header object, checked against Node's own setHeader and getHeader", () => {
    expect(access, notFound).toBeDefined();
    expect(access!.symbol.description).toBe('kOutHeaders');
    expect(access!.setHeader).toBe(ServerResponse.prototype.setHeader);
  });

  it('writes headers that getHeader sees and a real server sends, next to ones set through setHeader', async () => {
    expect(access, notFound).toBeDefined();
    let ownSetHeader = false;
    let seen: unknown[] = [];
    const raw = await rawResponse((res) => {
      // A real server's response uses Node's own setHeader, which is when the adapters take the fast path.
      ownSetHeader = res.setHeader === access!.setHeader;
      res.setHeader('Content-Type', 'text/plain');
      const store = storeOf(res);
      store['access-control-allow-origin'] = ['access-control-allow-origin', 'https://app.example.com'];
      store['x-stored'] = ['X-Stored', 'as sent'];
      seen = [res.getHeader('Access-Control-Allow-Origin'), res.hasHeader('x-stored'), res.getHeaderNames()];
      // writeHead's own headers join the stored ones rather than replacing them.
      res.writeHead(200, { 'x-from-write-head': '1', 'content-length': '2' });
      res.end('ok');
    });
    expect(ownSetHeader).toBe(true);
    expect(seen).toEqual(['https://app.example.com', true, ['content-type', 'access-control-allow-origin', 'x-stored']]);
    expect(raw.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    const lines = headerLines(raw);
    expect(lines).toContain('Content-Type: text/plain');
    expect(lines).toContain('access-control-allow-origin: https://app.example.com');
    expect(lines).toContain('X-Stored: as sent');
    expect(lines).toContain('x-from-write-head: 1');
    expect(raw.endsWith('\r\n\r\nok')).toBe(true);
  });

  it("stores a policy's own headers into a real response rather than going through setHeader", async () => {
    expect(access, notFound).toBeDefined();
    const policy = createCorsPolicy({ origin: 'https://app.example.com', credentials: true, exposedHeaders: ['x-request-id'] });
    const decision = policy.decide('GET', { origin: 'https://app.example.com' }) as CorsDecision;
    let stored: NodeHeaderStore | undefined;
    const raw = await rawResponse((res) => {
      stored = setNodeHeaders(res, decision.headers, access);
      res.end('ok');
    });
    // setNodeHeaders returns the header object only when it wrote into it directly.
    expect(stored, `setNodeHeaders fell back to setHeader on Node ${process.version}`).toBeDefined();
    expect(headerLines(raw)).toEqual(
      expect.arrayContaining([
        'access-control-allow-origin: https://app.example.com',
        'access-control-allow-credentials: true',
        'access-control-expose-headers: x-request-id',
      ]),
    );
  });
});
