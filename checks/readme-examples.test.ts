// Every package README documents every option, and each adapter's page keeps its options table (a default and an
// example per option) and its compatibility table (the framework majors the peer dependency allows, and Node.js),
// so the docs can't silently lose an option or a supported major.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPTION_NAMES } from '../packages/core/src/options.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ADAPTERS = [
  { pkg: 'express', framework: 'Express', peer: 'express', majors: [4, 5] },
  { pkg: 'koa', framework: 'Koa', peer: 'koa', majors: [2, 3] },
  { pkg: 'fastify', framework: 'Fastify', peer: 'fastify', majors: [4, 5] },
] as const;
const NODE_MAJOR = 20;

interface PackageJson {
  version: string;
  engines?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readme = (pkg: string): string => readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
const packageJson = (pkg: string): PackageJson =>
  JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as PackageJson;

/** The markdown without fenced code blocks, so a `## ` or `|` in an example is never taken for structure. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The body of the `## heading` section (up to the next `## `), or undefined. */
function section(markdown: string, heading: string): string | undefined {
  const lines = prose(markdown).split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start === -1) return undefined;
  const end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

/** Cells of one table row: split on unescaped pipes, trimmed, with `\|` unescaped. */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

interface Table {
  header: string[];
  rows: string[][];
}

/** Every pipe table in `text`: a header row, a delimiter row, then body rows. */
function tables(text: string): Table[] {
  const found: Table[] = [];
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.trim().startsWith('|') || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1]!)) continue;
    const header = cells(lines[i]!);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim().startsWith('|'); j++) rows.push(cells(lines[j]!));
    found.push({ header, rows });
    i = j - 1;
  }
  return found;
}

const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');

/** The majors a peer range such as `^4.17 || ^5` allows. */
function peerMajors(range: string): number[] {
  return range.split('||').map((part) => Number(/(\d+)/.exec(part)?.[1]));
}

describe('package READMEs', () => {
  it.each(['core', ...ADAPTERS.map((a) => a.pkg)])('the %s README mentions every option', (pkg) => {
    const text = readme(pkg);
    const missing = OPTION_NAMES.filter((name) => !text.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  describe.each(ADAPTERS.map((adapter) => [adapter.pkg, adapter] as const))('@cors/%s', (pkg, { framework, peer, majors }) => {
    const text = readme(pkg);

    it('gives every option, and only real options, a default and an example in its options table', () => {
      const options = section(text, 'Options');
      expect(options, 'an "## Options" section').toBeDefined();
      const table = tables(options!).find((t) => ['option', 'default', 'example'].every((c) => t.header.includes(c)));
      expect(table, 'a table with option, default and example columns').toBeDefined();
      const { header, rows } = table!;
      const defaultColumn = header.indexOf('default');
      const exampleColumn = header.indexOf('example');
      const byName = new Map(rows.map((row) => [unquote(row[header.indexOf('option')] ?? ''), row]));

      expect([...byName.keys()].filter((name) => !OPTION_NAMES.includes(name)), 'rows that are not options').toEqual([]);
      const gaps: string[] = [];
      for (const name of OPTION_NAMES) {
        const row = byName.get(name);
        if (row === undefined) {
          gaps.push(`${name}: no row`);
          continue;
        }
        if (!row[defaultColumn]) gaps.push(`${name}: no default`);
        // An example writes the option as it is used: `maxAge: 600`.
        if (!row[exampleColumn]?.includes(`${name}:`)) gaps.push(`${name}: no example using it`);
      }
      expect(gaps).toEqual([]);
    });

    it(`has a compatibility table with ${framework} ${majors.join(' and ')} and Node.js ${NODE_MAJOR}, as package.json says`, () => {
      const manifest = packageJson(pkg);
      // The table states what the package promises; it must agree with what npm is told.
      expect(peerMajors(manifest.peerDependencies?.[peer] ?? '')).toEqual([...majors]);
      expect(manifest.engines?.node).toMatch(new RegExp(`^>=\\s*${NODE_MAJOR}(\\D|$)`));
      const releaseLine = `${manifest.version.split('.')[0]}.x`;

      const compatibility = section(text, 'Compatibility');
      expect(compatibility, 'a "## Compatibility" section').toBeDefined();
      const table = tables(compatibility!).find((t) => t.header.some((cell) => cell.startsWith(framework)));
      expect(table, `a table with ${framework} columns`).toBeDefined();
      const { header, rows } = table!;
      expect(unquote(header[0]!)).toBe(`@cors/${pkg}`);
      const row = rows.find((r) => r[0] === releaseLine);
      expect(row, `a row for ${releaseLine}`).toBeDefined();

      for (const major of majors) {
        const column = header.indexOf(`${framework} ${major}`);
        expect(column, `a "${framework} ${major}" column`).toBeGreaterThan(0);
        expect(row![column], `${framework} ${major} supported by ${releaseLine}`).toMatch(/^yes\b/);
      }
      const nodeColumn = header.indexOf('Node.js');
      expect(nodeColumn, 'a "Node.js" column').toBeGreaterThan(0);
      expect(row![nodeColumn]).toMatch(new RegExp(`^${NODE_MAJOR}\\b`));
    });

    it('links to the core options specification', () => {
      expect(text).toContain('](../core/README.md#options)');
    });
  });
});
