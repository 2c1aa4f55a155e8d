// audit() against real servers on loopback: every finding id has a server that triggers it and one that does not;
// the misconfigured peers get the findings their trackers describe; the correct servers get nothing at or above
// low, so the audit can gate CI.
import { describe, expect, it } from 'vitest';
import { audit, FINDING_IDS, type AuditReport, type FindingId, type Severity } from '../src/index.js';
import {
  adapterExpress,
  adapterFastify,
  adapterKoa,
  CAREFUL,
  corsCareful,
  corsReflecting,
  corsSuffix,
  corsUnanchored,
  corsWith,
  fastifyCorsOwnVary,
  httpsAdapterExpress,
  koaCorsCredentials,
  nodeServer,
  TRUSTED,
  type Running,
} from './servers.mjs';
import { deadPort, isPreflight, keep } from './support.js';

const reports = new Map<string, Promise<AuditReport>>();

/** The audit of the server `start` makes, run once per `key` in this file (several cases look at one report). */
function auditOf(key: string, start: () => Promise<Running>): Promise<AuditReport> {
  let report = reports.get(key);
  if (report === undefined) {
    report = (async () => {
      const s = await keep(start());
      return audit({ url: `${s.url}/data`, trustedOrigins: [TRUSTED], insecure: s.url.startsWith('https:') });
    })();
    reports.set(key, report);
  }
  return report;
}

const peer = {
  reflecting: () => auditOf('cors origin: true, credentials', () => corsReflecting()),
  unanchored: () => auditOf('cors unanchored RegExp', () => corsUnanchored()),
  suffix: () => auditOf('cors suffix RegExp', () => corsSuffix()),
  careful: () => auditOf('cors careful', () => corsCareful()),
  koa: () => auditOf('@koa/cors credentials', () => koaCorsCredentials()),
  fastifyVary: () => auditOf('@fastify/cors own Vary', () => fastifyCorsOwnVary()),
  express: () => auditOf('@cors/express', () => adapterExpress()),
  koaAdapter: () => auditOf('@cors/koa', () => adapterKoa()),
  fastify: () => auditOf('@cors/fastify', () => adapterFastify()),
  star: () => auditOf("@cors/express '*'", () => adapterExpress({ origin: '*' })),
  handWritten: () => auditOf('hand-written', () => handWritten({})),
};

const ids = (r: AuditReport) => r.findings.map((f) => f.id);
const severityOf = (r: AuditReport, id: FindingId): Severity | undefined => r.findings.find((f) => f.id === id)?.severity;

/** Reflects the Origin of trusted-looking requests only, with options for what goes wrong. */
function handWritten(o: { vary?: boolean; preflightCredentials?: boolean; actualCredentials?: boolean; allowOrigin?: string; errorsWithoutCors?: boolean }) {
  return nodeServer((req, res) => {
    const origin = req.headers.origin;
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    const route = req.url === '/data';
    if (origin === TRUSTED && (route || !o.errorsWithoutCors)) {
      headers['access-control-allow-origin'] = o.allowOrigin ?? origin;
      const credentials = isPreflight(req) ? (o.preflightCredentials ?? true) : (o.actualCredentials ?? true);
      if (credentials) headers['access-control-allow-credentials'] = 'true';
    }
    if (o.vary !== false) headers.vary = 'Origin';
    if (isPreflight(req)) return void res.writeHead(204, headers).end();
    res.writeHead(route ? 200 : 404, headers).end(route ? 'data' : 'not found');
  });
}

