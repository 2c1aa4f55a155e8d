// Adversarial Access-Control-Request-Headers over real servers, on @cors/hono (Node) and @cors/fetch on every
// runtime: kilobytes of separators, of mixed case and spaces, and of unlisted names are answered correctly, each
// in about the time of an ordinary preflight (the bound is generous: linear work costs microseconds here, the
// quadratic parsing of hono/cors's advisory cost seconds). Plus validators that throw or reject on preflights
// and actual requests: refused, and the request served, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRICT, validatorPolicy } from '../src/policies.js';
import { rawRequest } from '../src/raw-http.js';
import { START_REFERENCE_APP } from '../src/servers/index.js';
import { FRAMEWORK_MAJORS, type RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
// Under the 16 KiB all request headers together may take on Node's and Bun's parsers.
const SIZE = 12 * 1024;

const FETCH_FAMILY = FRAMEWORK_MAJORS.filter((fm) => fm.framework === 'hono' || fm.framework.startsWith('fetch-'));

function repeat(piece: string, length = SIZE): string {
  return piece.repeat(Math.ceil(length / piece.length)).slice(0, length);
}

const CASES: ReadonlyArray<{ name: string; value: string; status: number }> = [
  { name: 'commas only', value: repeat(','), status: 204 },
  { name: 'spaces and tabs between commas', value: repeat(', \t ,'), status: 204 },
  { name: 'allowed names in every case, with empty elements', value: repeat('Content-Type, ,X-TRACE,,'), status: 204 },
  { name: 'thousands of unlisted names', value: Array.from({ length: 2000 }, (_, i) => `x-h${i}`).join(',').slice(0, SIZE).replace(/,[^,]*$/, ''), status: 403 },
  { name: 'one long unlisted name', value: `x-${repeat('a', SIZE - 2)}`, status: 403 },
];

async function timed(server: RunningServer, acrh: string | undefined): Promise<{ status: number; ms: number }> {
  const headers: Array<[string, string]> = [
    ['Origin', APP],
    ['Access-Control-Request-Method', 'PUT'],
  ];
  if (acrh !== undefined) headers.push(['Access-Control-Request-Headers', acrh]);
  const start = performance.now();
  const res = await rawRequest(server.url, 'OPTIONS', '/resource', headers);
  return { status: res.status, ms: performance.now() - start };
}

async function best(server: RunningServer, acrh: string | undefined, tries = 5): Promise<{ status: number; ms: number }> {
  let result = { status: 0, ms: Infinity };
  for (let i = 0; i < tries; i++) {
    const r = await timed(server, acrh);
    result = { status: r.status, ms: Math.min(result.ms, r.ms) };
  }
  return result;
}

describe.each(FETCH_FAMILY)('adversarial Access-Control-Request-Headers on $label', (fm) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await START_REFERENCE_APP[fm.framework](fm.major, { cors: STRICT });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it.each(CASES)('$name: answered correctly, in about the time of an ordinary preflight', async ({ value, status }) => {
    const ordinary = await best(server, 'content-type');
    expect(ordinary.status).toBe(204);
    const adversarial = await best(server, value);
    expect(adversarial.status).toBe(status);
    expect(adversarial.ms, `ordinary ${ordinary.ms.toFixed(2)} ms`).toBeLessThan(ordinary.ms + 50);
  });
});

describe.each(FETCH_FAMILY)('validators that throw or reject on $label', (fm) => {
  let server: RunningServer;
  const reasons: string[] = [];
  beforeAll(async () => {
    server = await START_REFERENCE_APP[fm.framework](fm.major, { cors: { ...validatorPolicy(), onRefused: (r) => void reasons.push(r.code) } });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it.each(['https://throws.example.net', 'https://rejects.example.net'])('%s: refused, the request served, the preflight 403', async (origin) => {
    reasons.length = 0;
    const actual = await rawRequest(server.url, 'GET', '/resource', [['Origin', origin]]);
    expect(actual.status).toBe(200);
    expect(actual.body).toBe('ok');
    expect(actual.corsHeaderNames()).toEqual([]);
    const pre = await rawRequest(server.url, 'OPTIONS', '/resource', [
      ['Origin', origin],
      ['Access-Control-Request-Method', 'PUT'],
    ]);
    expect(pre.status).toBe(403);
    expect(pre.corsHeaderNames()).toEqual([]);
    expect(reasons).toEqual(['validator-error', 'validator-error']);
    // Many at once: still no 500.
    const burst = await Promise.all(Array.from({ length: 20 }, () => rawRequest(server.url, 'GET', '/resource', [['Origin', origin]])));
    expect(burst.map((r) => r.status)).toEqual(Array(20).fill(200));
  });
});
