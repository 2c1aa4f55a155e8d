import { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { findHeaderStore, headerStore } from '../src/header-store.js';

const fresh = () => new ServerResponse(new IncomingMessage(null as never));

describe('findHeaderStore', () => {
  it("finds where this Node keeps a response's headers, and headers stored there are Node's own", () => {
    const symbol = findHeaderStore(fresh());
    expect(typeof symbol).toBe('symbol');
    const res = fresh();
    const store = headerStore(res)!;
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
    const symbol = findHeaderStore(fresh())!;
    reshaped.setHeader = function (this: ServerResponse, name: string, value: number | string | readonly string[]) {
      (this as unknown as Record<symbol, Record<string, unknown>>)[symbol] = { [name.toLowerCase()]: { name, value } };
      return this;
    };
    expect(findHeaderStore(reshaped)).toBeUndefined();
    // One that has no such symbol at all.
    const plain = Object.create(ServerResponse.prototype) as ServerResponse;
    expect(findHeaderStore(plain)).toBeUndefined();
    // One whose setHeader throws.
    const broken = fresh();
    broken.setHeader = () => {
      throw new Error('no');
    };
    expect(findHeaderStore(broken)).toBeUndefined();
  });

  it('hands out no store once the head is sent, so a late write fails as setHeader does', () => {
    const res = fresh();
    res.writeHead(200);
    expect(res.headersSent).toBe(true);
    expect(headerStore(res)).toBeUndefined();
  });
});
