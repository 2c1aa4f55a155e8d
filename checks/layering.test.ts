// The layering of the packages, enforced (CONTRIBUTING.md, "Architecture"). @cors/core decides for any runtime, so
// its src imports nothing outside itself and never touches Node's internals; every other package reaches the
// layers under it only through their package names, and only the layers the table below allows. A new package
// needs a row here before its first import passes.
//
// Imports are read from the syntax tree (TypeScript's parser), so an `import` written in a comment or an example
// string is not one, while `import type`, `export ... from`, `import x = require()`, `require()`, `import()` and
// `import('x').T` all are.
import { builtinModules } from 'node:module';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Who may import whom: each package's @cors/* layers. Nothing imports upward, and a layer not listed is not
 * reachable. `whenDeclared` layers are allowed only when the package's package.json depends on them.
 */
const LAYERS: Readonly<Record<string, { readonly allowed: readonly string[]; readonly whenDeclared?: readonly string[] }>> = {
  core: { allowed: [] },
  node: { allowed: ['core'] },
  fetch: { allowed: ['core'] },
  express: { allowed: ['core', 'node'] },
  koa: { allowed: ['core', 'node'] },
  fastify: { allowed: ['core'], whenDeclared: ['node'] },
  hono: { allowed: ['core', 'fetch'] },
  doctor: { allowed: ['core'] },
  nestjs: { allowed: ['core', 'node'] },
};

/** Names that only make sense on Node's own response objects; the core runs on any runtime. */
const NODE_INTERNALS = ['kOutHeaders', '_storeHeader', 'ServerResponse', 'IncomingMessage', 'OutgoingMessage'];
const NODE_INTERNAL_WORDS = NODE_INTERNALS.map((name) => ({ name, pattern: new RegExp(`(^|[^A-Za-z0-9_$])${name}($|[^A-Za-z0-9_$])`) }));

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, name.split('/')[0]!]));

interface Found {
  readonly specifier: string | undefined; // undefined: a computed specifier, which cannot be checked
  readonly line: number;
  readonly how: string;
}

/** Every module a file refers to, from its syntax tree. */
function importsOf(file: string, text: string): Found[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Found[] = [];
  const at = (node: ts.Node): number => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const literal = (node: ts.Node | undefined): string | undefined =>
    node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      found.push({ specifier: literal(node.moduleSpecifier), line: at(node), how: 'import' });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      found.push({ specifier: literal(node.moduleSpecifier), line: at(node), how: 'export from' });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      found.push({ specifier: literal(node.moduleReference.expression), line: at(node), how: 'import = require' });
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      found.push({ specifier: ts.isLiteralTypeNode(argument) ? literal(argument.literal) : undefined, line: at(node), how: 'import() type' });
    } else if (ts.isCallExpression(node)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isImport || isRequire) found.push({ specifier: literal(node.arguments[0]), line: at(node), how: isImport ? 'import()' : 'require()' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const reference of ts.preProcessFile(text, true, true).typeReferenceDirectives) {
    found.push({ specifier: reference.fileName, line: source.getLineAndCharacterOfPosition(reference.pos).line + 1, how: '/// <reference types>' });
  }
  return found;
}

