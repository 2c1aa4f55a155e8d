// What a user installs: each published package is linted by publint (--strict) and by Are the Types Wrong
// (attw --pack, node16 profile: node16 CommonJS, node16 ESM and bundler resolution), both run as their CLIs on
// the built package, exactly as a maintainer would before `pnpm release`. `pnpm test` builds first.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['core', 'node', 'express', 'koa', 'fastify', 'nestjs', 'fetch', 'hono', 'doctor'] as const;
const TIMEOUT = 180_000;

// publint does not export its package.json, so its bin is found next to its resolved entry point.
const requireFromRoot = createRequire(join(root, 'package.json'));
const publintBin = join(root, 'node_modules', 'publint', 'src', 'cli.js');
const attwBin = join(dirname(requireFromRoot.resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js');

interface Run {
  code: number;
  output: string;
  stdout: string;
}

function run(script: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        done({ code, stdout, output: `${stdout}\n${stderr}`.trim() });
      },
    );
  });
}

function packageDir(name: string): string {
  return join(root, 'packages', name);
}

describe('publint --strict', () => {
  for (const name of PACKAGES) {
    it(`@cors/${name} has no errors, warnings or suggestions`, async () => {
      const result = await run(publintBin, ['--strict'], packageDir(name));
      expect(result.output).toContain('All good!');
      expect(result.output).not.toMatch(/^(Errors|Warnings|Suggestions):/m);
      expect(result.code, result.output).toBe(0);
    }, TIMEOUT);
  }
});

describe('attw --pack --profile node16', () => {
  for (const name of PACKAGES) {
    it(`@cors/${name} resolves typed ESM and CommonJS with no problems`, async () => {
      const result = await run(attwBin, ['--pack', '.', '--profile', 'node16', '--format', 'json'], packageDir(name));
      expect(result.code, result.output).toBe(0);
      const report = JSON.parse(result.stdout) as {
        problems: Record<string, unknown> | unknown[];
        analysis: {
          packageName: string;
          entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }>;
        };
      };
      expect(report.analysis.packageName).toBe(`@cors/${name}`);
      expect(Object.keys(report.problems), result.stdout).toEqual([]);
      // Each resolution mode lands on the declaration file of its own format.
      const resolutions = report.analysis.entrypoints['.']?.resolutions ?? {};
      expect(resolutions['node16-cjs']?.resolution?.fileName).toMatch(/\/dist\/index\.d\.cts$/);
      expect(resolutions['node16-esm']?.resolution?.fileName).toMatch(/\/dist\/index\.d\.ts$/);
      expect(resolutions['bundler']?.resolution?.fileName).toMatch(/\/dist\/index\.d\.ts$/);
    }, TIMEOUT);
  }
});

describe('package.json metadata', () => {
  for (const name of PACKAGES) {
    it(`@cors/${name} declares what npm and its users need`, () => {
      const pkg = JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(pkg.name).toBe(`@cors/${name}`);
      expect(pkg.private).toBeUndefined();
      expect(pkg.license).toBe('MIT');
      expect(pkg.author).toBe('The @cors maintainers');
      // @cors/node installs its head hook on Node's ServerResponse when it loads, before any response is made
      // (packages/node/src/head-hook.ts says why), so a bundler must keep that module; every other package has none.
      expect(pkg.sideEffects).toBe(name === 'node');
      expect(pkg.engines).toEqual({ node: '>=20' });
      expect(pkg.repository).toEqual({ type: 'git', url: 'git+https://github.com/cors-js/cors.git', directory: `packages/${name}` });
      expect(pkg.homepage).toMatch(/^https:\/\//);
      expect(pkg.bugs).toEqual({ url: 'https://github.com/cors-js/cors/issues' });
      expect(pkg.publishConfig).toEqual({ access: 'public', provenance: true });
      expect(pkg.keywords).toEqual(expect.arrayContaining(['cors']));
      expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'LICENSE', 'README.md', 'CHANGELOG.md']));
      expect(pkg.exports).toEqual({
        '.': {
          import: { types: './dist/index.d.ts', default: './dist/index.js' },
          require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
        },
        './package.json': './package.json',
      });
      expect(readFileSync(join(packageDir(name), 'LICENSE'), 'utf8')).toContain('Copyright (c) 2026 The @cors maintainers');
      expect(readFileSync(join(packageDir(name), 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^# @cors/${name}\\n`));
    });
  }
});
