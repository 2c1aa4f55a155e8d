// The Fetch API example on Deno: Deno.serve with @cors/fetch's withCors.
//
//   deno run --allow-net --allow-env deno/server.mjs      (from examples/, after pnpm install)
//   curl -i -H 'Origin: https://app.example.com' http://127.0.0.1:3007/api/profile
//
// Environment: PORT (default 3007; 0 picks a free one), HOST (default 127.0.0.1).
import { createHandler } from '../fetch-app.mjs';

const hostname = Deno.env.get('HOST') ?? '127.0.0.1';
Deno.serve(
  { hostname, port: Number(Deno.env.get('PORT') ?? 3007), onListen: ({ port }) => console.log(`listening on http://${hostname}:${port}`) },
  createHandler('deno'),
);
