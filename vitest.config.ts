import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', '*/test/**/*.test.ts', 'checks/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CORS_JSON_REPORT ? ['default', 'json'] : ['default'],
    outputFile: { json: process.env.CORS_JSON_REPORT ?? '.test-results/report.json' },
  },
});
