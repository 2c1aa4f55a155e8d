import { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { findNodeHeaderStore } from '../src/header-store.js';
import { headHookEngaged, keepCorsHeaders, keepVary } from '../src/head-hook.js';

const fresh = () => new ServerResponse(new IncomingMessage(null as never));

describe('the head hook', () => {
  it(`engages on this Node.js (${process.version}): the merge happens inside Node's own head write`, () => {
    expect(findNodeHeaderStore(fresh)).toBeDefined();
    expect(headHookEngaged()).toBe(true);
    // Proof that it is the hook, not the writeHead fallback: the response gets no writeHead of its own.
    const res = fresh();
    res.setHeader('vary', 'Origin');
    keepVary(res, ['Origin']);
    expect(Object.hasOwn(res, 'writeHead')).toBe(false);
    res.setHeader('Vary', 'Accept');
    res.writeHead(200);
    expect(res.getHeader('vary')).toBe('Accept, Origin');
  });

  it('changes nothing for responses without tokens, and nothing for client requests', () => {
    const res = fresh();
    res.setHeader('Vary', 'Accept');
    res.writeHead(200, { 'X-A': '1' });
    expect(res.getHeader('vary')).toBe('Accept');
    expect(Object.getOwnPropertyDescriptor(ServerResponse.prototype, '_storeHeader')).toBeDefined();
    expect(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(ServerResponse.prototype), '_storeHeader')?.value).not.toBe(
      Object.getOwnPropertyDescriptor(ServerResponse.prototype, '_storeHeader')?.value,
    );
  });

  it('falls back to wrapping writeHead on a response it cannot see (a response class with its own head write)', () => {
    class OwnResponse extends ServerResponse {
      _storeHeader(firstLine: string, headers: unknown): void {
        (ServerResponse.prototype as unknown as { _storeHeader: (this: ServerResponse, f: string, h: unknown) => void })._storeHeader.call(this, firstLine, headers);
      }
    }
    const res = new OwnResponse(new IncomingMessage(null as never));
    res.setHeader('vary', 'Origin');
    keepVary(res, ['Origin']);
    expect(Object.hasOwn(res, 'writeHead')).toBe(true);
    res.writeHead(200, { Vary: 'Accept' });
    expect(res.getHeader('vary')).toBe('Accept, Origin');
  });

  it("puts a decision's CORS headers back when an error handler replaced every header, hooked or not", () => {
    class OwnResponse extends ServerResponse {
      _storeHeader(firstLine: string, headers: unknown): void {
        (ServerResponse.prototype as unknown as { _storeHeader: (this: ServerResponse, f: string, h: unknown) => void })._storeHeader.call(this, firstLine, headers);
      }
    }
    for (const res of [fresh(), new OwnResponse(new IncomingMessage(null as never))]) {
      res.setHeader('access-control-allow-origin', 'https://app.example.com');
      keepCorsHeaders(res, [['access-control-allow-origin', 'https://app.example.com']]);
      // What Koa's onerror does: remove every header, then set the error's own.
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.writeHead(500, { 'access-control-allow-credentials': 'true', 'retry-after': '5' });
      expect(res.getHeader('access-control-allow-origin')).toBe('https://app.example.com');
      expect(res.getHeader('access-control-allow-credentials')).toBeUndefined();
      expect(res.getHeader('retry-after')).toBe('5');
    }
  });
});
