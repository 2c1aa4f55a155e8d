// diagnose() against real servers on loopback: every failure step has a server that triggers it and one that
// does not, the misconfigured peers and the correct servers give the verdicts they should, and the fix names the
// option of the middleware that answered.
import { describe, expect, it } from 'vitest';
import { diagnose, FAILURE_STEPS, type Diagnosis, type FailureStep } from '../src/index.js';
import {
  adapterExpress,
  adapterFastify,
  adapterKoa,
  CAREFUL,
  corsCareful,
  corsReflecting,
  corsWith,
  fastifyCorsOwnVary,
  koaCorsCredentials,
  nodeServer,
  TRUSTED,
} from './servers.mjs';
import { deadPort, isPreflight, keep, type Handler } from './support.js';

const FOREIGN = 'https://evil.example';

/** A server that answers every request with these headers (the preflight with `preflight`, when given). */
function fixed(headers: Record<string, string | string[]>, preflight?: { status?: number; headers?: Record<string, string | string[]> }): Handler {
  return (req, res) => {
    if (isPreflight(req) && preflight) {
      res.writeHead(preflight.status ?? 204, preflight.headers ?? {});
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', ...headers });
    res.end('ok');
  };
}

const echo = (req: { headers: { origin?: string } }) => req.headers.origin ?? '';

async function run(url: string, options: Partial<Parameters<typeof diagnose>[0]> = {}): Promise<Diagnosis> {
  return diagnose({ url, origin: TRUSTED, ...options });
}

function stepOf(d: Diagnosis): FailureStep | null {
  return d.failure?.step ?? null;
}

describe('a correct server', () => {
  it.each([
    ['@cors/express', () => adapterExpress()],
    ['@cors/koa', () => adapterKoa()],
    ['@cors/fastify', () => adapterFastify()],
    ['cors configured carefully', () => corsCareful()],
  ])('%s allows a simple, a credentialed and a preflighted request from the trusted origin', async (_name, start) => {
    const server = await keep(start());
    const simple = await run(`${server.url}/data`);
    expect(simple.verdict).toBe('allowed');
    expect(simple.preflight.needed).toBe(false);
    expect(simple.readableHeaders).toContain('x-request-id');
    const credentialed = await run(`${server.url}/data`, { credentials: true });
    expect(credentialed.verdict).toBe('allowed');
    const preflighted = await run(`${server.url}/data`, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-Trace': '1' }, credentials: true });
    expect(preflighted.verdict, JSON.stringify(preflighted.failure)).toBe('allowed');
    expect(preflighted.preflight).toMatchObject({ needed: true, sent: true, passed: true, requestHeaders: ['content-type', 'x-trace'], maxAge: 600 });
    expect(preflighted.steps.map((s) => s.kind)).toEqual(['plan', 'preflight', 'request']);
    expect(preflighted.requests).toBe(2);
  });
});

describe('every failure step: a server that triggers it, and one that does not', () => {
  interface Case {
    readonly step: FailureStep;
    readonly trigger: () => Promise<Diagnosis>;
    readonly pass: () => Promise<Diagnosis>;
    readonly also?: (d: Diagnosis) => void;
  }

  const cases: Case[] = [
    {
      step: 'network-error',
      trigger: async () => run(`http://127.0.0.1:${await deadPort()}/data`),
      pass: async () => run(`${(await keep(adapterExpress())).url}/data`),
      also: (d) => expect(d.failure!.fix[0]).toMatch(/ECONNREFUSED/),
    },
    {
      step: 'forbidden-method',
      trigger: async () => run(`${(await keep(adapterExpress())).url}/data`, { method: 'TRACE' }),
      pass: async () => run(`${(await keep(adapterExpress())).url}/data`, { method: 'GET' }),
      also: (d) => expect(d.requests).toBe(0),
    },
    {
      step: 'preflight-redirect',
      trigger: async () =>
        run(`${(await keep(nodeServer((req, res) => (isPreflight(req) ? res.writeHead(301, { location: '/data/' }).end() : fixed({ 'access-control-allow-origin': echo(req) })(req, res))))).url}/data`, { method: 'PUT' }),
      pass: async () => run(`${(await keep(adapterExpress())).url}/data`, { method: 'PUT' }),
      also: (d) => expect(d.failure!.fix.join(' ')).toMatch(/trailing slash/),
    },
    {
      step: 'preflight-status',
      // CORS runs first and adds its headers, then authentication answers the preflight 401.
      trigger: async () =>
        run(`${(await keep(nodeServer((req, res) => res.writeHead(isPreflight(req) ? 401 : 200, { 'access-control-allow-origin': echo(req), 'access-control-allow-methods': 'PUT', vary: 'Origin', 'www-authenticate': 'Bearer' }).end()))).url}/data`, { method: 'PUT' }),
      pass: async () => run(`${(await keep(adapterExpress())).url}/data`, { method: 'PUT' }),
      also: (d) => expect(d.failure!.fix[0]).toContain('an authentication layer runs before CORS; preflights carry no credentials, so let OPTIONS through'),
    },
    {
      step: 'allow-origin-missing',
      trigger: async () => run(`${(await keep(adapterExpress())).url}/data`, { origin: FOREIGN }),
      pass: async () => run(`${(await keep(adapterExpress())).url}/data`),
      also: (d) => {
        expect(d.failure!.request).toBe('actual');
        expect(d.failure!.fix.join(' ')).toContain(`a CORS policy runs and refused this origin: add '${FOREIGN}' to the origins the CORS configuration allows`);
      },
    },
    {
      step: 'allow-origin-multiple',
      trigger: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': [TRUSTED, TRUSTED] })))).url}/data`),
      pass: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': TRUSTED })))).url}/data`),
      also: (d) => {
        expect(d.failure!.message).toContain(`multiple values '${TRUSTED}, ${TRUSTED}'`);
        expect(d.failure!.fix[0]).toMatch(/two layers/);
      },
    },
    {
      step: 'allow-origin-invalid',
      trigger: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': 'app.example.com' })))).url}/data`),
      pass: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': '*' })))).url}/data`),
    },
    {
      step: 'allow-origin-mismatch',
      // `cors` with a string sends that one origin to everyone.
      trigger: async () => run(`${(await keep(corsWith({ origin: TRUSTED }))).url}/data`, { origin: FOREIGN }),
      pass: async () => run(`${(await keep(corsWith({ origin: TRUSTED }))).url}/data`),
      also: (d) => expect(d.failure!.fix[0]).toMatch(/one fixed origin to everyone/),
    },
    {
      step: 'wildcard-with-credentials',
      trigger: async () => run(`${(await keep(corsWith({ origin: '*', credentials: true }))).url}/data`, { credentials: true }),
      pass: async () => run(`${(await keep(corsWith({ origin: '*', credentials: true }))).url}/data`),
    },
    {
      step: 'allow-credentials-missing',
      trigger: async () => run(`${(await keep(adapterExpress({ ...CAREFUL, credentials: false }))).url}/data`, { credentials: true }),
      pass: async () => run(`${(await keep(adapterExpress())).url}/data`, { credentials: true }),
      also: (d) => expect(d.failure!.fix.join(' ')).toContain('@cors (likely'),
    },
    {
      step: 'allow-credentials-invalid',
      trigger: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': TRUSTED, 'access-control-allow-credentials': 'True' })))).url}/data`, { credentials: true }),
      pass: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': TRUSTED, 'access-control-allow-credentials': 'true' })))).url}/data`, { credentials: true }),
    },
    {
      step: 'allow-methods-invalid',
      trigger: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': TRUSTED }, { headers: { 'access-control-allow-origin': TRUSTED, 'access-control-allow-methods': 'GET PUT' } })))).url}/data`, { method: 'PUT' }),
      pass: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': TRUSTED }, { headers: { 'access-control-allow-origin': TRUSTED, 'access-control-allow-methods': 'GET, PUT' } })))).url}/data`, { method: 'PUT' }),
    },
    {
      step: 'allow-headers-invalid',
      trigger: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': TRUSTED }, { headers: { 'access-control-allow-origin': TRUSTED, 'access-control-allow-headers': 'x-a;x-b' } })))).url}/data`, { headers: { 'x-a': '1' } }),
      pass: async () => run(`${(await keep(nodeServer(fixed({ 'access-control-allow-origin': TRUSTED }, { headers: { 'access-control-allow-origin': TRUSTED, 'access-control-allow-headers': 'x-a, x-b' } })))).url}/data`, { headers: { 'x-a': '1' } }),
    },
    {
      step: 'method-not-allowed',
      trigger: async () => run(`${(await keep(corsCareful())).url}/data`, { method: 'DELETE' }),
      pass: async () => run(`${(await keep(corsCareful())).url}/data`, { method: 'PUT' }),
      also: (d) => {
        expect(d.failure!.message).toContain('Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.');
        expect(d.failure!.fix.join(' ')).toContain("cors (likely, from X-Powered-By: Express");
        expect(d.failure!.fix.join(' ')).toContain("add 'DELETE' to `methods`");
      },
    },
    {
      step: 'header-not-allowed',
      trigger: async () => run(`${(await keep(corsCareful())).url}/data`, { method: 'PUT', headers: { 'X-Secret': '1', 'X-Trace': '1' } }),
      pass: async () => run(`${(await keep(corsCareful())).url}/data`, { method: 'PUT', headers: { 'X-Trace': '1' } }),
      also: (d) => {
        expect(d.failure!.message).toContain('Request header field x-secret is not allowed by Access-Control-Allow-Headers in preflight response.');
        expect(d.failure!.fix.join(' ')).toContain("add 'x-secret' to `allowedHeaders`");
      },
    },
    {
      step: 'redirect-not-allowed',
      trigger: async () => {
        const s = await keep(nodeServer((req, res) => (req.url === '/data' ? res.writeHead(302, { location: `http://user:secret@127.0.0.1:${(req.socket.address() as { port: number }).port}/final`, 'access-control-allow-origin': echo(req) }).end() : fixed({ 'access-control-allow-origin': '*' })(req, res))));
        return run(`${s.url}/data`);
      },
      pass: async () => {
        const s = await keep(nodeServer((req, res) => (req.url === '/data' ? res.writeHead(302, { location: '/final', 'access-control-allow-origin': echo(req) }).end() : fixed({ 'access-control-allow-origin': echo(req) })(req, res))));
        return run(`${s.url}/data`);
      },
      also: (d) => {
        expect(d.failure!.message).toContain("Redirect location '' contains a username and password, which is disallowed for cross-origin requests.");
        expect(d.failure!.fix[0]).toMatch(/redirected to http:\/\/user:secret@127\.0\.0\.1:\d+\/final/);
      },
    },
    {
      step: 'too-many-redirects',
      trigger: async () => run(`${(await keep(nodeServer((req, res) => res.writeHead(302, { location: `/loop?${Number(new URL(req.url!, 'http://x').searchParams.get('n') ?? 0)}`, 'access-control-allow-origin': '*' }).end()))).url}/data`),
      pass: async () => run(`${(await keep(nodeServer((req, res) => (req.url === '/data' ? res.writeHead(307, { location: '/final', 'access-control-allow-origin': '*' }).end() : fixed({ 'access-control-allow-origin': '*' })(req, res))))).url}/data`),
      also: (d) => expect(d.redirects.length).toBe(20),
    },
  ];

  it('covers every step of the enum', () => {
    expect(cases.map((c) => c.step).sort()).toEqual([...FAILURE_STEPS].sort());
  });

  it.each(cases)('$step', async (c) => {
    const triggered = await c.trigger();
    expect(triggered.verdict).toBe('blocked');
    expect(stepOf(triggered), JSON.stringify(triggered.failure)).toBe(c.step);
    expect(triggered.failure!.fix.length).toBeGreaterThan(0);
    c.also?.(triggered);
    const passed = await c.pass();
    expect(stepOf(passed), JSON.stringify(passed.failure)).not.toBe(c.step);
  });
});

describe('the misconfigured peers', () => {
  it('auth before CORS: the preflight gets a 401 without CORS headers, and the fix says to let OPTIONS through', async () => {
    const s = await keep(
      nodeServer((req, res) => {
        if (req.headers.authorization !== 'Bearer good') {
          res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
          return;
        }
        res.writeHead(200, { 'access-control-allow-origin': echo(req), 'access-control-allow-headers': 'authorization', 'access-control-allow-credentials': 'true', vary: 'Origin' }).end('ok');
      }),
    );
    const d = await run(`${s.url}/data`, { headers: { Authorization: 'Bearer good' }, credentials: true });
    expect(d.verdict).toBe('blocked');
    expect(d.failure).toMatchObject({ step: 'allow-origin-missing', request: 'preflight' });
    expect(d.failure!.message).toContain("Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header");
    expect(d.failure!.fix[0]).toBe('The preflight was answered 401 without CORS headers: an authentication layer runs before CORS; preflights carry no credentials, so let OPTIONS through.');
  });

  it('a preflight redirected to a login page says so', async () => {
    const s = await keep(nodeServer((req, res) => res.writeHead(302, { location: 'https://sso.example.com/login' }).end()));
    const d = await run(`${s.url}/data`, { method: 'DELETE' });
    expect(d.failure!.step).toBe('preflight-redirect');
    expect(d.failure!.message).toContain("Response to preflight request doesn't pass access control check: Redirect is not allowed for a preflight request.");
    expect(d.failure!.fix.join(' ')).toContain('an authentication layer runs before CORS');
  });

  it('cors with origin: true and credentials allows any origin, credentials included', async () => {
    const s = await keep(corsReflecting());
    const d = await run(`${s.url}/data`, { origin: FOREIGN, credentials: true, method: 'PUT', headers: { 'x-anything': '1' } });
    expect(d.verdict).toBe('allowed');
    expect(d.server.identity).toMatchObject({ framework: 'express', middleware: 'cors' });
  });

  it('@koa/cors with credentials allows any origin, and is recognised', async () => {
    const s = await keep(koaCorsCredentials());
    const d = await run(`${s.url}/data`, { origin: FOREIGN, credentials: true, method: 'PUT' });
    expect(d.verdict).toBe('allowed');
    expect(d.server.identity).toMatchObject({ framework: 'koa', middleware: '@koa/cors' });
  });

  it('@fastify/cors: a refused origin, with the fix for @fastify/cors', async () => {
    const s = await keep(fastifyCorsOwnVary());
    const d = await run(`${s.url}/data`, { origin: FOREIGN, method: 'PUT' });
    expect(d.failure).toMatchObject({ step: 'allow-origin-missing', request: 'preflight' });
    expect(d.server.identity).toMatchObject({ framework: 'fastify', middleware: '@fastify/cors' });
    expect(d.failure!.fix.join(' ')).toContain(`@fastify/cors (likely`);
  });

  it('@cors answers a refused preflight 403 without CORS headers, and the fix lists what it checks', async () => {
    const s = await keep(adapterKoa());
    const d = await run(`${s.url}/data`, { method: 'PATCH' });
    expect(d.failure).toMatchObject({ step: 'allow-origin-missing', request: 'preflight' });
    expect(d.server.identity.middleware).toBe('@cors');
    expect(d.failure!.fix.join(' ')).toContain('one of the origin https://app.example.com, the method PATCH is not allowed');
    expect(d.failure!.fix.join(' ')).toContain('`debug: true`');
  });

  it.each([
    ['@cors/express', () => adapterExpress(), 'express'],
    ['@cors/koa', () => adapterKoa(), null],
    ['@cors/fastify', () => adapterFastify(), 'fastify'],
  ] as const)('%s is recognised as @cors', async (_name, start, framework) => {
    const s = await keep(start());
    const d = await run(`${s.url}/data`, { method: 'PUT' });
    expect(d.server.identity).toMatchObject({ middleware: '@cors', framework });
  });
});

describe('what a script could read', () => {
  it('the safelisted headers and the exposed ones; the rest is listed as hidden', async () => {
    const s = await keep(adapterExpress());
    const d = await run(`${s.url}/data`);
    expect(d.readableHeaders).toEqual(['content-length', 'content-type', 'x-request-id']);
    expect(d.hiddenHeaders).toContain('x-powered-by');
  });

  it('nothing when blocked', async () => {
    const s = await keep(adapterExpress());
    const d = await run(`${s.url}/data`, { origin: FOREIGN });
    expect(d.readableHeaders).toEqual([]);
  });
});

describe('what the browser does on the way', () => {
  it('a header no script may set is dropped, with a note', async () => {
    const s = await keep(adapterExpress());
    const d = await run(`${s.url}/data`, { headers: { Cookie: 'a=b', 'Sec-Test': '1' } });
    expect(d.verdict).toBe('allowed');
    expect(d.preflight.needed).toBe(false);
    expect(d.steps[0]!.notes[0]).toMatch(/cannot set Cookie, Sec-Test/);
    expect(d.steps[1]!.exchange!.request.headers.some(([n]) => n === 'Cookie')).toBe(false);
  });

  it('a same-origin request needs no CORS', async () => {
    const s = await keep(nodeServer(fixed({})));
    const d = await diagnose({ url: `${s.url}/data`, origin: s.url, method: 'PUT', headers: { 'x-a': '1' } });
    expect(d.verdict).toBe('allowed');
    expect(d.preflight.needed).toBe(false);
    expect(d.requests).toBe(1);
  });

  it('a cross-origin redirect sends Origin: null onward, which the next server must allow', async () => {
    const target = await keep(adapterExpress());
    const first = await keep(nodeServer((req, res) => res.writeHead(307, { location: `${target.url}/data`, 'access-control-allow-origin': echo(req) }).end()));
    const d = await run(`${first.url}/start`);
    expect(d.redirects).toEqual([`${target.url}/data`]);
    expect(d.failure).toMatchObject({ step: 'allow-origin-missing', request: 'actual' });
    expect(d.failure!.message).toContain(`Access to fetch at '${target.url}/data' (redirected from '${first.url}/start') from origin '${TRUSTED}'`);
    const last = d.steps.at(-1)!;
    expect(last.exchange!.request.headers).toContainEqual(['Origin', 'null']);
  });

  it('a 303 turns a PUT into a GET without its body headers, and the redirect needs CORS headers itself', async () => {
    const seen: string[] = [];
    const s = await keep(
      nodeServer((req, res) => {
        seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? '-'}`);
        if (isPreflight(req)) return void res.writeHead(204, { 'access-control-allow-origin': echo(req), 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'content-type' }).end();
        if (req.url === '/data') return void res.writeHead(303, { location: '/result', 'access-control-allow-origin': echo(req) }).end();
        res.writeHead(200, { 'access-control-allow-origin': echo(req) }).end('done');
      }),
    );
    const d = await run(`${s.url}/data`, { method: 'PUT', headers: { 'content-type': 'application/json' } });
    expect(d.verdict).toBe('allowed');
    expect(seen).toEqual(['OPTIONS /data -', 'PUT /data application/json', 'GET /result -']);
  });

  it('the server\'s Cors-Refusal header is read and shown beside the verdict', async () => {
    const s = await keep(
      nodeServer((req, res) => {
        if (isPreflight(req)) return void res.writeHead(403, { vary: 'Origin', 'cors-refusal': 'header-not-allowed; header=x-trace; option=allowedHeaders' }).end();
        res.writeHead(200).end();
      }),
    );
    const d = await run(`${s.url}/data`, { method: 'PUT', headers: { 'x-trace': '1' } });
    expect(d.server.refusal).toMatchObject({ code: 'header-not-allowed', option: 'allowedHeaders', params: { header: ['x-trace'] } });
    expect(d.failure!.fix.at(-1)).toBe("The server says why (Cors-Refusal: header-not-allowed; header=x-trace; option=allowedHeaders): add 'x-trace' to `allowedHeaders`.");
  });
});

describe("@cors's debug option: the server's reason beside the browser's verdict", () => {
  it.each([
    [{ method: 'PUT', headers: { 'x-secret': '1', 'x-other': '2' } }, 'header-not-allowed', "add 'x-other', 'x-secret' to `allowedHeaders`"],
    [{ method: 'PATCH' }, 'method-not-allowed', "add 'PATCH' to `methods`"],
    [{ origin: FOREIGN, method: 'PUT' }, 'origin-not-allowed', `add '${FOREIGN}' to \`origin\``],
  ] as const)('%o: %s', async (request, code, action) => {
    const s = await keep(adapterExpress({ ...CAREFUL, debug: true }));
    const d = await run(`${s.url}/data`, request);
    expect(d.verdict).toBe('blocked');
    expect(d.failure).toMatchObject({ step: 'allow-origin-missing', request: 'preflight' });
    expect(d.server.refusal?.code).toBe(code);
    expect(d.server.identity).toMatchObject({ middleware: '@cors', confidence: 'certain' });
    expect(d.failure!.fix.at(-1)).toMatch(new RegExp(`^The server says why \\(Cors-Refusal: ${code};.*\\): ${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.$`));
    // The guess at the middleware gives way to the server's own word.
    expect(d.failure!.fix.filter((l) => l.startsWith('@cors'))).toEqual([]);
  });

  it('an allowed request carries no Cors-Refusal', async () => {
    const s = await keep(adapterExpress({ ...CAREFUL, debug: true }));
    const d = await run(`${s.url}/data`, { method: 'PUT', headers: { 'x-trace': '1' } });
    expect(d.verdict).toBe('allowed');
    expect(d.server.refusal).toBeNull();
  });
});

describe('what the caller asked for', () => {
  it.each([
    [{ url: 'ftp://example.com/x', origin: TRUSTED }, /only http: and https:/],
    [{ url: 'not a url', origin: TRUSTED }, /not an absolute URL/],
    [{ url: 'http://127.0.0.1/x', origin: 'https://app.example.com/' }, /did you mean https:\/\/app\.example\.com\?/],
    [{ url: 'http://127.0.0.1/x', origin: 'app.example.com' }, /not an origin a browser sends/],
    [{ url: 'http://127.0.0.1/x', origin: TRUSTED, method: 'GET PUT' }, /not a method name/],
  ])('%o is refused before any request', async (options, message) => {
    await expect(diagnose(options)).rejects.toThrow(message);
  });
});