/** Where a file's code (not its comments) names one of Node's internals: identifiers and string contents. */
function nodeInternalsIn(file: string, text: string): { name: string; line: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const hits: { name: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    const line = (): number => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) {
      if (NODE_INTERNALS.includes(node.text)) hits.push({ name: node.text, line: line() });
    } else if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      for (const { name, pattern } of NODE_INTERNAL_WORDS) if (pattern.test(node.text)) hits.push({ name, line: line() });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return hits;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(c|m)?tsx?$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const inside = (dir: string, path: string): boolean => path === dir || path.startsWith(dir + sep);

interface Report {
  /** One line per broken rule: `file:line imports 'x': why`. */
  readonly violations: string[];
  /** Every import seen, `file -> specifier`, to show the check read something. */
  readonly seen: string[];
}

/** Checks one package of the workspace at `workspace` against the table. */
function checkPackage(workspace: string, name: string): Report {
  const violations: string[] = [];
  const seen: string[] = [];
  const packageDir = join(workspace, 'packages', name);
  const srcDir = join(packageDir, 'src');
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const dependencies = Object.keys(manifest.dependencies ?? {});
  const layers = LAYERS[name];
  if (layers === undefined) {
    return { violations: [`packages/${name} has no row in LAYERS of checks/layering.test.ts: add the @cors/* layers it may import`], seen };
  }
  const allowed = new Set([...layers.allowed, ...(layers.whenDeclared ?? []).filter((layer) => dependencies.includes(`@cors/${layer}`))]);
  const allowedList = allowed.size === 0 ? 'nothing' : [...allowed].map((layer) => `@cors/${layer}`).join(', ');

  // package.json: no dependency on a layer the package may not import (that would point upward or sideways).
  for (const field of ['dependencies', 'peerDependencies'] as const) {
    for (const dependency of Object.keys(manifest[field] ?? {})) {
      if (!dependency.startsWith('@cors/')) continue;
      if (!allowed.has(dependency.slice('@cors/'.length))) {
        violations.push(`packages/${name}/package.json ${field} lists ${dependency}: @cors/${name} may depend on ${allowedList} only`);
      }
    }
  }

  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const shown = relative(workspace, file).split(sep).join('/');
    for (const { specifier, line, how } of importsOf(file, text)) {
      const where = `${shown}:${line}`;
      if (specifier === undefined) {
        violations.push(`${where} has a ${how} with a computed specifier, which this check cannot follow: write the module name as a string`);
        continue;
      }
      seen.push(`${shown} -> ${specifier}`);
      const says = `${where} ${how} '${specifier}'`;
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = resolve(dirname(file), specifier);
        const home = name === 'core' ? srcDir : packageDir;
        if (!inside(home, target)) {
          const other = relative(join(workspace, 'packages'), target).split(sep)[0];
          const into = other !== undefined && other !== '..' && other !== name && LAYERS[other] !== undefined ? ` reaches into packages/${other}; import '@cors/${other}' by name` : ' leaves the package';
          violations.push(`${says}${into}${name === 'core' ? ': @cors/core imports nothing outside its own src' : ''}`);
        }
        continue;
      }
      if (name === 'core') {
        const what = specifier.startsWith('node:') || BUILTINS.has(packageName(specifier)) ? 'a Node.js module' : 'a package';
        violations.push(`${says} is ${what}: @cors/core imports nothing outside its own src (no node: module, no package), so it runs on any runtime`);
        continue;
      }
      if (!specifier.startsWith('@cors/')) continue;
      const target = packageName(specifier);
      const layer = target.slice('@cors/'.length);
      if (specifier !== target) {
        violations.push(`${says} is a deep import: import '${target}' itself, through its public exports (no /src/ or /dist/ path)`);
        continue;
      }
      if (!allowed.has(layer)) {
        const why = layers.whenDeclared?.includes(layer) ? ` (and ${target} once packages/${name}/package.json depends on it)` : '';
        violations.push(`${says}: @cors/${name} may import ${allowedList} only${why}; nothing imports upward or sideways`);
        continue;
      }
      if (!dependencies.includes(target)) {
        violations.push(`${says}: packages/${name}/package.json does not list ${target} in dependencies`);
      }
    }
    if (name === 'core') {
      for (const hit of nodeInternalsIn(file, text)) {
        violations.push(`${shown}:${hit.line} refers to ${hit.name}, one of Node's internals: that belongs in @cors/node`);
      }
    }
  }
  return { violations, seen };
}

function packagesOf(workspace: string): string[] {
  return readdirSync(join(workspace, 'packages'))
    .filter((entry) => statSync(join(workspace, 'packages', entry, 'src'), { throwIfNoEntry: false })?.isDirectory() === true)
    .sort();
}

describe('layering of packages/*/src', () => {
  const names = packagesOf(root);

  it('every package has a row in the layering table', () => {
    expect(names.filter((name) => LAYERS[name] === undefined), 'packages without a row in LAYERS').toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['core', 'node', 'express', 'koa']));
  });

  it.each(names)('@cors/%s imports only the layers under it, by package name', (name) => {
    const { violations, seen } = checkPackage(root, name);
    expect(violations, `\n${violations.join('\n')}\n`).toEqual([]);
    // The check read the package: every src has at least one import.
    expect(seen.length, `no import found in packages/${name}/src`).toBeGreaterThan(0);
  });

  it('reads the imports the adapters really have', () => {
    const express = checkPackage(root, 'express').seen;
    expect(express).toContain('packages/express/src/index.ts -> @cors/node');
    expect(express).toContain('packages/express/src/index.ts -> @cors/core');
    expect(checkPackage(root, 'node').seen.filter((line) => line.startsWith('packages/node/src/index.ts -> ./')).length).toBeGreaterThan(2);
    expect(checkPackage(root, 'node').seen).toContain('packages/node/src/header-store.ts -> node:http');
  });
});

