import { describe, it, expect } from 'vitest';
import { CorsConfigError as CoreCorsConfigError } from '@cors/core';
import * as fastifyCors from '../src/index.js';
import corsDefault, { cors, CorsConfigError } from '../src/index.js';
import { APP, fastify, rawRequest, serve } from './support.js';

/** The error `promise` rejects with (fails the test if it resolves). */
async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('exports', () => {
  it('exports the plugin as cors and as the default, and the core error class', () => {
    expect(Object.keys(fastifyCors).sort()).toEqual(['CorsConfigError', 'cors', 'default']);
    expect(corsDefault).toBe(cors);
    expect(CorsConfigError).toBe(CoreCorsConfigError);
  });

  it('is a fastify-plugin plugin for Fastify 4 and 5, named @cors/fastify', () => {
    const meta = cors as unknown as Record<symbol, unknown>;
    expect(meta[Symbol.for('skip-override')]).toBe(true);
    expect(meta[Symbol.for('fastify.display-name')]).toBe('@cors/fastify');
    expect(meta[Symbol.for('plugin-meta')]).toMatchObject({ fastify: '4.x || 5.x', name: '@cors/fastify' });
  });
});

describe('configuration errors surface at start-up', () => {
  it('register rejects with CorsConfigError listing every problem', async () => {
    const app = fastify();
    const error = await rejection(app.register(cors, { origin: '*', credentials: true, allowHeaders: ['x'] } as never));
    expect(error).toBeInstanceOf(CorsConfigError);
    const problems = (error as InstanceType<typeof CorsConfigError>).problems;
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['allowHeaders', 'origin']));
    expect(problems.find((p) => p.path === 'allowHeaders')?.hint).toContain('allowedHeaders');
  });

  it('a missing origin fails ready() when register is not awaited', async () => {
    const app = fastify();
    app.register(cors, {} as never);
    app.get('/', async () => 'ok');
    const error = await rejection(app.ready());
    expect(error).toBeInstanceOf(CorsConfigError);
    expect((error as InstanceType<typeof CorsConfigError>).problems[0]).toMatchObject({ path: 'origin' });
  });

  it('refuses a prefix, which a fastify-plugin plugin ignores', async () => {
    const error = await rejection(fastify().register(cors, { origin: APP, prefix: '/api' }));
    expect(error).toBeInstanceOf(CorsConfigError);
    expect((error as InstanceType<typeof CorsConfigError>).problems).toEqual([expect.objectContaining({ path: 'prefix' })]);
  });

  it('accepts logLevel, a register option Fastify reads itself', async () => {
    const url = await serve(async (app) => {
      await app.register(cors, { origin: APP, logLevel: 'warn' });
      app.get('/', async () => 'ok');
    });
    const res = await rawRequest(url, 'GET', '/', [['Origin', APP]]);
    expect(res.header('access-control-allow-origin')).toBe(APP);
  });

  it('refuses a second registration in the same context', async () => {
    const app = fastify();
    await app.register(cors, { origin: APP });
    const error = await rejection(app.register(cors, { origin: APP }));
    expect(error).toBeInstanceOf(CorsConfigError);
    expect((error as InstanceType<typeof CorsConfigError>).problems[0]?.message).toContain('already registered');
  });

  it("a route's config.cors is compiled when the route is declared", async () => {
    const app = fastify();
    await app.register(cors, { origin: APP, credentials: true });
    expect(() => app.put('/x', { config: { cors: { origin: '*' } } }, async () => 'x')).toThrow(CorsConfigError);
    try {
      app.put('/y', { config: { cors: { methods: ['CONNECT'] } } }, async () => 'y');
    } catch (error) {
      expect(error).toBeInstanceOf(CorsConfigError);
      // Merged over the plugin's options; the path says which route.
      expect((error as InstanceType<typeof CorsConfigError>).problems[0]?.path).toBe('config.cors.methods[0] (PUT /y)');
      return;
    }
    throw new Error('expected a CorsConfigError');
  });

  it('a bad route config inside a plugin fails ready()', async () => {
    const app = fastify();
    await app.register(cors, { origin: APP });
    app.register(async (child) => {
      child.get('/x', { config: { cors: { origin: 'app.example.com' } } }, async () => 'x');
    });
    expect(await rejection(app.ready())).toBeInstanceOf(CorsConfigError);
  });

  it("a URL the router refuses for the route's preflight route is a CorsConfigError naming the route", async () => {
    const app = fastify();
    await app.register(cors, { origin: APP });
    let error: unknown;
    try {
      app.get('/r/:id((a+)+)', async () => 'x'); // a regex find-my-way refuses as unsafe
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CorsConfigError);
    const problem = (error as InstanceType<typeof CorsConfigError>).problems[0]!;
    expect(problem.path).toBe('route /r/:id((a+)+)');
    expect(problem.message).toContain('not safe');
  });

  it('config.cors must be an object or false', async () => {
    const app = fastify();
    await app.register(cors, { origin: APP });
    for (const bad of [true, null, 'yes', ['GET']]) {
      expect(() => app.get(`/x${String(bad)}`, { config: { cors: bad as never } }, async () => 'x')).toThrow(/must be an options object or false/);
    }
  });

  it('a bad policy never serves a request', async () => {
    const app = fastify();
    app.register(cors, { origin: true } as never);
    app.get('/', async () => 'ok');
    await expect(app.listen({ port: 0, host: '127.0.0.1' })).rejects.toBeInstanceOf(CorsConfigError);
  });
});
