import { describe, it, expect } from 'vitest';
import * as koaCors from '../src/index.js';
import { cors, CorsConfigError } from '../src/index.js';
import { CorsConfigError as CoreCorsConfigError } from '@cors/core';

describe('cors(): configuration', () => {
  it('exports the named middleware and the error class, nothing else at run time', () => {
    expect(Object.keys(koaCors).sort()).toEqual(['CorsConfigError', 'cors']);
    expect(CorsConfigError).toBe(CoreCorsConfigError);
  });

  it('returns a two-argument middleware for a valid policy', () => {
    const middleware = cors({ origin: 'https://app.example.com' });
    expect(typeof middleware).toBe('function');
    expect(middleware.length).toBe(2);
  });

  it('throws CorsConfigError when cors() is called, not on the first request', () => {
    expect(() => cors({} as never)).toThrow(CorsConfigError);
    expect(() => cors({ origin: [] })).toThrow(CorsConfigError);
    expect(() => cors({ origin: '*', credentials: true })).toThrow(/credentials/);
    expect(() => cors({ origin: 'https://app.example.com/' })).toThrow(CorsConfigError);
    expect(() => cors({ origin: /app\.example\.com/ })).toThrow(/anchored/);
  });

  it('lists every problem at once, with the option path and a suggestion for a misspelt option', () => {
    let error: unknown;
    try {
      cors({ origin: 'https://app.example.com', allowHeaders: ['x'], maxAge: -1 } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorsConfigError);
    const problems = (error as CorsConfigError).problems;
    expect(problems.map((p) => p.path)).toEqual(['allowHeaders', 'maxAge']);
    expect(problems[0]!.hint).toContain('allowedHeaders');
  });
});
