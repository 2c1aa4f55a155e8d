// Mistakes in turning CORS on are CorsConfigError at start-up, every one listed with a hint, on both platforms.
import { describe, expect, it } from 'vitest';
import { CorsConfigError, enableCors } from '../src/index.js';
import { APP, PLATFORMS, createApp, listen, request } from './support.js';

function problemsOf(run: () => void): { path: string; message: string; hint: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CorsConfigError);
    return (error as CorsConfigError).problems.map(({ path, message, hint }) => ({ path, message, hint }));
  }
  throw new Error('enableCors did not throw');
}

describe.each(PLATFORMS)('on %s', (platform) => {
  it('wrong options throw CorsConfigError, and CORS stays off', async () => {
    const app = await createApp(platform);
    const problems = problemsOf(() => enableCors(app, { origin: true, credentials: true, allowHeaders: ['x'] } as never));
    expect(problems.map((p) => p.path).sort()).toEqual(['allowHeaders', 'origin']);
    expect(problems.find((p) => p.path === 'allowHeaders')?.hint).toContain('allowedHeaders');
    // Having thrown, it changed nothing: a later, correct call works.
    enableCors(app, { origin: APP });
    const served = await listen(app);
    try {
      expect((await request(`${served.url}/hello`, 'GET', { origin: APP })).header('access-control-allow-origin')).toBe(APP);
    } finally {
      await served.close();
    }
  });

  it("Nest's own cors option is refused together with the options' problems", async () => {
    const app = await createApp(platform, { cors: true });
    try {
      const problems = problemsOf(() => enableCors(app, { origin: 'https://app.example.com/' }));
      expect(problems.map((p) => p.path)).toEqual(['NestFactory.create(..., { cors })', 'origin']);
      expect(problems[0]!.hint).toBe('remove the cors option; enableCors(app, options) replaces it');
    } finally {
      await app.close();
    }
  });

  it('a second call is refused', async () => {
    const app = await createApp(platform);
    try {
      enableCors(app, { origin: APP });
      expect(problemsOf(() => enableCors(app, { origin: '*' }))).toEqual([
        { path: 'enableCors', message: 'was already called for this application', hint: 'call it once, with one policy for the whole application' },
      ]);
    } finally {
      await app.close();
    }
  });

  it('a call after app.init() is refused', async () => {
    const app = await createApp(platform);
    try {
      await app.init();
      expect(problemsOf(() => enableCors(app, { origin: APP })).map((p) => p.message)).toEqual([
        'was called after app.init(): the routes are already in place, ahead of CORS',
      ]);
    } finally {
      await app.close();
    }
  });
});
