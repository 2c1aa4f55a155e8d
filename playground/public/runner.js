// Sends requests with fetch and reports what the script got. Shared by the page and its frames.
'use strict';
(function () {
  /**
   * @param {{ url: string, method?: string, headers?: Record<string, string>, body?: string,
   *           credentials?: RequestCredentials, cache?: RequestCache, read?: string[] }} spec
   */
  async function runRequest(spec) {
    const init = {
      method: spec.method || 'GET',
      headers: spec.headers || {},
      credentials: spec.credentials || 'same-origin',
      cache: spec.cache || 'no-store',
    };
    if (spec.body !== undefined) init.body = spec.body;
    try {
      const response = await fetch(spec.url, init);
      const readable = {};
      for (const name of spec.read || []) readable[name] = response.headers.get(name);
      const body = await response.text();
      return { allowed: true, status: response.status, body: body, readable: readable };
    } catch (error) {
      return { allowed: false, error: String(error) };
    }
  }

  async function runAll(specs) {
    const results = [];
    for (const spec of specs) results.push(await runRequest(spec));
    return results;
  }

  self.corsRunner = { runAll: runAll };
})();
