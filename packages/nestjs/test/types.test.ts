// Checked by the root `tsc -p tsconfig.json`: validators and onRefused get the request of the app's platform.
import type { IncomingMessage } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Request } from 'express';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { enableCors, type CorsOptions, type NestCorsApplication, type NestRequestOf } from '../src/index.js';
import { APP, createApp, listen, request } from './support.js';

describe('types', () => {
  it("NestRequestOf is the platform's request", () => {
    expectTypeOf<NestRequestOf<NestExpressApplication>>().toEqualTypeOf<Request>();
    expectTypeOf<NestRequestOf<NestFastifyApplication>>().toHaveProperty('raw').toEqualTypeOf<IncomingMessage>();
    expectTypeOf<NestRequestOf<NestFastifyApplication>>().toHaveProperty('hostname').toEqualTypeOf<string>();
    expectTypeOf<NestRequestOf<INestApplication>>().toEqualTypeOf<IncomingMessage>();
    expectTypeOf<INestApplication>().toMatchTypeOf<NestCorsApplication>();
    expectTypeOf<NestExpressApplication>().toMatchTypeOf<NestCorsApplication>();
    expectTypeOf<NestFastifyApplication>().toMatchTypeOf<NestCorsApplication>();
  });

  it('validators read the platform request without casts, on both platforms', async () => {
    const express = await createApp('express');
    const expressOptions: CorsOptions<NestRequestOf<typeof express>> = {
      // Express's own Request: hostname, path and get() are there.
      origin: (origin, req) => req.get('x-tenant') === 'acme' && req.path === '/hello' && origin === APP,
    };
    enableCors(express, expressOptions);
    const fastify = await createApp('fastify');
    enableCors(fastify, {
      // FastifyRequest: hostname, url and the Node request as raw.
      origin: (origin, request) => request.raw.headers['x-tenant'] === 'acme' && request.url === '/hello' && origin === APP,
      onRefused: (reason, request) => {
        expectTypeOf(request.hostname).toEqualTypeOf<string>();
        expectTypeOf(reason.code).toBeString();
      },
    });
    for (const app of [express, fastify]) {
      const served = await listen(app);
      try {
        const allowed = await request(`${served.url}/hello`, 'GET', { origin: APP, 'x-tenant': 'acme' });
        expect(allowed.header('access-control-allow-origin')).toBe(APP);
        const other = await request(`${served.url}/hello`, 'GET', { origin: APP, 'x-tenant': 'other' });
        expect(other.header('access-control-allow-origin')).toBeUndefined();
      } finally {
        await served.close();
      }
    }
  });
});
