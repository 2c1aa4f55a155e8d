// Loaded into every process by `node scripts/node-versions.mjs exec` (through NODE_OPTIONS=--import): when a
// package loads one of its native addons, this Node gets the copy that script rebuilt for it instead of the
// one the install compiled for the machine's Node. Everything else resolves as usual, and an addon with no
// rebuilt copy loads (and fails) as it would without this hook.
//
// CORS_NATIVE_ADDONS names the folder of one Node version's addons (its name is that version, e.g. v24.22.3);
// its manifest.json lists, per `name@version`, the addon files at their paths inside the package. A process of
// any other Node that inherits the variable (a child started with another binary) leaves resolution alone.
import { existsSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const folder = process.env.CORS_NATIVE_ADDONS;

if (folder && basename(folder) === process.version && existsSync(join(folder, 'manifest.json'))) {
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));

  /** The rebuilt copy of an addon file, or undefined when there is none. */
  const rebuilt = (path) => {
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
      if (!existsSync(join(dir, 'package.json'))) continue;
      let pkg;
      try {
        pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      // A package.json without a name (a "type" marker in a subfolder) is not the package's root.
      if (typeof pkg.name !== 'string') continue;
      const key = `${pkg.name}@${pkg.version}`;
      const file = relative(dir, path).split(sep).join('/');
      return manifest[key]?.includes(file) ? join(folder, key, file) : undefined;
    }
    return undefined;
  };

  if (typeof nodeModule.registerHooks !== 'function') {
    throw new Error(`scripts/node-versions-hook.mjs needs module.registerHooks, which Node ${process.version} lacks`);
  }
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const result = nextResolve(specifier, context);
      if (!result.url?.startsWith('file:') || !result.url.endsWith('.node')) return result;
      const copy = rebuilt(fileURLToPath(result.url));
      return copy === undefined ? result : { ...result, url: pathToFileURL(copy).href };
    },
  });
}
