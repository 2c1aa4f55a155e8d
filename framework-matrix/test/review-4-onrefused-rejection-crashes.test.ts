// Review finding 4: an onRefused that returned a rejected promise crashed the process with an unhandled rejection
// on the first refused request, on every adapter. Its errors are now ignored, promises included.
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withCors } from '@cors/node';
import type { CorsOptions } from '@cors/core';
import { rawRequest } from '../src/raw-http.js';
import { START_REFERENCE_APP } from '../src/servers/index.js';
import { FRAMEWORK_MAJORS, type RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', record);
});
afterAll(() => {
  process.off('unhandledRejection', record);
});
afterEach(() => {
  unhandled.length = 0;
});

let calls = 0;
const rejecting = (): CorsOptions => ({
  origin: APP,
  onRefused: () => {
    calls++;
    return Promise.reject(new Error('the log sink is down')) as unknown as void;
  },
});

async function expectRefusalsServed(url: string): Promise<void> {
  const before = calls;
  const actual = await rawRequest(url, 'GET', '/resource', [['Origin', 'https://evil.example']]);
  expect(actual.status).toBe(200);
  const preflight = await rawRequest(url, 'OPTIONS', '/resource', [['Origin', 'https://evil.example'], ['Access-Control-Request-Method', 'GET']]);
  expect(preflight.status).toBe(403);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(calls - before).toBe(2);
  expect(unhandled).toEqual([]);
  expect((await rawRequest(url, 'GET', '/resource', [['Origin', APP]])).header('access-control-allow-origin')).toBe(APP);
}

// The servers that run in this process, where an unhandled rejection would surface here.
for (const target of FRAMEWORK_MAJORS.filter((t) => ['express', 'koa', 'fastify'].includes(t.framework))) {
  describe(`review-4-onrefused-rejection-crashes on ${target.label}`, () => {
    it('a rejected promise from onRefused is ignored, and the request is served', async () => {
      const server = await START_REFERENCE_APP[target.framework](target.major, { cors: rejecting() });
      try {
        await expectRefusalsServed(server.url);
      } finally {
        await server.close();
      }
    });
  });
}

describe('review-4-onrefused-rejection-crashes on node:http', () => {
  it('a rejected promise from onRefused is ignored, and the request is served', async () => {
    const server = createServer(withCors(rejecting(), (_req, res) => res.end('ok')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const running: RunningServer = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, port: 0, close: () => new Promise((r) => server.close(() => r())) };
    try {
      await expectRefusalsServed(running.url);
    } finally {
      await running.close();
    }
  });
});
