// Shared by the doctor's tests: servers closed after each file, and small helpers for hand-written servers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll } from 'vitest';
import type { Running } from './servers.mjs';

const open: Running[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Keeps a server for the rest of the file (closed in afterAll). */
export async function keep(server: Promise<Running>): Promise<Running> {
  const s = await server;
  open.push(s);
  return s;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** `OPTIONS` with Origin and Access-Control-Request-Method, as the doctor and browsers send it. */
export const isPreflight = (req: IncomingMessage) => req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;

/** A port nothing listens on (a server was there a moment ago). */
export async function deadPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