describe('every finding id: a server that triggers it, and one that does not', () => {
  interface Case {
    readonly id: FindingId;
    readonly severity: Severity;
    readonly trigger: () => Promise<AuditReport>;
    readonly pass: () => Promise<AuditReport>;
  }
  const cases: Case[] = [
    { id: 'origin-reflected', severity: 'critical', trigger: peer.reflecting, pass: peer.express },
    { id: 'prefix-match', severity: 'high', trigger: peer.unanchored, pass: peer.suffix },
    { id: 'suffix-match', severity: 'high', trigger: peer.suffix, pass: peer.unanchored },
    { id: 'unescaped-dot', severity: 'high', trigger: peer.unanchored, pass: peer.express },
    { id: 'special-chars', severity: 'high', trigger: peer.unanchored, pass: peer.suffix },
    { id: 'null-origin', severity: 'high', trigger: () => auditOf('cors null', () => corsWith({ origin: [TRUSTED, 'null'], credentials: true })), pass: peer.express },
    {
      id: 'insecure-origin',
      severity: 'medium',
      trigger: () => auditOf('https http-form', () => httpsAdapterExpress({ origin: [TRUSTED, 'http://app.example.com'] })),
      pass: () => auditOf('https', () => httpsAdapterExpress({ origin: [TRUSTED] })),
    },
    {
      id: 'third-party-origin',
      severity: 'high',
      trigger: () => auditOf('cors vercel', () => corsWith({ origin: [TRUSTED, /^https:\/\/[a-z0-9-]+\.vercel\.app$/], credentials: true })),
      pass: peer.express,
    },
    { id: 'subdomain-trusted', severity: 'low', trigger: () => auditOf('@cors/express *.example.com', () => adapterExpress({ ...CAREFUL, origin: ['https://*.example.com'] })), pass: peer.express },
    { id: 'wildcard-origin', severity: 'info', trigger: peer.star, pass: peer.express },
    { id: 'wildcard-with-credentials', severity: 'medium', trigger: () => auditOf("cors '*' credentials", () => corsWith({ origin: '*', credentials: true })), pass: peer.star },
    {
      id: 'allow-origin-multiple',
      severity: 'medium',
      trigger: () => auditOf('hand-written list', () => handWritten({ allowOrigin: `${TRUSTED}, https://admin.example.com` })),
      pass: peer.handWritten,
    },
    { id: 'missing-vary', severity: 'high', trigger: peer.fastifyVary, pass: peer.fastify },
    { id: 'request-headers-reflected', severity: 'low', trigger: peer.koa, pass: peer.careful },
    { id: 'headers-to-refused-origin', severity: 'info', trigger: peer.careful, pass: peer.koaAdapter },
    { id: 'preflight-actual-mismatch', severity: 'low', trigger: () => auditOf('hand-written mismatch', () => handWritten({ actualCredentials: false })), pass: peer.handWritten },
    { id: 'error-without-cors', severity: 'info', trigger: () => auditOf('hand-written errors', () => handWritten({ errorsWithoutCors: true })), pass: peer.express },
  ];

  it('covers every id of the enum', () => {
    expect(cases.map((c) => c.id).sort()).toEqual([...FINDING_IDS].sort());
  });

  it.each(cases)('$id ($severity)', async (c) => {
    const triggered = await c.trigger();
    expect(ids(triggered), JSON.stringify(triggered.findings.map((f) => [f.id, f.severity]))).toContain(c.id);
    expect(severityOf(triggered, c.id)).toBe(c.severity);
    const finding = triggered.findings.find((f) => f.id === c.id)!;
    expect(finding.evidence.length).toBeGreaterThan(0);
    expect(finding.evidence[0]!.response).not.toBeNull();
    expect(finding.fix.length).toBeGreaterThan(20);
    const passed = await c.pass();
    expect(ids(passed)).not.toContain(c.id);
  });
});

