// The Diagnose panel: cors-doctor's step-by-step verdict on a request (asked of the page server, POST /diagnose)
// beside what this browser did with the same request, sent from the origin the user chose.
'use strict';
(async function diagnosePanel() {
  const $ = (id) => document.getElementById(id);
  await new Promise((resolve) => (self.playground ? resolve() : window.addEventListener('playground-ready', resolve, { once: true })));
  const { config, here, origins, runFrom } = self.playground;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }
  const code = (text) => el('code', null, text);
  const badge = (verdict, testid) => el('span', { class: `badge ${verdict}`, 'data-testid': testid }, verdict.toUpperCase());

  $('d-url').value = `${config.apiOrigin}/strict/resource`;
  $('d-origin').value = here;
  for (const origin of origins) $('d-origins').append(el('option', { value: origin }));
  const run = $('d-run');
  run.disabled = false;
  $('diagnose').dataset.ready = 'true';

  /** `Name: value` lines; a line without a colon is left out. */
  function headerPairs(text) {
    const pairs = [];
    for (const line of text.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) pairs.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    return pairs;
  }

  const CORS_RELEVANT = /^(origin|access-control-.*|vary|cors-refusal|location|www-authenticate|content-type|authorization|x-.*)$/i;

  function exchangeView(exchange) {
    if (!exchange) return null;
    const sent = exchange.request.headers.filter(([n]) => CORS_RELEVANT.test(n));
    const response = exchange.response;
    return el(
      'div',
      { class: 'pair' },
      el('div', null, el('h5', null, 'sent'), el('ul', { class: 'headers' }, sent.map(([n, v]) => el('li', null, code(`${n}: ${v}`))))),
      el(
        'div',
        null,
        el('h5', null, response ? `received ${response.status}` : 'no answer'),
        response
          ? el('ul', { class: 'headers' }, response.headers.filter(([n]) => CORS_RELEVANT.test(n)).map(([n, v]) => el('li', { class: /^cors-refusal$/i.test(n) ? 'refusal-header' : null }, code(`${n}: ${v}`))))
          : el('p', { class: 'small' }, exchange.error),
      ),
    );
  }

  function doctorView(d) {
    const steps = el(
      'ol',
      { class: 'doctor-steps' },
      d.steps.map((step) =>
        el(
          'li',
          { class: step.kind === 'plan' ? 'plan' : step.ok ? 'ok' : 'failed', 'data-testid': 'doctor-step', 'data-kind': step.kind },
          el('strong', null, `${step.kind === 'plan' ? '•' : step.ok ? '✓' : '✗'} ${step.title}`),
          step.notes.map((note) => el('p', { class: 'small' }, note)),
          exchangeView(step.exchange),
          step.checks.length ? el('ul', { class: 'checks' }, step.checks.map((c) => el('li', { class: c.ok ? 'ok' : 'failed' }, `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`))) : null,
        ),
      ),
    );
    const parts = [el('p', { class: 'verdict-line' }, badge(d.verdict, 'doctor-verdict'), d.failure ? [' at ', code(d.failure.step)] : null), steps];
    if (d.failure) {
      parts.push(
        el(
          'div',
          { class: 'reason', 'data-testid': 'failure', 'data-step': d.failure.step },
          el('p', null, el('strong', null, 'Chromium says: '), el('span', { 'data-testid': 'chromium-line' }, d.failure.message)),
          d.server.refusal ? el('p', null, el('strong', null, 'The server says: '), code(`Cors-Refusal: ${d.server.refusal.raw}`)) : null,
          el('p', { class: 'hint' }, 'Fix:'),
          el('ul', null, d.failure.fix.map((line) => el('li', { 'data-testid': 'fix' }, line))),
        ),
      );
    } else {
      parts.push(el('p', { class: 'reason-allowed' }, `The script gets status ${d.status}; it can read ${d.readableHeaders.join(', ') || 'no header'}.`));
    }
    return el('section', { class: 'doctor' }, el('h4', null, 'cors-doctor'), parts);
  }

  function browserView(result, origin) {
    if (result === null) {
      return el(
        'section',
        { class: 'browser' },
        el('h4', null, 'This browser'),
        el('p', { class: 'muted', 'data-testid': 'browser-verdict' }, `This page can only send from ${origins.join(', ')}; ${origin} is the doctor's alone.`),
      );
    }
    const r = result[0];
    return el(
      'section',
      { class: 'browser' },
      el('h4', null, `This browser, from ${origin}`),
      el('p', { class: 'verdict-line' }, badge(r.allowed ? 'allowed' : 'blocked', 'browser-verdict')),
      r.allowed
        ? el('ul', { class: 'headers' }, Object.entries(r.readable || {}).map(([n, v]) => el('li', null, code(`${n}: ${v === null ? '(not readable)' : v}`))))
        : el('p', null, el('strong', null, r.error), el('span', { class: 'small muted' }, ' (all a script learns; the console has the line the doctor quotes)')),
    );
  }

  $('diagnose-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const out = $('diagnose-result');
    run.disabled = true;
    out.dataset.state = 'running';
    for (const key of ['doctor', 'browser', 'agree']) delete out.dataset[key];
    out.replaceChildren(el('p', { class: 'muted' }, 'Diagnosing…'));
    const ask = {
      url: $('d-url').value.trim(),
      origin: $('d-origin').value.trim(),
      method: $('d-method').value.trim() || 'GET',
      headers: headerPairs($('d-headers').value),
      credentials: $('d-credentials').checked,
    };
    try {
      const response = await fetch('/diagnose', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask), cache: 'no-store' });
      const d = await response.json();
      if (!response.ok) {
        out.replaceChildren(el('p', { class: 'warning', 'data-testid': 'diagnose-error' }, d.error || `the doctor answered ${response.status}`));
        out.dataset.state = 'error';
        return;
      }
      // The browser's turn, with the same request, reading every header the doctor saw.
      const last = [...d.steps].reverse().find((s) => s.exchange && s.exchange.response);
      const read = last ? [...new Set(last.exchange.response.headers.map(([n]) => n.toLowerCase()))] : [];
      const spec = { url: ask.url, method: ask.method, headers: Object.fromEntries(ask.headers), credentials: ask.credentials ? 'include' : 'same-origin', read };
      const pending = runFrom(ask.origin, [spec]);
      const browser = pending === null ? null : await pending;
      const browserVerdict = browser === null ? 'n/a' : browser[0].allowed ? 'allowed' : 'blocked';
      out.dataset.doctor = d.verdict;
      out.dataset.browser = browserVerdict;
      out.dataset.agree = String(browserVerdict === 'n/a' ? true : browserVerdict === d.verdict);
      const agreement =
        browserVerdict === 'n/a'
          ? null
          : el('p', { class: browserVerdict === d.verdict ? 'note ok' : 'note warn', 'data-testid': 'agreement' }, browserVerdict === d.verdict ? 'The doctor and this browser agree.' : `They disagree: the doctor says ${d.verdict}, this browser ${browserVerdict}.`);
      out.replaceChildren(agreement ?? '', el('div', { class: 'diagnose-pair' }, doctorView(d), browserView(browser, ask.origin)));
      out.dataset.state = 'done';
    } catch (error) {
      out.replaceChildren(el('p', { class: 'warning', 'data-testid': 'diagnose-error' }, `The diagnosis failed: ${error}`));
      out.dataset.state = 'error';
    } finally {
      run.disabled = false;
    }
  });
})();
