// The Fetch API example as a Cloudflare Worker: the module's default export is { fetch }.
//
//   npx wrangler dev workers/worker.mjs      (from examples/; wrangler bundles @cors/fetch with it)
//   curl -i -H 'Origin: https://app.example.com' http://127.0.0.1:8787/api/profile
import { createHandler } from '../fetch-app.mjs';

const handler = createHandler('workerd');

export default {
  fetch: (request, env, ctx) => handler(request, env, ctx),
};
