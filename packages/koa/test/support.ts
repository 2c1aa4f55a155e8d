import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterEach } from 'vitest';
import { rawRequest, type RawResponse } from '../../../framework-matrix/src/raw-http.js';

export { rawRequest, type RawResponse };

export const APP = 'https://app.example.com';
export const OTHER = 'https://other.example.com';

export interface Served {
  readonly url: string;
  /** Errors Koa emitted ('error' events), in order. */
  readonly errors: unknown[];
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
});

/** A real Koa app on 127.0.0.1, a free port; closed after the test. */
export async function serve(setup: (app: Koa) => void): Promise<Served> {
  const app = new Koa();
  const errors: unknown[] = [];
  // Listening replaces Koa's default logger, nothing else: the default error response is unchanged.
  app.on('error', (error) => errors.push(error));
  setup(app);
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, errors };
}

/** Request headers for a preflight from `origin` asking for `method` (and `headers`, if any). */
export function preflight(origin: string, method: string, headers?: string): Array<[string, string]> {
  const lines: Array<[string, string]> = [
    ['Origin', origin],
    ['Access-Control-Request-Method', method],
  ];
  if (headers !== undefined) lines.push(['Access-Control-Request-Headers', headers]);
  return lines;
}
