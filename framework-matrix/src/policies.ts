import type { CorsOptions } from '@cors/core';

// The policies the contract table runs, named for what they show.
export const STRICT: CorsOptions = {
  origin: ['https://app.example.com', 'https://*.example.org', 'http://localhost:*'],
  credentials: true,
  methods: ['GET', 'POST', 'PUT', 'DELETE'],
  allowedHeaders: ['content-type', 'x-trace'],
  exposedHeaders: ['x-request-id'],
  maxAge: 600,
};

export const PUBLIC_STAR: CorsOptions = {
  origin: '*',
  methods: ['GET', 'PUT'],
  allowedHeaders: ['content-type'],
  exposedHeaders: ['x-request-id'],
};

export const WITH_NULL: CorsOptions = { origin: ['null', 'https://app.example.com'] };

export const REGEXP: CorsOptions = { origin: /^https:\/\/pr-\d+\.example\.com$/ };

export const PRIVATE_NETWORK: CorsOptions = { origin: 'https://app.example.com', allowPrivateNetwork: true, methods: ['GET'] };

/** Validators: one async that knows a tenant, one that throws for a poisoned origin, one that rejects. */
export function validatorPolicy(): CorsOptions {
  return {
    origin: [
      'https://app.example.com',
      async (origin: string) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return origin === 'https://tenant.example.net';
      },
      (origin: string) => {
        if (origin === 'https://throws.example.net') throw new Error('tenant database is down');
        return false;
      },
      async (origin: string) => {
        if (origin === 'https://rejects.example.net') throw new Error('tenant lookup rejected');
        return false;
      },
    ],
    credentials: true,
    methods: ['GET', 'PUT'],
    allowedHeaders: ['content-type'],
    preflightStatus: 200,
  };
}
