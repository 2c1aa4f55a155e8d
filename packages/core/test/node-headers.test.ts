import { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { findNodeHeaderStore, nodeHeaderStore, setNodeHeaders } from '../src/node-headers.js';

const fresh = () => new ServerResponse(new IncomingMessage(null as never));

describe('findNodeHeaderStore', () => {
  it("finds where this Node keeps a response's headers, and headers stored there are Node's own", () => {
    const symbol = findNodeHeaderStore(fresh());
    expect(typeof symbol).toBe('symbol');
    const res = fresh();
    const store = nodeHeaderStore(res, symbol)!;
    store['access-control-allow-origin'] = ['access-control-allow-origin', 'https://app.example.com'];
    expect(res.getHeader('Access-Control-Allow-Origin')).toBe('https://app.example.com');
    expect(res.hasHeader('access-control-allow-origin')).toBe(true);
    expect(res.getHeaders()).toEqual({ 'access-control-allow-origin': 'https://app.example.com' });
    res.removeHeader('access-control-allow-origin');
    expect(res.getHeaderNames()).toEqual([]);
  });

  it('gives up on a response that keeps headers any other way, so the middleware uses setHeader', () => {
    // A response that stores entries of another shape under the same name.
    const reshaped = fresh();
    const symbol = findNodeHeaderStore(fresh())!;
    reshaped.setHeader = function (this: ServerResponse, name: string, value: number | string | readonly string[]) {
      (this as unknown as Record<symbol, Record<string, unknown>>)[symbol] = { [name.toLowerCase()]: { name, value } };
      return this;
    };
    expect(findNodeHeaderStore(reshaped)).toBeUndefined();
    // One that has no such symbol at all.
    const plain = Object.create(ServerResponse.prototype) as ServerResponse;
    expect(findNodeHeaderStore(plain)).toBeUndefined();
    // One whose setHeader throws.
    const broken = fresh();
    broken.setHeader = () => {
      throw new Error('no');
    };
    expect(findNodeHeaderStore(broken)).toBeUndefined();
  });

  it('sets headers either way, with fresh entries that the response may change', () => {
    const headers = [['access-control-allow-origin', 'https://app.example.com'], ['vary', 'Origin']] as const;
    for (const symbol of [findNodeHeaderStore(fresh()), undefined]) {
      const res = fresh();
      const store = setNodeHeaders(res, headers, symbol);
      expect(store === undefined).toBe(symbol === undefined);
      res.appendHeader('vary', 'Accept');
      expect(res.getHeaders()).toEqual({ 'access-control-allow-origin': 'https://app.example.com', vary: ['Origin', 'Accept'] });
      expect(headers[1]).toEqual(['vary', 'Origin']);
      res.writeHead(204);
      expect(res.getHeader('vary')).toEqual(['Origin', 'Accept']);
      expect(() => setNodeHeaders(res, headers, symbol)).toThrow(expect.objectContaining({ code: 'ERR_HTTP_HEADERS_SENT' }));
    }
  });

  it('hands out no store once the head is sent, so a late write fails as setHeader does', () => {
    const res = fresh();
    res.writeHead(200);
    expect(res.headersSent).toBe(true);
    expect(nodeHeaderStore(res, findNodeHeaderStore(fresh()))).toBeUndefined();
  });
});
