import { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { findNodeHeaderStore, nodeHeaderStore, setNodeHeaders } from '../src/header-store.js';
import { createCorsPolicy, type CorsDecision, type CorsHeader } from '@cors/core';

const fresh = () => new ServerResponse(new IncomingMessage(null as never));
const access = findNodeHeaderStore(fresh);
const policy = createCorsPolicy({ origin: ['https://app.example.com', 'https://*.example.org'], credentials: true, exposedHeaders: ['x-request-id'] });
const decide = (origin: string) => policy.decide('GET', { origin }) as CorsDecision;

describe('findNodeHeaderStore', () => {
  it("finds where this Node keeps a response's headers, and headers stored there are Node's own", () => {
    expect(typeof access?.symbol).toBe('symbol');
    const res = fresh();
    const store = nodeHeaderStore(res, access)!;
    store['access-control-allow-origin'] = ['access-control-allow-origin', 'https://app.example.com'];
    expect(res.getHeader('Access-Control-Allow-Origin')).toBe('https://app.example.com');
    expect(res.hasHeader('access-control-allow-origin')).toBe(true);
    expect(res.getHeaders()).toEqual({ 'access-control-allow-origin': 'https://app.example.com' });
    res.removeHeader('access-control-allow-origin');
    expect(res.getHeaderNames()).toEqual([]);
  });

  it('gives up on a response that keeps headers any other way, so the middleware uses setHeader', () => {
    const symbol = access!.symbol;
    // A response that stores entries of another shape under the same name.
    expect(
      findNodeHeaderStore(() => {
        const reshaped = fresh();
        reshaped.setHeader = function (this: ServerResponse, name: string, value: number | string | readonly string[]) {
          (this as unknown as Record<symbol, Record<string, unknown>>)[symbol] = { [name.toLowerCase()]: { name, value } };
          return this;
        };
        return reshaped;
      }),
    ).toBeUndefined();
    // One that has no such symbol at all, one whose setHeader throws, and a probe that cannot be made.
    expect(findNodeHeaderStore(() => Object.create(ServerResponse.prototype) as ServerResponse)).toBeUndefined();
    expect(
      findNodeHeaderStore(() => {
        const broken = fresh();
        broken.setHeader = () => {
          throw new Error('no');
        };
        return broken;
      }),
    ).toBeUndefined();
    expect(
      findNodeHeaderStore(() => {
        throw new Error('no node:http here');
      }),
    ).toBeUndefined();
  });
});

describe('setNodeHeaders', () => {
  it("stores a policy's own header lists directly, with fresh entries that the response may change", () => {
    const decision = decide('https://app.example.com');
    for (const way of [access, undefined]) {
      const res = fresh();
      const store = setNodeHeaders(res, decision.headers, way);
      expect(store === undefined).toBe(way === undefined);
      res.appendHeader('access-control-expose-headers', 'x-more');
      expect(res.getHeaders()).toEqual({
        'access-control-allow-origin': 'https://app.example.com',
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': ['x-request-id', 'x-more'],
      });
      expect(decide('https://app.example.com').headers).toEqual([
        ['access-control-allow-origin', 'https://app.example.com'],
        ['access-control-allow-credentials', 'true'],
        ['access-control-expose-headers', 'x-request-id'],
      ]);
      res.writeHead(204);
      expect(() => setNodeHeaders(res, decision.headers, way)).toThrow(expect.objectContaining({ code: 'ERR_HTTP_HEADERS_SENT' }));
    }
  });

  it("freezes a policy's own lists, tuples included, so they cannot be changed to skip the checks", () => {
    const headers = decide('https://app.example.com').headers;
    expect(Object.isFrozen(headers)).toBe(true);
    for (const header of headers) expect(Object.isFrozen(header)).toBe(true);
  });

  it('sends any other list through setHeader and its checks: one built per request, or by someone else', () => {
    // A pattern's answer is built for each request from the request's origin.
    const perRequest = decide('https://a.example.org');
    expect(perRequest.allowed).toBe(true);
    expect(setNodeHeaders(fresh(), perRequest.headers, access)).toBeUndefined();
    const forged: CorsHeader[] = [['access-control-allow-origin', 'https://a.example\r\nset-cookie: x=1']];
    expect(() => setNodeHeaders(fresh(), forged, access)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CHAR' }));
  });

  it('leaves a response whose setHeader is not Node’s own to that setHeader, so wrappers see every header', () => {
    const res = fresh();
    const seen: string[] = [];
    const own = res.setHeader;
    res.setHeader = function (this: ServerResponse, name: string, value: number | string | readonly string[]) {
      seen.push(name);
      return own.call(this, name, value);
    };
    expect(setNodeHeaders(res, decide('https://app.example.com').headers, access)).toBeUndefined();
    expect(seen).toEqual(['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers']);
  });

  it('creates no header object for an empty list', () => {
    const res = fresh();
    expect(setNodeHeaders(res, [], access)).toBeUndefined();
    expect((res as unknown as Record<symbol, unknown>)[access!.symbol]).toBeNull();
  });
});
