import { expect } from 'vitest';
import type { RawResponse } from './raw-http.js';

type Header = [string, string];

/** Header lines of a preflight from `origin` asking for `method`, plus any others. */
export function preflight(origin: string, method: string, headers: readonly Header[] = []): Header[] {
  return [['Origin', origin], ['Access-Control-Request-Method', method], ...headers];
}

/** An allowed preflight: 204, empty body, the origin and methods, and Vary: Origin. */
export function expectAllowedPreflight(reply: RawResponse, origin: string, methods: string): void {
  expect(reply.status).toBe(204);
  expect(reply.body).toBe('');
  expect(reply.header('content-length') ?? '0').toBe('0');
  expect(reply.header('access-control-allow-origin')).toBe(origin);
  expect(reply.header('access-control-allow-methods')).toBe(methods);
  expect(reply.header('vary')).toBe('Origin');
}

/** A refused preflight: 403, empty body, no Access-Control-* header, still Vary: Origin. */
export function expectRefusedPreflight(reply: RawResponse): void {
  expect(reply.status).toBe(403);
  expect(reply.body).toBe('');
  expect(reply.corsHeaderNames()).toEqual([]);
  expect(reply.header('vary')).toBe('Origin');
}
