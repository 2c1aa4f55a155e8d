// The playground page: runs each scenario from the right origin, then shows the browser's verdict next to what
// the server saw (the trace streamed over Server-Sent Events) and why it refused.
'use strict';
(async function main() {
  const config = await (await fetch('/config.json')).json();
  const here = location.origin;
  const onAppOrigin = here === config.appOrigin;
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- the server trace (SSE)
  const events = [];
  let lastSeq = 0;
  const seqWaiters = [];
  function noteSeq(seq) {
    if (seq > lastSeq) lastSeq = seq;
    for (let i = seqWaiters.length - 1; i >= 0; i--) {
      if (lastSeq >= seqWaiters[i].seq) seqWaiters.splice(i, 1)[0].resolve(true);
    }
  }
  function waitForSeq(seq, timeout) {
    if (lastSeq >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { seq, resolve };
      seqWaiters.push(waiter);
      setTimeout(() => {
        const i = seqWaiters.indexOf(waiter);
        if (i >= 0) seqWaiters.splice(i, 1);
        resolve(false);
      }, timeout);
    });
  }
  const source = new EventSource('/events');
  const connected = new Promise((resolve) => {
    source.addEventListener('hello', (e) => {
      noteSeq(JSON.parse(e.data).seq);
      resolve();
    });
  });
  for (const type of ['exchange', 'refusal']) {
    source.addEventListener(type, (e) => {
      const event = JSON.parse(e.data);
      events.push(event);
      logEvent(event);
      noteSeq(event.seq);
    });
  }
  source.addEventListener('error', () => {
    $('status').textContent = 'server trace disconnected; is the playground still running?';
  });

  // ---------------------------------------------------------------- small DOM helpers (text only, never HTML)
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

  function formatValue(value) {
    if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
    return typeof value === 'string' ? `'${value}'` : String(value);
  }
  function formatPolicy(policy) {
    return `cors({\n${Object.entries(policy).map(([name, value]) => `  ${name}: ${formatValue(value)},`).join('\n')}\n})`;
  }

  // ---------------------------------------------------------------- the setup panel
  $('this-origin').textContent = here;
  $('evil-origin').textContent = config.evilOrigin;
  $('api-origin').textContent = config.apiOrigin;
  $('api-stack').textContent = `${config.framework} ${config.frameworkVersion} + ${config.adapter}`;
  if (!onAppOrigin) {
    const warning = $('origin-warning');
    warning.hidden = false;
    warning.textContent = `You opened the playground on ${here}, which the strict policy does not list: the “this page” scenarios now come from a disallowed origin, so expect them blocked. The intended page is ${config.appOrigin}/.`;
  }
  for (const [name, policy] of Object.entries(config.policies)) {
    $('policies').append(el('figure', { class: 'policy', 'data-policy': name }, el('figcaption', null, code(`/${name}`)), el('pre', null, formatPolicy(policy))));
  }

  // ---------------------------------------------------------------- the frames other origins speak from
  const frames = {};
  function addFrame(key, src, sandbox) {
    const iframe = el('iframe', { src, sandbox: sandbox ? 'allow-scripts' : undefined, title: key, 'data-frame': key });
    let markReady;
    const ready = new Promise((resolve) => (markReady = resolve));
    frames[key] = { iframe, ready, targetOrigin: sandbox ? '*' : new URL(src).origin, origin: null, markReady, pending: new Map() };
    $('frames').append(iframe);
  }
  const parentParam = `?parent=${encodeURIComponent(here)}`;
  if (here !== config.evilOrigin) addFrame('evil', `${config.evilOrigin}/frame.html${parentParam}`, false);
  addFrame('sandbox', `/frame.html${parentParam}`, true);
  window.addEventListener('message', (event) => {
    for (const frame of Object.values(frames)) {
      if (event.source !== frame.iframe.contentWindow) continue;
      const data = event.data || {};
      if (data.ready) {
        frame.origin = data.origin;
        frame.markReady();
      } else if (frame.pending.has(data.token)) {
        frame.pending.get(data.token)(data.results);
        frame.pending.delete(data.token);
      }
    }
  });
  async function runInFrame(key, specs) {
    const frame = frames[key];
    if (!frame) throw new Error(`no ${key} frame on this page`);
    await frame.ready;
    const token = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const results = new Promise((resolve) => frame.pending.set(token, resolve));
    frame.iframe.contentWindow.postMessage({ token, requests: specs }, frame.targetOrigin);
    return results;
  }

  // ---------------------------------------------------------------- the scenarios
  const JSON_PUT = { method: 'PUT', headers: { 'content-type': 'application/json', 'x-trace': 'demo-1' }, body: '{"name":"cors"}' };
  const SCENARIOS = [
    {
      key: 'simple-get',
      title: 'Simple GET, exposed header',
      from: 'page',
      policy: 'strict',
      expect: 'allowed',
      about: 'A GET without custom headers is a “simple” request: no preflight. The policy lists this page’s origin and exposes X-Request-Id, so the script may read it.',
      requests: (url) => [{ url: url('/resource'), read: ['x-request-id'] }],
    },
    {
      key: 'credentials',
      title: 'Credentials: a cookie',
      from: 'page',
      policy: 'strict',
      expect: 'allowed',
      about: 'GET /set-cookie, then GET /cookie, both with credentials: \'include\'. The cookie belongs to api.localhost, another site than app.localhost, so it must be SameSite=None; Secure (fine on *.localhost, which browsers treat as a secure context). The policy has credentials: true.',
      requests: (url) => [
        { url: url('/set-cookie'), credentials: 'include' },
        { url: url('/cookie'), credentials: 'include' },
      ],
      note(results) {
        const cookie = results[1];
        if (!cookie || !cookie.allowed) return undefined;
        return /playground_session=/.test(cookie.body)
          ? { ok: true, text: `The server received the cookie: “${cookie.body}”.` }
          : {
              ok: false,
              text: 'CORS allowed both requests, but no cookie arrived: this browser did not keep the cookie of api.localhost, a third-party cookie here (Safari, private windows and “block third-party cookies” settings refuse them). That is the browser’s cookie policy, not CORS.',
            };
      },
    },
    {
      key: 'preflight-put',
      title: 'Preflighted PUT with JSON and a custom header',
      from: 'page',
      policy: 'strict',
      expect: 'allowed',
      about: 'PUT, Content-Type: application/json and X-Trace are not “simple”, so the browser first asks with an OPTIONS preflight. The method and both headers are in the policy.',
      requests: (url) => [{ url: url('/resource'), ...JSON_PUT, read: ['x-request-id'] }],
    },
    {
      key: 'unlisted-header',
      title: 'A request header the policy does not list',
      from: 'page',
      policy: 'strict',
      expect: 'blocked',
      about: 'The same PUT with X-Secret, which is not in allowedHeaders: the preflight is refused and the PUT is never sent.',
      requests: (url) => [{ url: url('/resource'), method: 'PUT', headers: { 'content-type': 'application/json', 'x-secret': 'hunter2' }, body: '{}' }],
    },
    {
      key: 'method-not-allowed',
      title: 'A method the policy does not allow',
      from: 'page',
      policy: 'strict',
      expect: 'blocked',
      about: 'DELETE is not in methods: the preflight is refused and the DELETE is never sent.',
      requests: (url) => [{ url: url('/resource'), method: 'DELETE' }],
    },
    {
      key: 'other-site',
      title: 'A page on another site',
      from: 'evil',
      policy: 'strict',
      expect: 'blocked',
      about: 'The simple GET again, sent by a page on evil.localhost (a hidden iframe), against the exact allowlist. A simple request reaches the server anyway; the browser hides the answer from that page.',
      requests: (url) => [{ url: url('/resource'), read: ['x-request-id'] }],
    },
    {
      key: 'sibling-pattern',
      title: 'Another subdomain under a “*.” pattern',
      from: 'evil',
      policy: 'pattern',
      expect: 'allowed',
      about: 'The same page on evil.localhost, now against the pattern policy: every subdomain of localhost on this port is allowed, with credentials. Use a pattern only over subdomains you control.',
      requests: (url) => [{ url: url('/resource'), credentials: 'include', read: ['x-request-id'] }],
    },
    {
      key: 'null-unlisted',
      title: 'A sandboxed iframe (Origin: null)',
      from: 'sandbox',
      policy: 'strict',
      expect: 'blocked',
      about: 'A sandboxed iframe has an opaque origin, so its requests say Origin: null. The strict policy does not list \'null\'.',
      requests: (url) => [{ url: url('/resource'), read: ['x-request-id'] }],
    },
    {
      key: 'null-listed',
      title: '\'null\' listed, no credentials',
      from: 'sandbox',
      policy: 'null',
      expect: 'allowed',
      about: 'The null policy lists \'null\'. Any page can make a null-origin request (sandboxed iframes, data: URLs, some redirects), so listing it comes close to allowing everyone.',
      requests: (url) => [{ url: url('/resource'), read: ['x-request-id'] }],
    },
    {
      key: 'null-credentials',
      title: '\'null\' asking for credentials',
      from: 'sandbox',
      policy: 'null',
      expect: 'blocked',
      about: 'The same frame with credentials: \'include\'. \'null\' never comes with credentials (the configuration refuses it), so the answer has no Access-Control-Allow-Credentials and the browser says no, though the server refused nothing.',
      requests: (url) => [{ url: url('/resource'), credentials: 'include' }],
    },
    {
      key: 'preflight-cache',
      title: 'The preflight cache (maxAge)',
      from: 'page',
      policy: 'strict',
      expect: 'allowed',
      about: 'The preflighted PUT twice to the same URL. The first preflight’s Access-Control-Max-Age: 600 lets the browser skip the second (Chromium keeps it at most 7200 s, Firefox 86400 s, Safari 600 s).',
      // cache: 'default', because Chromium does not use its preflight cache for no-store requests.
      requests: (url) => [
        { url: url('/resource'), ...JSON_PUT, cache: 'default' },
        { url: url('/resource'), ...JSON_PUT, cache: 'default' },
      ],
      note(results, exchanges) {
        const preflights = exchanges.filter((x) => x.preflight).length;
        const puts = exchanges.filter((x) => x.method === 'PUT').length;
        return {
          ok: preflights === 1 && puts === 2,
          text: `The server saw ${preflights} preflight${preflights === 1 ? '' : 's'} for ${puts} PUT${puts === 1 ? '' : 's'}.`,
        };
      },
    },
  ];

  function fromLabel(s) {
    if (s.from === 'page') return `${here} (this page)`;
    if (s.from === 'evil') return `${config.evilOrigin} (a hidden iframe)`;
    return 'null (a sandboxed iframe of this page)';
  }

  // ---------------------------------------------------------------- rendering
  const cards = new Map();
  for (const [index, s] of SCENARIOS.entries()) {
    const button = el('button', { type: 'button', 'data-run': s.key, disabled: true }, 'Run');
    const outcome = el('div', { class: 'outcome' }, el('p', { class: 'muted' }, 'Not run yet.'));
    const first = s.requests(() => `/${s.policy}…`)[0];
    const card = el(
      'article',
      { class: 'card', 'data-scenario': s.key, 'data-state': 'idle', 'data-expected': s.expect },
      el('header', null, el('h3', null, `${index + 1}. ${s.title}`), button),
      el('p', { class: 'about' }, s.about),
      el(
        'p',
        { class: 'route' },
        'From ',
        code(fromLabel(s)),
        ' · ',
        code(`${first.method || 'GET'} ${config.apiOrigin}/${s.policy}/…`),
        ' · policy ',
        code(`/${s.policy}`),
        ' · expected ',
        el('span', { class: `expect ${s.expect}` }, s.expect),
      ),
      outcome,
    );
    button.addEventListener('click', () => void runScenario(s));
    cards.set(s.key, { card, outcome, button });
    $('scenarios').append(card);
  }

  let runCounter = 0;
  async function runScenario(s) {
    const { card, outcome, button } = cards.get(s.key);
    button.disabled = true;
    card.dataset.state = 'running';
    delete card.dataset.verdict;
    outcome.replaceChildren(el('p', { class: 'muted' }, 'Running…'));
    const run = `${s.key}-${++runCounter}-${Math.random().toString(36).slice(2, 8)}`;
    const url = (path) => `${config.apiOrigin}/${s.policy}${path}?run=${run}`;
    const specs = s.requests(url);
    let results;
    try {
      results = s.from === 'page' ? await self.corsRunner.runAll(specs) : await runInFrame(s.from, specs);
    } catch (error) {
      results = specs.map(() => ({ allowed: false, error: `the playground could not run it: ${error}` }));
    }
    // Everything the server recorded for these requests was published before it answered; wait until the
    // event stream has delivered up to that point.
    const { seq } = await (await fetch('/events/seq', { cache: 'no-store' })).json();
    const complete = await waitForSeq(seq, 3000);
    const exchanges = events.filter((e) => e.type === 'exchange' && e.run === run);
    render(s, outcome, card, specs, results, exchanges, complete);
    card.dataset.state = 'done';
    button.disabled = false;
  }

  function headerLines(headers, emptyText) {
    const entries = Object.entries(headers || {});
    if (entries.length === 0) return el('p', { class: 'muted small' }, emptyText);
    return el('ul', { class: 'headers' }, entries.map(([name, value]) => el('li', null, code(`${name}: ${value}`))));
  }

  function render(s, outcome, card, specs, results, exchanges, complete) {
    const allowed = results.every((r) => r.allowed);
    const verdict = allowed ? 'allowed' : 'blocked';
    card.dataset.verdict = verdict;
    const matches = verdict === s.expect;
    card.dataset.matches = String(matches);
    const parts = [];

    parts.push(
      el(
        'p',
        { class: 'verdict-line' },
        el('span', { class: `badge ${verdict}`, 'data-testid': 'verdict' }, allowed ? 'ALLOWED' : 'BLOCKED'),
        ' ',
        onAppOrigin ? el('span', { class: matches ? 'as-expected' : 'unexpected' }, matches ? '✓ as expected' : `✗ expected ${s.expect}`) : null,
      ),
    );

    // What the browser let the script see.
    parts.push(
      el(
        'section',
        { class: 'browser' },
        el('h4', null, 'What the browser did'),
        el(
          'ol',
          null,
          results.map((r, i) => {
            const spec = specs[i];
            const path = new URL(spec.url).pathname;
            const sent = [
              code(`${spec.method || 'GET'} ${path}`),
              spec.credentials === 'include' ? el('span', { class: 'tag' }, "credentials: 'include'") : null,
              spec.headers && Object.keys(spec.headers).length
                ? el('span', { class: 'small muted' }, ` headers: ${Object.entries(spec.headers).map(([n, v]) => `${n}: ${v}`).join('; ')}`)
                : null,
            ];
            if (!r.allowed) {
              return el('li', { class: 'blocked' }, sent, ' → ', el('strong', null, r.error), el('span', { class: 'small muted' }, ' (all a script ever learns; the browser’s console says more)'));
            }
            const readable = Object.entries(r.readable || {}).map(([name, value]) =>
              el('span', { class: 'small' }, ' · script reads ', code(`${name}: ${value === null ? '(not readable)' : value}`)),
            );
            return el('li', { class: 'allowed' }, sent, ' → ', el('strong', null, `${r.status}`), ` body “${r.body}”`, readable);
          }),
        ),
      ),
    );

    // What the server saw and answered.
    parts.push(
      el(
        'section',
        { class: 'server' },
        el('h4', null, 'What the server saw and answered'),
        exchanges.length === 0
          ? el('p', { class: 'muted small' }, complete ? 'Nothing reached the server.' : 'The server trace did not arrive in time.')
          : el(
              'ol',
              null,
              exchanges.map((x) =>
                el(
                  'li',
                  { class: x.preflight ? 'preflight' : 'actual' },
                  el('div', null, x.preflight ? el('span', { class: 'tag' }, 'preflight') : null, code(`${x.method} ${x.path}`), ' → ', el('strong', null, String(x.status))),
                  el('div', { class: 'pair' }, el('div', null, el('h5', null, 'request'), headerLines(x.request, '(no CORS headers)')), el('div', null, el('h5', null, 'response'), headerLines(x.response, 'no Access-Control-* header at all'))),
                ),
              ),
            ),
      ),
    );

    // Why: the server's reason (onRefused), or what the browser objected to.
    const refusals = exchanges.flatMap((x) => x.refusals || []);
    const why = el('section', { class: 'why' }, el('h4', null, 'Why'));
    if (refusals.length > 0) {
      for (const reason of refusals) {
        why.append(
          el(
            'div',
            { class: 'reason', 'data-code': reason.code },
            el('p', null, 'The server refused (', code(reason.code), reason.preflight ? ', at the preflight' : '', '): ', el('span', { class: 'reason-message' }, reason.message)),
            el('p', { class: 'hint' }, 'To allow it: ', el('span', { class: 'reason-hint' }, reason.hint)),
          ),
        );
      }
    } else if (!allowed) {
      why.append(el('p', { class: 'reason-browser' }, browserSideReason(specs, results, exchanges)));
    } else {
      why.append(el('p', { class: 'reason-allowed' }, allowedReason(exchanges)));
    }
    const note = s.note ? s.note(results, exchanges) : undefined;
    if (note) why.append(el('p', { class: `note ${note.ok ? 'ok' : 'warn'}` }, note.text));
    parts.push(why);
    outcome.replaceChildren(...parts);
  }

  function browserSideReason(specs, results, exchanges) {
    const i = results.findIndex((r) => !r.allowed);
    const spec = specs[i];
    const answered = exchanges.find((x) => !x.preflight) || exchanges[0];
    if (!answered) return 'The request never reached the server: a network error, or the browser refused to send it.';
    const acao = answered.response['access-control-allow-origin'];
    if (spec.credentials === 'include' && acao !== undefined && answered.response['access-control-allow-credentials'] !== 'true') {
      return `The server allowed the origin (Access-Control-Allow-Origin: ${acao}) but sent no Access-Control-Allow-Credentials: true, which a request with credentials: 'include' needs; so the browser refused. The server refused nothing: this policy cannot send credentials (${acao === 'null' ? "'null'" : "'*'"} never comes with them). To change it: send the request without credentials.`;
    }
    if (acao === undefined) return 'The answer had no Access-Control-Allow-Origin header, so the browser refused it.';
    return 'The browser refused the answer; its console explains why.';
  }

  function allowedReason(exchanges) {
    const last = exchanges[exchanges.length - 1];
    if (!last) return 'Allowed.';
    const acao = last.response['access-control-allow-origin'];
    const acac = last.response['access-control-allow-credentials'];
    return `The answer said Access-Control-Allow-Origin: ${acao}${acac ? ` and Access-Control-Allow-Credentials: ${acac}` : ''}, which matches the request, so the browser let the script read it.`;
  }

  // ---------------------------------------------------------------- the live log
  function logEvent(event) {
    const time = new Date(event.time).toLocaleTimeString();
    let item;
    if (event.type === 'refusal') {
      const r = event.reason;
      item = el('li', { class: 'refusal' }, `${time} refused `, code(r.code), ` ${r.origin} · ${r.message} · hint: ${r.hint}`);
    } else {
      item = el(
        'li',
        { class: event.preflight ? 'preflight' : 'actual' },
        `${time} `,
        code(`${event.method} ${event.path}`),
        ` → ${event.status} · Origin: ${event.request.origin ?? '(none)'} · ${Object.keys(event.response).filter((n) => n.startsWith('access-control-')).join(', ') || 'no Access-Control-* header'}`,
      );
    }
    const log = $('log');
    log.prepend(item);
    while (log.children.length > 200) log.lastChild.remove();
  }

  // ---------------------------------------------------------------- start
  await connected;
  await Promise.all(Object.values(frames).map((f) => f.ready));
  for (const { button } of cards.values()) button.disabled = false;
  const runAll = $('run-all');
  runAll.disabled = false;
  runAll.addEventListener('click', async () => {
    runAll.disabled = true;
    for (const s of SCENARIOS) await runScenario(s);
    runAll.disabled = false;
  });
  $('status').textContent = 'ready';
  // The Diagnose panel (diagnose.js) sends its browser-side request from the origin it names, through these.
  self.playground = {
    config,
    here,
    origins: [here, ...Object.values(frames).map((f) => f.origin)],
    runFrom(origin, specs) {
      if (origin === here) return self.corsRunner.runAll(specs);
      for (const [key, frame] of Object.entries(frames)) if (frame.origin === origin) return runInFrame(key, specs);
      return null;
    },
  };
  window.dispatchEvent(new Event('playground-ready'));
  document.body.dataset.ready = 'true';
})().catch((error) => {
  const status = document.getElementById('status');
  if (status) status.textContent = `The playground page failed: ${error}`;
  throw error;
});
