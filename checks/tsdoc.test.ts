// Every public export of each package, and every option, carries TSDoc with an @example: that is what editors
// show on hover and what the generated API reference is made of.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['core', 'node', 'express', 'koa', 'fastify'];
// Interfaces whose every member is an option a user writes.
const OPTION_INTERFACES = new Set(['CorsOptions', 'ValidatorCacheOptions']);

function gapsOf(node: ts.Node, label: string): string[] {
  if (ts.getJSDocCommentsAndTags(node).length === 0) return [`${label}: no TSDoc`];
  if (!ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'example')) return [`${label}: no @example`];
  return [];
}

describe.each(PACKAGES)('TSDoc of @cors/%s', (name) => {
  it('every export and every option has TSDoc with an @example', () => {
    const entry = join(root, 'packages', name, 'src', 'index.ts');
    const program = ts.createProgram([entry], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(entry);
    expect(source).toBeDefined();
    const moduleSymbol = checker.getSymbolAtLocation(source!);
    expect(moduleSymbol).toBeDefined();
    const exported = checker.getExportsOfModule(moduleSymbol!);
    expect(exported.length).toBeGreaterThan(5);

    const gaps: string[] = [];
    for (const symbol of exported) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declaration = target.declarations?.[0];
      if (declaration === undefined) {
        gaps.push(`${symbol.name}: no declaration`);
        continue;
      }
      gaps.push(...gapsOf(declaration, symbol.name));
      if (OPTION_INTERFACES.has(symbol.name) && ts.isInterfaceDeclaration(declaration)) {
        for (const member of declaration.members) {
          if (member.name !== undefined) gaps.push(...gapsOf(member, `${symbol.name}.${member.name.getText()}`));
        }
      }
    }
    expect(gaps).toEqual([]);
  }, 60_000);
});
