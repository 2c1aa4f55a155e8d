// The Fetch API example on Bun: Bun.serve with @cors/fetch's withCors.
//
//   bun bun/server.mjs            (from examples/)
//   curl -i -H 'Origin: https://app.example.com' http://127.0.0.1:3006/api/profile
//
// Environment: PORT (default 3006; 0 picks a free one), HOST (default 127.0.0.1).
import { createHandler } from '../fetch-app.mjs';

const hostname = process.env.HOST ?? '127.0.0.1';
const server = Bun.serve({ hostname, port: Number(process.env.PORT ?? 3006), fetch: createHandler('bun') });
console.log(`listening on http://${hostname}:${server.port}`);
