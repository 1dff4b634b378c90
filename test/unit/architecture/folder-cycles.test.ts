import { resolve } from 'node:path';
import { crossFolderImports, folderCycles, type CrossImport } from './import-graph';

const SRC = resolve(__dirname, '../../../src');

/** For a failure message: the imports that close each cycle, file by file. */
const describeCycle = (cycle: string[], imports: readonly CrossImport[]): string =>
  `${cycle.join(' <-> ')}:\n` +
  imports
    .filter((i) => cycle.includes(i.from) && cycle.includes(i.to))
    .map((i) => `  ${i.from} -> ${i.to}: src/${i.file} imports '${i.specifier}'`)
    .join('\n');

describe('folders of src/', () => {
  it('import each other without cycles (static, type-only and dynamic imports alike)', () => {
    const imports = crossFolderImports(SRC);
    const cycles = folderCycles(imports);
    expect(cycles.map((c) => describeCycle(c, imports))).toEqual([]);
  });

  it('the cycle finder finds a cycle through three folders and ignores a one-way chain', () => {
    const edge = (from: string, to: string): CrossImport => ({
      from,
      to,
      file: `${from}/x.ts`,
      specifier: `../${to}/y`,
    });
    expect(folderCycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd')])).toEqual([
      ['a', 'b', 'c'],
    ]);
    expect(folderCycles([edge('a', 'b'), edge('b', 'c'), edge('a', 'c')])).toEqual([]);
  });
});
