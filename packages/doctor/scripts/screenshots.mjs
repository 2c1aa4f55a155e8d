#!/usr/bin/env node
// Renders the README's terminal pictures: docs/doctor-diagnose.png and docs/doctor-audit.png.
//
//   pnpm --filter @cors/doctor build && pnpm --filter @cors/doctor screenshots   (or: node packages/doctor/scripts/screenshots.mjs [--out <dir>])
//
// Starts two small APIs on loopback (fixed ports, so the pictures do not change from run to run), runs the built
// `cors-doctor` against them with colour forced, turns its ANSI colours into HTML, and has headless Chromium
// (/usr/bin/chromium, or CHROMIUM_PATH) take the pictures.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cors from 'cors';
import express from 'express';
import { chromium } from 'playwright-core';
import { cors as corsAdapter } from '@cors/express';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'dist', 'cli.js');
const outArg = process.argv.indexOf('--out');
const out = resolve(outArg > 0 ? process.argv[outArg + 1] : join(here, '..', '..', '..', 'docs'));

const APP = 'https://app.example.com';

function listen(app, port) {
  return new Promise((ok, fail) => {
    const server = createServer(app);
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(server));
  });
}

// A diagnosis: @cors with debug on refuses a header the front end added.
const good = express();
good.disable('x-powered-by');
good.use(corsAdapter({ origin: [APP], credentials: true, methods: ['GET', 'HEAD', 'POST', 'PUT'], allowedHeaders: ['content-type'], debug: true }));
good.put('/api/orders/42', (_req, res) => res.json({ ok: true }));

// An audit: `cors` with an unanchored RegExp, credentials, and reflected request headers.
const lax = express();
lax.use(cors({ origin: /^https:\/\/app.example.com/, credentials: true }));
lax.get('/api/me', (_req, res) => res.json({ name: 'Ada' }));

const servers = [await listen(good, 8790), await listen(lax, 8791)];

function run(args) {
  return new Promise((ok) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' } }, (_error, stdout) => ok(stdout));
  });
}

const diagnosis = await run(['http://api.localhost:8790/api/orders/42', '--origin', APP, '-X', 'PUT', '-H', 'Content-Type: application/json', '-H', 'X-Request-Id: 7f3a', '--credentials']);
const audit = await run(['audit', 'http://api.localhost:8791/api/me', '--origin', APP]);
await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));

const COLOURS = { 31: '#ff6b6b', 32: '#69db7c', 33: '#ffd43b', 34: '#74c0fc', 35: '#e599f7', 36: '#66d9e8' };

/** The SGR codes cors-doctor writes (bold, dim, six colours, resets) as HTML spans. */
function ansiToHtml(text) {
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  let html = '';
  const state = { bold: false, dim: false, colour: null };
  let open = false;
  const style = () => [state.bold ? 'font-weight:700' : '', state.dim ? 'opacity:.6' : '', state.colour ? `color:${state.colour}` : ''].filter(Boolean).join(';');
  for (const part of text.split(/(\u001b\[\d+m)/)) {
    const m = /^\u001b\[(\d+)m$/.exec(part);
    if (!m) {
      html += escape(part);
      continue;
    }
    const n = Number(m[1]);
    if (n === 1) state.bold = true;
    else if (n === 2) state.dim = true;
    else if (n === 22) state.bold = state.dim = false;
    else if (n === 39) state.colour = null;
    else if (COLOURS[n]) state.colour = COLOURS[n];
    if (open) html += '</span>';
    const s = style();
    open = s !== '';
    if (open) html += `<span style="${s}">`;
  }
  return open ? `${html}</span>` : html;
}

function page(command, output) {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; background: #0f1117; }
    .term { display: inline-block; margin: 18px; border-radius: 10px; background: #1a1d27; box-shadow: 0 8px 30px #0008; overflow: hidden; }
    .bar { background: #262a36; padding: 8px 12px; }
    .bar i { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 6px; }
    pre { margin: 0; padding: 14px 18px 18px; color: #e6e9ef; font: 13px/1.45 "DejaVu Sans Mono", ui-monospace, Menlo, monospace; white-space: pre-wrap; width: 1180px; }
    .prompt { color: #69db7c; }
  </style></head><body><div class="term"><div class="bar"><i style="background:#ff5f56"></i><i style="background:#ffbd2e"></i><i style="background:#27c93f"></i></div>
  <pre><span class="prompt">$</span> ${ansiToHtml(command)}\n${ansiToHtml(output)}</pre></div></body></html>`;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  mkdirSync(out, { recursive: true });
  const shots = [
    ['doctor-diagnose.png', "npx @cors/doctor http://api.localhost:8790/api/orders/42 --origin https://app.example.com -X PUT -H 'Content-Type: application/json' -H 'X-Request-Id: 7f3a' --credentials", diagnosis],
    ['doctor-audit.png', 'npx @cors/doctor audit http://api.localhost:8791/api/me --origin https://app.example.com', audit],
  ];
  for (const [file, command, output] of shots) {
    const tab = await browser.newPage({ viewport: { width: 1260, height: 600 }, deviceScaleFactor: 1 });
    await tab.setContent(page(command, output));
    await tab.locator('.term').screenshot({ path: join(out, file) });
    await tab.close();
    console.log(`wrote ${join(out, file)}`);
  }
} finally {
  await browser.close();
}
