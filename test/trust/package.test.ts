import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * What ships to Azure is `dist/functions` and the production dependencies. Azurite (with the old
 * axios, tough-cookie and xml2js it pulls in) is only for the embedded runtime on one machine: it
 * must be a development dependency, and nothing the function app loads may reach it.
 */
const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  overrides?: Record<string, string>;
};

test('azurite is a development dependency, pinned', () => {
  expect(pkg.dependencies.azurite).toBeUndefined();
  expect(pkg.devDependencies.azurite).toMatch(/^\d+\.\d+\.\d+$/);
});

/** Every module file dist/functions/index.js loads, following relative requires; bare ones returned apart. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/require\((['"])([^'"]+)\1\)/g)) {
      const spec = m[2] as string;
      if (!spec.startsWith('.')) {
        packages.add(
          spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string),
        );
        continue;
      }
      const base = path.resolve(path.dirname(file), spec);
      const next = [`${base}.js`, path.join(base, 'index.js'), base].find(
        (f) => existsSync(f) && f.endsWith('.js'),
      );
      if (next) queue.push(next);
    }
  }
  return { files, packages };
}

test('the function app (package.json main, as deployed) never loads azurite or the embedded runtime', () => {
  const entry = path.join(root, pkg.main);
  expect(existsSync(entry)).toBe(true); // built by `npm test`'s pretest
  const { files, packages } = importGraph(entry);
  expect(files.size).toBeGreaterThan(20);
  expect([...packages]).not.toContain('azurite');
  expect([...files].filter((f) => f.includes(`${path.sep}dist${path.sep}local${path.sep}`))).toEqual([]);
  // Every package it loads is a production dependency (or part of Node).
  const builtin = new Set(builtinModules);
  const missing = [...packages].filter((p) => !builtin.has(p.replace(/^node:/, '')) && !pkg.dependencies[p]);
  expect(missing).toEqual([]);
});