describe('the layering check itself, on a scratch workspace', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cors-layering-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function write(path: string, text: string): void {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), text);
  }
  const manifest = (dependencies: Record<string, string>): string => JSON.stringify({ dependencies });

  write('packages/core/package.json', manifest({}));
  write('packages/core/src/index.ts', "export { a } from './a.js';\n/** import { x } from 'node:http' in a comment is not an import; nor is ServerResponse here. */\nexport const s = 'import \"node:fs\"';\n");
  write('packages/core/src/a.ts', "import type { ServerResponse } from 'node:http';\nexport const a = (res: ServerResponse) => res;\n");
  write('packages/core/src/b.ts', "import ms from 'ms';\nconst store = Symbol('kOutHeaders');\nexport const b = [ms, store, import('../package.json')];\n");
  write('packages/node/package.json', manifest({ '@cors/core': 'workspace:^' }));
  write('packages/node/src/index.ts', "import { createCorsPolicy } from '@cors/core';\nimport { ServerResponse } from 'node:http';\nexport { createCorsPolicy, ServerResponse };\n");
  write('packages/koa/package.json', manifest({ '@cors/core': 'workspace:^' }));
  write(
    'packages/koa/src/index.ts',
    [
      "import { createCorsPolicy } from '@cors/core';",
      "import { writeCorsHeaders } from '@cors/node';",
      "import { policy } from '../../core/src/policy.js';",
      "export type { CorsDecision } from '@cors/core/dist/index.js';",
      "export type Fetch = import('@cors/fetch').FetchHandler;",
      "const late = require('@cors/express');",
      'export { createCorsPolicy, writeCorsHeaders, policy, late };',
      '',
    ].join('\n'),
  );
  write('packages/widget/package.json', manifest({ '@cors/core': 'workspace:^' }));
  write('packages/widget/src/index.ts', "export * from '@cors/core';\n");

  it('finds every broken rule and names the file, the line and the import', () => {
    const core = checkPackage(scratch, 'core').violations;
    expect(core).toEqual([
      "packages/core/src/a.ts:1 import 'node:http' is a Node.js module: @cors/core imports nothing outside its own src (no node: module, no package), so it runs on any runtime",
      'packages/core/src/a.ts:1 refers to ServerResponse, one of Node\'s internals: that belongs in @cors/node',
      'packages/core/src/a.ts:2 refers to ServerResponse, one of Node\'s internals: that belongs in @cors/node',
      "packages/core/src/b.ts:1 import 'ms' is a package: @cors/core imports nothing outside its own src (no node: module, no package), so it runs on any runtime",
      "packages/core/src/b.ts:3 import() '../package.json' leaves the package: @cors/core imports nothing outside its own src",
      "packages/core/src/b.ts:2 refers to kOutHeaders, one of Node's internals: that belongs in @cors/node",
    ]);

    // Node's internals are fine in @cors/node, and so is node:http.
    expect(checkPackage(scratch, 'node').violations).toEqual([]);

    expect(checkPackage(scratch, 'koa').violations).toEqual([
      "packages/koa/src/index.ts:2 import '@cors/node': packages/koa/package.json does not list @cors/node in dependencies",
      "packages/koa/src/index.ts:3 import '../../core/src/policy.js' reaches into packages/core; import '@cors/core' by name",
      "packages/koa/src/index.ts:4 export from '@cors/core/dist/index.js' is a deep import: import '@cors/core' itself, through its public exports (no /src/ or /dist/ path)",
      "packages/koa/src/index.ts:5 import() type '@cors/fetch': @cors/koa may import @cors/core, @cors/node only; nothing imports upward or sideways",
      "packages/koa/src/index.ts:6 require() '@cors/express': @cors/koa may import @cors/core, @cors/node only; nothing imports upward or sideways",
    ]);

    expect(checkPackage(scratch, 'widget').violations).toEqual([
      'packages/widget has no row in LAYERS of checks/layering.test.ts: add the @cors/* layers it may import',
    ]);
  });

  it('lets fastify use @cors/node only once its package.json depends on it', () => {
    write('packages/fastify/package.json', manifest({ '@cors/core': 'workspace:^' }));
    write('packages/fastify/src/index.ts', "import { keepVary } from '@cors/node';\nexport { keepVary };\n");
    expect(checkPackage(scratch, 'fastify').violations).toEqual([
      "packages/fastify/src/index.ts:1 import '@cors/node': @cors/fastify may import @cors/core only (and @cors/node once packages/fastify/package.json depends on it); nothing imports upward or sideways",
    ]);
    write('packages/fastify/package.json', manifest({ '@cors/core': 'workspace:^', '@cors/node': 'workspace:^' }));
    expect(checkPackage(scratch, 'fastify').violations).toEqual([]);
  });

  it('refuses a package.json dependency that points upward', () => {
    write('packages/fetch/package.json', manifest({ '@cors/core': 'workspace:^', '@cors/node': 'workspace:^' }));
    write('packages/fetch/src/index.ts', "export { createCorsPolicy } from '@cors/core';\n");
    expect(checkPackage(scratch, 'fetch').violations).toEqual([
      'packages/fetch/package.json dependencies lists @cors/node: @cors/fetch may depend on @cors/core only',
    ]);
  });
});
