import { defineConfig } from 'tsup';

// One build for every package: run from the package's folder, it emits ESM (.js) and CommonJS (.cjs) with
// their own declaration files (.d.ts, .d.cts).
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  sourcemap: false,
  treeshake: true,
});
