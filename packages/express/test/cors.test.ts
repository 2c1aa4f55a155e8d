import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { CorsConfigError as CoreConfigError } from '@cors/core';
import { cors, CorsConfigError, type CorsOptions, type RefusalReason } from '../src/index.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.net';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every header line as sent, names lower-case. */
  lines: Array<[string, string]>;
  body: string;
  corsHeaders(): string[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function send(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const lines: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          lines,
          body: Buffer.concat(chunks).toString('utf8'),
          corsHeaders: () => lines.map(([n]) => n).filter((n) => n.startsWith('access-control-')),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const preflight = (method = 'PUT', extra: Record<string, string> = {}) => ({
  origin: APP,
  'access-control-request-method': method,
  ...extra,
});

/** The Vary lines of a reply: there must be exactly one, so the value is returned. */
function vary(reply: Reply): string | undefined {
  const lines = reply.lines.filter(([n]) => n === 'vary');
  expect(lines.length).toBeLessThanOrEqual(1);
  return lines[0]?.[1];
}

/** An app with `cors(options)` app-wide and a few routes; `seen` lists what reached the handlers. */
function appWith(options: CorsOptions<Request>, seen: string[] = []): Express {
  const app = express();
  app.use(cors(options));
  app.use((req, _res, next) => {
    seen.push(`${req.method} ${req.path}`);
    next();
  });
  app.all('/resource', (_req, res) => {
    res.send('ok');
  });
  return app;
}

describe('configuration', () => {
  it('throws CorsConfigError when cors() is called, listing every problem', () => {
    let error: unknown;
    try {
      cors({ origin: '*', credentials: true, allowHeaders: ['x'] } as unknown as CorsOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorsConfigError);
    expect(error).toBeInstanceOf(CoreConfigError);
    const problems = (error as CorsConfigError).problems;
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['allowHeaders', 'origin']));
    expect(problems.find((p) => p.path === 'allowHeaders')?.hint).toContain('allowedHeaders');
  });

  it.each([
    ['no origin', {}],
    ['origin true', { origin: true }],
    ['an unanchored RegExp', { origin: /example\.com/ }],
    ['an origin with a path', { origin: 'https://app.example.com/' }],
    ['maxAge out of range', { origin: APP, maxAge: 86401 }],
  ])('rejects %s at start-up', (_name, options) => {
    expect(() => cors(options as unknown as CorsOptions)).toThrow(CorsConfigError);
  });

  it('never fails on the first request instead: a valid policy serves at once', async () => {
    const base = await serve(appWith({ origin: APP }));
    const reply = await send(base, 'GET', '/resource', { origin: APP });
    expect(reply.status).toBe(200);
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
  });
});

describe('actual requests', () => {
  it('sets the decision headers on an allowed request and goes on to the handler', async () => {
    const seen: string[] = [];
    const base = await serve(appWith({ origin: APP, credentials: true, exposedHeaders: ['x-request-id'] }, seen));
    const reply = await send(base, 'POST', '/resource', { origin: APP });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('ok');
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(reply.headers['access-control-allow-credentials']).toBe('true');
    expect(reply.headers['access-control-expose-headers']).toBe('x-request-id');
    expect(vary(reply)).toBe('Origin');
    expect(seen).toEqual(['POST /resource']);
  });

  it('sends no Access-Control-* header to a refused origin, but still Vary, and the request goes on', async () => {
    const seen: string[] = [];
    const reasons: RefusalReason[] = [];
    const base = await serve(appWith({ origin: APP, credentials: true, onRefused: (r) => reasons.push(r) }, seen));
    const reply = await send(base, 'GET', '/resource', { origin: EVIL });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('ok');
    expect(reply.corsHeaders()).toEqual([]);
    expect(vary(reply)).toBe('Origin');
    expect(seen).toEqual(['GET /resource']);
    expect(reasons.map((r) => r.code)).toEqual(['origin-not-allowed']);
  });

  it('adds Vary: Origin without an Origin, and nothing for the * policy', async () => {
    const base = await serve(appWith({ origin: APP }));
    const plain = await send(base, 'GET', '/resource');
    expect(plain.corsHeaders()).toEqual([]);
    expect(vary(plain)).toBe('Origin');

    const star = await serve(appWith({ origin: '*' }));
    const any = await send(star, 'GET', '/resource', { origin: EVIL });
    expect(any.headers['access-control-allow-origin']).toBe('*');
    expect(vary(any)).toBeUndefined();
  });

  it('handles HEAD like GET', async () => {
    const app = express();
    app.use(cors({ origin: APP }));
    app.get('/r', (_req, res) => {
      res.send('body');
    });
    const reply = await send(await serve(app), 'HEAD', '/r', { origin: APP });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('');
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
  });
});

describe('preflight', () => {
  it('is answered by the middleware and never reaches a handler, even one for OPTIONS', async () => {
    const seen: string[] = [];
    const app = appWith({ origin: APP, methods: ['GET', 'PUT'], allowedHeaders: ['content-type'], maxAge: 600, credentials: true }, seen);
    app.options('/own', (_req, res) => {
      res.send('own');
    });
    const base = await serve(app);
    for (const path of ['/resource', '/own', '/missing']) {
      const reply = await send(base, 'OPTIONS', path, preflight('PUT', { 'access-control-request-headers': 'Content-Type' }));
      expect(reply.status).toBe(204);
      expect(reply.body).toBe('');
      // RFC 9110 (8.6): a 204 carries no Content-Length.
      expect(reply.headers['content-length']).toBeUndefined();
      expect(reply.headers['access-control-allow-origin']).toBe(APP);
      expect(reply.headers['access-control-allow-credentials']).toBe('true');
      expect(reply.headers['access-control-allow-methods']).toBe('GET, PUT');
      expect(reply.headers['access-control-allow-headers']).toBe('content-type');
      expect(reply.headers['access-control-max-age']).toBe('600');
      expect(vary(reply)).toBe('Origin');
    }
    expect(seen).toEqual([]);
  });

  it('answers a refused preflight with 403, an empty body, no CORS headers, and reports why', async () => {
    const seen: string[] = [];
    const reasons: RefusalReason[] = [];
    const base = await serve(appWith({ origin: APP, methods: ['GET'], onRefused: (r) => reasons.push(r) }, seen));
    const badMethod = await send(base, 'OPTIONS', '/resource', preflight('DELETE'));
    const badOrigin = await send(base, 'OPTIONS', '/resource', { ...preflight('GET'), origin: EVIL });
    for (const reply of [badMethod, badOrigin]) {
      expect(reply.status).toBe(403);
      expect(reply.body).toBe('');
      expect(reply.headers['content-length']).toBe('0');
      expect(reply.corsHeaders()).toEqual([]);
      expect(vary(reply)).toBe('Origin');
    }
    expect(seen).toEqual([]);
    expect(reasons.map((r) => [r.code, r.preflight])).toEqual([
      ['method-not-allowed', true],
      ['origin-not-allowed', true],
    ]);
  });

  it('uses preflightStatus', async () => {
    const base = await serve(appWith({ origin: APP, preflightStatus: 200 }));
    const reply = await send(base, 'OPTIONS', '/resource', preflight('GET'));
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('');
  });

  it('lets a non-preflight OPTIONS reach the application, with CORS headers', async () => {
    const app = express();
    app.use(cors({ origin: APP }));
    app.options('/own', (_req, res) => {
      res.set('X-Own-Options', 'yes').send('own');
    });
    const reply = await send(await serve(app), 'OPTIONS', '/own', { origin: APP });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('own');
    expect(reply.headers['x-own-options']).toBe('yes');
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(reply.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('async origin validators', () => {
  function trackUnhandled(): { rejections: unknown[]; stop(): void } {
    const rejections: unknown[] = [];
    const listener = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', listener);
    return { rejections, stop: () => process.off('unhandledRejection', listener) };
  }

  const later = (value: boolean) => new Promise<boolean>((resolve) => setTimeout(() => resolve(value), 5));
  const failLater = (error: Error) => new Promise<boolean>((_resolve, reject) => setTimeout(() => reject(error), 5));

  it('waits for an allowing validator, then sets headers and continues', async () => {
    const seen: string[] = [];
    const origins: string[] = [];
    const app = appWith(
      {
        origin: (origin, req) => {
          origins.push(`${origin} ${req.path}`);
          return later(origin.endsWith('.tenant.example'));
        },
        methods: ['GET', 'PUT'],
      },
      seen,
    );
    const base = await serve(app);
    const actual = await send(base, 'GET', '/resource', { origin: 'https://a.tenant.example' });
    expect(actual.status).toBe(200);
    expect(actual.body).toBe('ok');
    expect(actual.headers['access-control-allow-origin']).toBe('https://a.tenant.example');
    expect(vary(actual)).toBe('Origin');

    const pre = await send(base, 'OPTIONS', '/resource', preflight('PUT', { origin: 'https://b.tenant.example' }));
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://b.tenant.example');
    expect(seen).toEqual(['GET /resource']);
    // The validator receives Express's request object.
    expect(origins).toEqual(['https://a.tenant.example /resource', 'https://b.tenant.example /resource']);
  });

  it('refuses when the validator resolves false; the request continues and the reason is reported', async () => {
    const seen: string[] = [];
    const reasons: RefusalReason[] = [];
    const base = await serve(appWith({ origin: () => later(false), onRefused: (r) => reasons.push(r) }, seen));
    const actual = await send(base, 'GET', '/resource', { origin: EVIL });
    expect(actual.status).toBe(200);
    expect(actual.body).toBe('ok');
    expect(actual.corsHeaders()).toEqual([]);
    expect(vary(actual)).toBe('Origin');
    const pre = await send(base, 'OPTIONS', '/resource', { ...preflight('GET'), origin: EVIL });
    expect(pre.status).toBe(403);
    expect(pre.corsHeaders()).toEqual([]);
    expect(seen).toEqual(['GET /resource']);
    expect(reasons.map((r) => [r.code, r.preflight])).toEqual([
      ['origin-not-allowed', false],
      ['origin-not-allowed', true],
    ]);
  });

  it.each([
    ['rejects', () => failLater(new Error('database down'))],
    ['throws', () => {
      throw new Error('database down');
    }],
  ])('refuses, never answers 500 and leaks no rejection when the validator %s', async (_name, validator) => {
    const tracker = trackUnhandled();
    try {
      const seen: string[] = [];
      const reasons: RefusalReason[] = [];
      const base = await serve(appWith({ origin: validator, onRefused: (r) => reasons.push(r) }, seen));
      const actual = await send(base, 'GET', '/resource', { origin: EVIL });
      expect(actual.status).toBe(200);
      expect(actual.body).toBe('ok');
      expect(actual.corsHeaders()).toEqual([]);
      expect(vary(actual)).toBe('Origin');
      const pre = await send(base, 'OPTIONS', '/resource', { ...preflight('GET'), origin: EVIL });
      expect(pre.status).toBe(403);
      expect(pre.corsHeaders()).toEqual([]);
      expect(seen).toEqual(['GET /resource']);
      expect(reasons.map((r) => r.code)).toEqual(['validator-error', 'validator-error']);
      const error = (reasons[0] as Extract<RefusalReason, { code: 'validator-error' }>).error;
      expect((error as Error).message).toBe('database down');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(tracker.rejections).toEqual([]);
    } finally {
      tracker.stop();
    }
  });

  it('keeps the Vary fix-up for responses decided asynchronously', async () => {
    const app = express();
    app.use(cors({ origin: () => later(true) }));
    app.get('/vary', (_req, res) => {
      res.set('Vary', 'Accept-Encoding').send('ok');
    });
    const reply = await send(await serve(app), 'GET', '/vary', { origin: APP });
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(vary(reply)).toBe('Accept-Encoding, Origin');
  });
});

describe('Vary', () => {
  function varyApp(before: ((res: Response) => void) | null, after: (res: Response) => void, options: CorsOptions<Request> = { origin: APP }): Express {
    const app = express();
    if (before) {
      app.use((_req, res, next) => {
        before(res);
        next();
      });
    }
    app.use(cors(options));
    app.all('/r', (_req, res) => {
      after(res);
      if (!res.headersSent) res.send('ok');
    });
    return app;
  }

  const noop = () => {};

  it.each<[string, ((res: Response) => void) | null, (res: Response) => void, string]>([
    ['set before the middleware', (res) => res.setHeader('Vary', 'Accept-Encoding'), noop, 'Accept-Encoding, Origin'],
    ['already holding origin, before', (res) => res.setHeader('Vary', 'accept, origin'), noop, 'accept, origin'],
    ['overwritten after with res.set', null, (res) => res.set('Vary', 'Accept-Encoding'), 'Accept-Encoding, Origin'],
    ['overwritten after with res.setHeader', null, (res) => res.setHeader('Vary', 'Accept-Language'), 'Accept-Language, Origin'],
    ['overwritten after holding origin', null, (res) => res.set('Vary', 'ORIGIN, Accept'), 'ORIGIN, Accept'],
    ['appended with res.vary', null, (res) => res.vary('Accept'), 'Origin, Accept'],
    ['appended with res.append', null, (res) => res.append('Vary', 'Cookie'), 'Origin, Cookie'],
    ['removed after', null, (res) => res.removeHeader('Vary'), 'Origin'],
    ['as an array after', null, (res) => res.setHeader('Vary', ['Accept', 'Cookie']), 'Accept, Cookie, Origin'],
    ['before and overwritten after', (res) => res.setHeader('Vary', 'Accept'), (res) => res.set('Vary', 'Cookie'), 'Cookie, Origin'],
    ['in writeHead headers', null, (res) => res.writeHead(200, { Vary: 'Cookie' }).end('ok'), 'Cookie, Origin'],
    ['in writeHead flat array headers', null, (res) => res.writeHead(200, 'Fine', ['Vary', 'Cookie']).end('ok'), 'Cookie, Origin'],
    ['in writeHead headers after an undefined message', null, (res) => res.writeHead(200, undefined, { Vary: 'Cookie' }).end('ok'), 'Cookie, Origin'],
    ['* before the middleware', (res) => res.setHeader('Vary', '*'), noop, '*'],
    ['* set after', null, (res) => res.set('Vary', '*'), '*'],
    ['* among others after', null, (res) => res.set('Vary', 'Accept, *'), 'Accept, *'],
  ])('keeps Origin when Vary is %s', async (_name, before, after, expected) => {
    const base = await serve(varyApp(before, after));
    for (const origin of [APP, EVIL, undefined]) {
      const reply = await send(base, 'GET', '/r', origin ? { origin } : {});
      expect(reply.status).toBe(200);
      expect(vary(reply)).toBe(expected);
    }
  });

  it.each(['before', 'after'])('works with another writeHead wrapper (like compression) installed %s it', async (where) => {
    // What on-headers does for compression: wrap writeHead and set headers right before it.
    const wrapWriteHead = (_req: Request, res: Response, next: NextFunction) => {
      const previous = res.writeHead;
      res.writeHead = function (this: Response, ...args: unknown[]) {
        this.vary('Accept-Encoding');
        this.setHeader('X-Wrapped', 'yes');
        return (previous as (...a: unknown[]) => Response).apply(this, args);
      } as Response['writeHead'];
      next();
    };
    const app = express();
    if (where === 'before') app.use(wrapWriteHead);
    app.use(cors({ origin: APP }));
    if (where === 'after') app.use(wrapWriteHead);
    app.get('/r', (_req, res) => {
      res.set('Vary', 'Accept').send('ok');
    });
    const reply = await send(await serve(app), 'GET', '/r', { origin: APP });
    expect(reply.headers['x-wrapped']).toBe('yes');
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(vary(reply)?.split(', ').sort()).toEqual(['Accept', 'Accept-Encoding', 'Origin']);
  });

  it('keeps Origin when a mounted sub-app hands the response back to its parent, which overwrites Vary', async () => {
    const parent = express();
    const sub = express();
    sub.use(cors({ origin: APP }));
    parent.use('/sub', sub);
    parent.use((_req, res) => {
      res.set('Vary', 'Accept');
      res.send('parent');
    });
    const base = await serve(parent);
    const reply = await send(base, 'GET', '/sub/r', { origin: APP });
    expect(reply.body).toBe('parent');
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(vary(reply)).toBe('Accept, Origin');
  });

  it('leaves a malformed writeHead for Node to reject', async () => {
    let thrown: unknown;
    const app = varyApp(null, (res) => {
      try {
        res.writeHead(200, ['Vary']);
      } catch (error) {
        thrown = error;
      }
    });
    const base = await serve(app);
    const reply = await send(base, 'GET', '/r', { origin: APP });
    expect(reply.status).toBe(200);
    expect((thrown as { code?: string }).code).toBe('ERR_INVALID_ARG_VALUE');
  });

  it('keeps writeHead headers and status message', async () => {
    const base = await serve(varyApp(null, (res) => res.writeHead(201, 'Made', { 'X-Other': '1', Vary: 'Cookie' }).end('ok')));
    const reply = await send(base, 'GET', '/r', { origin: APP });
    expect(reply.status).toBe(201);
    expect(reply.headers['x-other']).toBe('1');
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(vary(reply)).toBe('Cookie, Origin');
  });

  it('merges into the Vary of a preflight answer', async () => {
    const base = await serve(varyApp((res) => res.setHeader('Vary', 'Accept-Encoding'), noop));
    const reply = await send(base, 'OPTIONS', '/r', preflight('GET'));
    expect(reply.status).toBe(204);
    expect(vary(reply)).toBe('Accept-Encoding, Origin');
  });

  it('leaves Vary alone for the * policy', async () => {
    const base = await serve(varyApp(null, (res) => res.set('Vary', 'Accept-Encoding'), { origin: '*' }));
    const reply = await send(base, 'GET', '/r', { origin: APP });
    expect(reply.headers['access-control-allow-origin']).toBe('*');
    expect(vary(reply)).toBe('Accept-Encoding');
  });

  it('wraps writeHead once when two cors() run on one request', async () => {
    const app = express();
    const router = express.Router();
    app.use(cors({ origin: APP }));
    router.use(cors({ origin: [APP, 'https://other.example.com'] }));
    router.get('/r', (_req, res) => {
      res.set('Vary', 'Accept').send('ok');
    });
    app.use('/api', router);
    const reply = await send(await serve(app), 'GET', '/api/r', { origin: APP });
    expect(reply.status).toBe(200);
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(vary(reply)).toBe('Accept, Origin');
  });
});

describe('headers on the response', () => {
  it('are ordinary response headers to the handler, and changing them changes no other response', async () => {
    const app = express();
    app.use(cors({ origin: APP, credentials: true, exposedHeaders: ['X-Request-Id'] }));
    const seen: unknown[] = [];
    app.get('/r', (req, res) => {
      seen.push(res.getHeaders(), res.hasHeader('Access-Control-Allow-Origin'), res.getHeaderNames());
      if (req.query.change === '1') {
        // Node's appendHeader changes a header entry in place.
        res.appendHeader('access-control-expose-headers', 'X-Extra');
        res.appendHeader('vary', 'Accept');
        res.appendHeader('access-control-allow-origin', 'https://evil.example.net');
      }
      res.send('ok');
    });
    const base = await serve(app);
    const changed = await send(base, 'GET', '/r?change=1', { origin: APP });
    expect(changed.headers['access-control-expose-headers']).toBe('x-request-id, X-Extra');
    expect(seen[0]).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-request-id',
      vary: 'Origin',
    });
    expect(seen[1]).toBe(true);
    expect(seen[2]).toEqual(expect.arrayContaining(['access-control-allow-origin', 'vary']));
    const next = await send(base, 'GET', '/r', { origin: APP });
    expect(next.headers['access-control-allow-origin']).toBe(APP);
    expect(next.headers['access-control-expose-headers']).toBe('x-request-id');
    expect(vary(next)).toBe('Origin');
    expect(next.lines.filter(([name]) => name === 'access-control-allow-origin')).toHaveLength(1);
  });

  it('keeps Vary: Origin when the handler replaces res.locals, then overwrites Vary', async () => {
    const app = express();
    app.use(cors({ origin: APP }));
    app.get('/copied', (_req, res) => {
      res.locals = { ...res.locals, user: 'ann' };
      res.set('Vary', 'Accept').send('ok');
    });
    app.get('/replaced', (_req, res) => {
      res.locals = { user: 'ann' };
      res.set('Vary', 'Accept').send('ok');
    });
    app.get('/removed', (_req, res) => {
      res.locals = null as never;
      res.set('Vary', 'Accept').send('ok');
    });
    const base = await serve(app);
    for (const path of ['/copied', '/replaced', '/removed']) {
      for (const origin of [APP, EVIL]) expect(vary(await send(base, 'GET', path, { origin })), `${path} from ${origin}`).toBe('Accept, Origin');
    }
  });

  it('leaves headers to a setHeader that an instrumentation wrapped, and still keeps Vary', async () => {
    const app = express();
    const seen: string[] = [];
    app.use((_req, res, next) => {
      const own = res.setHeader;
      res.setHeader = function (this: Response, name: string, value: number | string | readonly string[]) {
        seen.push(name.toLowerCase());
        return own.call(this, name, value);
      } as Response['setHeader'];
      next();
    });
    app.use(cors({ origin: APP }));
    app.get('/r', (_req, res) => {
      res.set('Vary', 'Accept').send('ok');
    });
    const reply = await send(await serve(app), 'GET', '/r', { origin: APP });
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(seen).toEqual(expect.arrayContaining(['access-control-allow-origin', 'vary']));
    expect(vary(reply)).toBe('Accept, Origin');
  });

  it('reports a head already sent by an earlier middleware to the error handler, as setHeader does', async () => {
    const app = express();
    let failure: unknown;
    app.use((_req, res, next) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      next();
    });
    app.use(cors({ origin: APP }));
    app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      failure = error;
      res.end('late');
    });
    const reply = await send(await serve(app), 'GET', '/r', { origin: APP });
    expect(reply.body).toBe('late');
    expect(reply.corsHeaders()).toEqual([]);
    expect((failure as { code?: string }).code).toBe('ERR_HTTP_HEADERS_SENT');
  });
});

describe('error responses keep CORS headers', () => {
  function errorApp(): Express {
    const app = express();
    app.use(cors({ origin: APP, credentials: true, exposedHeaders: ['x-request-id'] }));
    app.get('/throws', () => {
      throw new Error('boom');
    });
    app.get('/rejects', async () => {
      throw new Error('boom');
    });
    app.get('/next-error', (_req, _res, next: NextFunction) => {
      setTimeout(() => next(Object.assign(new Error('teapot'), { status: 418 })), 1);
    });
    app.get('/vary-then-throw', (_req, res) => {
      res.set('Vary', 'Accept');
      throw new Error('boom');
    });
    return app;
  }

  it.each([
    ['a handler that throws', '/throws', 500],
    ['an async handler that rejects', '/rejects', 500],
    ['next(error) with a status', '/next-error', 418],
    ['an unknown path (404)', '/missing', 404],
  ])('%s', async (_name, path, status) => {
    const reply = await send(await serve(errorApp()), 'GET', path, { origin: APP });
    expect(reply.status).toBe(status);
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(reply.headers['access-control-allow-credentials']).toBe('true');
    expect(reply.headers['access-control-expose-headers']).toBe('x-request-id');
    expect(vary(reply)).toBe('Origin');
  });

  it('keeps Vary: Origin when the handler overwrote Vary before throwing', async () => {
    const reply = await send(await serve(errorApp()), 'GET', '/vary-then-throw', { origin: APP });
    expect(reply.status).toBe(500);
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(vary(reply)).toBe('Accept, Origin');
  });

  it('sends none to a refused origin on an error response', async () => {
    const reply = await send(await serve(errorApp()), 'GET', '/throws', { origin: EVIL });
    expect(reply.status).toBe(500);
    expect(reply.corsHeaders()).toEqual([]);
    expect(vary(reply)).toBe('Origin');
  });
});
