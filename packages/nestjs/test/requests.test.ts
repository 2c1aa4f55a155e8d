// What enableCors adds over the plain adapters, seen through real Nest 12 servers on both platforms: async and
// failing validators, the platform's request in validators and onRefused, and a request hook set before it.
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { enableCors, type RefusalReason } from '../src/index.js';
import { APP, PLATFORMS, createApp, listen, request, type Listening } from './support.js';

let served: Listening | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe.each(PLATFORMS)('on %s', (platform) => {
  it('an async validator allows; a failing one refuses and the request is still served', async () => {
    const app = await createApp(platform);
    const refusals: string[] = [];
    enableCors(app, {
      origin: [
        async (origin: string) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return origin === 'https://tenant.example.net';
        },
        (origin: string) => {
          if (origin === 'https://throws.example.net') throw new Error('tenant database is down');
          return false;
        },
      ],
      credentials: true,
      methods: ['GET', 'PUT'],
      onRefused: (reason: RefusalReason) => refusals.push(reason.code),
    });
    served = await listen(app);
    const allowed = await request(`${served.url}/hello`, 'GET', { origin: 'https://tenant.example.net' });
    expect([allowed.status, allowed.body, allowed.header('access-control-allow-origin'), allowed.header('vary')]).toEqual([200, 'hello', 'https://tenant.example.net', 'Origin']);
    const preflight = await request(`${served.url}/hello`, 'OPTIONS', { origin: 'https://tenant.example.net', 'access-control-request-method': 'PUT' });
    expect([preflight.status, preflight.body, preflight.header('access-control-allow-methods')]).toEqual([204, '', 'GET, PUT']);
    expect(preflight.header('content-length')).toBeUndefined();

    const failing = await request(`${served.url}/hello`, 'GET', { origin: 'https://throws.example.net' });
    expect([failing.status, failing.body, failing.header('access-control-allow-origin'), failing.header('vary')]).toEqual([200, 'hello', undefined, 'Origin']);
    const failingPreflight = await request(`${served.url}/hello`, 'OPTIONS', { origin: 'https://throws.example.net', 'access-control-request-method': 'GET' });
    expect([failingPreflight.status, failingPreflight.header('access-control-allow-origin')]).toEqual([403, undefined]);
    expect(refusals).toEqual(['validator-error', 'validator-error']);
  });

  it('a preflight with preflightStatus 200 has Content-Length: 0 and an empty body', async () => {
    const app = await createApp(platform);
    enableCors(app, { origin: APP, preflightStatus: 200 });
    served = await listen(app);
    const res = await request(`${served.url}/hello`, 'OPTIONS', { origin: APP, 'access-control-request-method': 'GET' });
    expect([res.status, res.body, res.header('content-length'), res.header('access-control-allow-origin')]).toEqual([200, '', '0', APP]);
  });
});

it("on Fastify, a request hook set on Nest's adapter before enableCors still runs, after CORS", async () => {
  const app = await createApp('fastify');
  const seen: string[] = [];
  // setOnRequestHook is the Fastify adapter's, not on Nest's HttpServer interface.
  (app.getHttpAdapter() as unknown as FastifyAdapter).setOnRequestHook((request, reply, done) => {
    seen.push(request.method);
    reply.header('x-earlier-hook', 'ran');
    done();
  });
  enableCors(app, { origin: APP });
  served = await listen(app);
  const res = await request(`${served.url}/hello`, 'GET', { origin: APP });
  expect([res.status, res.header('x-earlier-hook'), res.header('access-control-allow-origin')]).toEqual([200, 'ran', APP]);
  const preflight = await request(`${served.url}/hello`, 'OPTIONS', { origin: APP, 'access-control-request-method': 'GET' });
  expect(preflight.status).toBe(204);
  // The preflight was answered by CORS; the other hook saw only the GET.
  expect(seen).toEqual(['GET']);
});
