import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** An import from one folder of src/ into another: the importing file and the specifier. */
export interface CrossImport {
  from: string;
  to: string;
  file: string;
  specifier: string;
}

const ROOT_FILES = '(root)';

const tsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/** The file a relative specifier names (`./x`, `./x.js`, `../dir` with an index.ts). */
function resolveSpecifier(fromFile: string, specifier: string): string {
  const base = resolve(dirname(fromFile), specifier.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  if (existsSync(base) && statSync(base).isFile()) return base;
  throw new Error(`${fromFile}: cannot resolve '${specifier}'`);
}

/** The top folder of src/ a file belongs to; the files directly in src/ form "(root)". */
export function folderOf(srcDir: string, file: string): string {
  const parts = relative(srcDir, file).split(sep);
  return parts.length > 1 ? parts[0] : ROOT_FILES;
}

/** Every relative import (static, `export … from`, dynamic `import()`) that crosses a folder of src/. */
export function crossFolderImports(srcDir: string): CrossImport[] {
  const out: CrossImport[] = [];
  for (const file of tsFiles(srcDir)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      if (!specifier.startsWith('.')) continue;
      const from = folderOf(srcDir, file);
      const to = folderOf(srcDir, resolveSpecifier(file, specifier));
      if (from !== to) out.push({ from, to, file: relative(srcDir, file), specifier });
    }
  }
  return out;
}

/** The strongly connected components of more than one folder (Tarjan): each is an import cycle. */
export function folderCycles(imports: readonly CrossImport[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)?.add(to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
