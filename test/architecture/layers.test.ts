/**
 * Imports point only downward. Every module of src/ belongs to one layer; a module may import
 * from its own layer and from the layers below it, never from above. The README's "Where things
 * are" describes the same picture in words.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Lowest first. Modules in one row may import one another. */
const LAYERS: readonly (readonly string[])[] = [
  ['domain'],
  ['config', 'logging', 'metrics', 'files'],
  ['store', 'locate', 'audit'],
  ['context.ts'],
  ['services'],
  ['delivery'],
  ['jobs'],
  ['http'],
  ['compose.ts', 'readiness-checks.ts', 'service.ts'],
  ['cli'],
];

/** The layer of a file under src/: its top folder, or the file itself at the top. */
function layerOf(file: string): number {
  const top = relative(SRC, file).split(/[\\/]/)[0]!;
  const index = LAYERS.findIndex((names) => names.includes(top));
  if (index < 0) throw new Error(`${relative(SRC, file)} is in no layer: add "${top}" to LAYERS`);
  return index;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every relative module specifier: import and export ... from, import type, import(). */
function importsOf(fileName: string, text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true));
  return found.filter((specifier) => specifier.startsWith('.'));
}

/** "from-file imports to-module (layer → layer)" for every import that points upward. */
function upwardImports(files: readonly { file: string; text: string }[]): string[] {
  return files.flatMap(({ file, text }) =>
    importsOf(file, text)
      .map((specifier) => ({ specifier, target: resolve(dirname(file), specifier.replace(/\.js$/, '.ts')) }))
      .filter(({ target }) => layerOf(target) > layerOf(file))
      .map(
        ({ specifier, target }) => `${relative(SRC, file)} imports ${specifier} (${LAYERS[layerOf(file)]!.join('/')} → ${LAYERS[layerOf(target)]!.join('/')})`,
      ),
  );
}

describe('layers', () => {
  it('every module of src/ imports only from its own layer or below', () => {
    const files = sourceFiles(SRC).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
    expect(files.length).toBeGreaterThan(100);
    expect(upwardImports(files)).toEqual([]);
  });

  it('names the file and the import that points upward', () => {
    const file = join(SRC, 'delivery', 'dispatcher.ts');
    const text =
      "import type { JobRunner } from '../jobs/job-runner.js';\nexport { x } from '../http/app.js';\nconst late = () => import('../domain/clock.js');";
    expect(upwardImports([{ file, text }])).toEqual([
      'delivery/dispatcher.ts imports ../jobs/job-runner.js (delivery → jobs)',
      'delivery/dispatcher.ts imports ../http/app.js (delivery → http)',
    ]);
  });
});