describe('the misconfigured peers', () => {
  it('cors with origin: true and credentials: origin-reflected, critical, exit 1', async () => {
    const r = await peer.reflecting();
    expect(r.findings[0]).toMatchObject({ id: 'origin-reflected', severity: 'critical', origin: 'https://evil.example' });
    expect(r.findings[0]!.evidence[0]!.response!.headers).toContainEqual(['Access-Control-Allow-Credentials', 'true']);
    // The more specific probes are implied, and left out.
    expect(ids(r)).not.toContain('prefix-match');
    expect(r.exitCode).toBe(1);
    expect(r.server.identity).toMatchObject({ framework: 'express', middleware: 'cors' });
  });

  it('without credentials, reflection is low, and says why', async () => {
    const r = await auditOf('cors origin: true', () => corsReflecting(undefined, { credentials: false }));
    expect(severityOf(r, 'origin-reflected')).toBe('low');
    expect(r.findings.find((f) => f.id === 'origin-reflected')!.detail).toContain('no worse than `*`');
    expect(r.exitCode).toBe(0);
  });

  it('an unanchored RegExp without credentials: the "high with credentials" findings are low, and say so', async () => {
    const r = await auditOf('cors unanchored, no credentials', () => corsWith({ origin: /^https:\/\/app.example.com/ }));
    for (const id of ['prefix-match', 'unescaped-dot', 'special-chars'] as const) {
      expect(severityOf(r, id)).toBe('low');
      expect(r.findings.find((f) => f.id === id)!.detail).toContain('no more exposed than with `*`');
    }
  });

  it('cors with an unanchored RegExp: prefix, unescaped dot and special characters, every one of them', async () => {
    const r = await peer.unanchored();
    const special = r.findings.find((f) => f.id === 'special-chars')!;
    expect(special.detail).toContain('https://app.example.com%60.evil.example');
    expect(r.probes.filter((p) => p.kind === 'special-chars')).toHaveLength(16);
  });

  it('@koa/cors with credentials and its default origin: origin-reflected, critical', async () => {
    const r = await peer.koa();
    expect(r.findings[0]).toMatchObject({ id: 'origin-reflected', severity: 'critical' });
    expect(r.server.identity.middleware).toBe('@koa/cors');
  });

  it('@fastify/cors under a route that sets its own Vary, publicly cacheable: missing-vary, high', async () => {
    const r = await peer.fastifyVary();
    const f = r.findings.find((x) => x.id === 'missing-vary')!;
    expect(f.severity).toBe('high');
    expect(f.evidence).toHaveLength(3);
    expect(f.evidence[1]!.response!.headers).toContainEqual(['vary', 'Accept-Encoding']);
    expect(r.exitCode).toBe(1);
  });

  it('missing Vary without a cache that may store it is medium', async () => {
    const r = await auditOf('hand-written no Vary', () => handWritten({ vary: false }));
    expect(severityOf(r, 'missing-vary')).toBe('medium');
  });

  it('a suffix hit inside the trusted site only is as risky as a subdomain: low', async () => {
    const r = await auditOf('cors app suffix', () => corsWith({ origin: /app\.example\.com$/, credentials: true }));
    const f = r.findings.find((x) => x.id === 'suffix-match')!;
    expect(f.origin).toBe('https://evilapp.example.com');
    expect(f.severity).toBe('low');
  });
});

describe('correct servers pass the gate: nothing at or above low', () => {
  it.each([
    ['@cors/express', peer.express, true],
    ['@cors/koa', peer.koaAdapter, true],
    ['@cors/fastify', peer.fastify, false],
    ['cors configured carefully', peer.careful, false],
  ] as const)('%s', async (_name, report, noFindingAtAll) => {
    const r = await report();
    expect(r.findings.filter((f) => f.severity !== 'info'), JSON.stringify(r.findings.map((f) => f.id))).toEqual([]);
    expect(r.exitCode).toBe(0);
    if (noFindingAtAll) expect(r.findings).toEqual([]);
    expect(r.probes.find((p) => p.origin === TRUSTED)!.simple!.allowed).toBe(true);
  });
});

describe('the audit itself', () => {
  it('stays within tens of requests, sent one at a time, with --delay between them', async () => {
    const s = await keep(adapterExpress());
    const started = performance.now();
    const r = await audit({ url: `${s.url}/data`, trustedOrigins: [TRUSTED], delay: 2 });
    expect(r.requests).toBeGreaterThan(40);
    expect(r.requests).toBeLessThan(100);
    expect(performance.now() - started).toBeGreaterThanOrEqual((r.requests - 1) * 2);
  });

  it('without a trusted origin it probes around the URL\'s own origin', async () => {
    const s = await keep(corsReflecting());
    const r = await audit({ url: `${s.url}/data` });
    expect(r.findings[0]!.id).toBe('origin-reflected');
    expect(r.probes.some((p) => p.origin === `http://127.0.0.1:${s.port}.evil.example`)).toBe(false); // an IP has no derived hosts
    const named = await keep(corsUnanchored('localhost'));
    const byName = await audit({ url: `${named.url}/data` });
    expect(byName.probes.some((p) => p.kind === 'prefix' && p.origin === `http://localhost.evil.example:${named.port}`)).toBe(true);
  });

  it('an unreachable server exits 2', async () => {
    const r = await audit({ url: `http://127.0.0.1:${await deadPort()}/data`, trustedOrigins: [TRUSTED] });
    expect(r.exitCode).toBe(2);
    expect(r.errors[0]!.error).toMatch(/ECONNREFUSED/);
    expect(r.requests).toBe(1);
  });

  it("refuses 'null' as a trusted origin", async () => {
    await expect(audit({ url: 'http://127.0.0.1:1/', trustedOrigins: ['null'] })).rejects.toThrow(/never a trusted origin/);
  });
});
