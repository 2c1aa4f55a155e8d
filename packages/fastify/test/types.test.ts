// Checked by the root `tsc -p tsconfig.json` against Fastify 5's types: the plugin and the route config must be
// accepted where Fastify users write them, without casts.
import { describe, it, expect, expectTypeOf } from 'vitest';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { cors, type FastifyCorsOptions, type FastifyCorsRouteOptions, type OriginValidator, type RefusalReason } from '../src/index.js';
import { APP, OTHER, rawRequest, serve } from './support.js';

describe('types', () => {
  it('register, route config and validators type-check without casts', async () => {
    expectTypeOf(cors).toEqualTypeOf<FastifyPluginCallback<FastifyCorsOptions>>();
    const tenant: OriginValidator<FastifyRequest> = async (origin, request) => origin === OTHER && request.headers['x-tenant'] === 'a';
    const refused: RefusalReason[] = [];
    const url = await serve(async (app) => {
      await app.register(cors, { origin: [APP, tenant], credentials: true, onRefused: (reason) => refused.push(reason) });
      const putOnly: FastifyCorsRouteOptions = { methods: ['PUT'] };
      app.put('/x', { config: { cors: putOnly } }, async () => 'x');
      app.get('/off', { config: { cors: false } }, async () => 'off');
      app.route({ method: 'POST', url: '/route', config: { cors: { exposedHeaders: ['x-id'] } }, handler: async () => 'route' });
      app.get('/read', async (request) => {
        expectTypeOf(request.routeOptions.config.cors).toEqualTypeOf<FastifyCorsRouteOptions | false | undefined>();
        return 'read';
      });
    });
    const res = await rawRequest(url, 'GET', '/read', [['Origin', OTHER], ['X-Tenant', 'a']]);
    expect(res.header('access-control-allow-origin')).toBe(OTHER);
    expect(refused).toEqual([]);
  });

  it('refuses what is not an option', () => {
    const check = (app: FastifyInstance) => {
      // @ts-expect-error origin is required
      void app.register(cors, {});
      // @ts-expect-error origin has the wrong type
      void app.register(cors, { origin: 42 });
      // @ts-expect-error not an option (allowedHeaders is)
      void app.register(cors, { origin: APP, allowHeaders: ['x'] });
      // @ts-expect-error route options are checked too
      app.get('/y', { config: { cors: { maxAge: '600' } } }, async () => 'y');
    };
    // Fastify infers a route's config type, so `config: { cors: true }` type-checks; it fails at start-up.
    expect(typeof check).toBe('function');
  });
});
