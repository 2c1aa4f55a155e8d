// Runs the requests the playground page posts to this frame, from this frame's origin, and posts the results
// back. Only the playground page (named in ?parent=) may ask.
'use strict';
(function () {
  const parentOrigin = new URLSearchParams(location.search).get('parent');
  if (!parentOrigin || window.parent === window) return;
  window.addEventListener('message', async function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    const data = event.data || {};
    if (typeof data.token !== 'string' || !Array.isArray(data.requests)) return;
    const results = await self.corsRunner.runAll(data.requests);
    window.parent.postMessage({ token: data.token, origin: self.origin, results: results }, parentOrigin);
  });
  window.parent.postMessage({ ready: true, origin: self.origin }, parentOrigin);
})();
