import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript without declarations
import { findCycles } from '../../scripts/import-cycles.mjs';

const cyclesIn = findCycles as (dirs: string[]) => string[][];

describe('module imports go downward only', () => {
  it('core, electron and the renderer have no import cycle (static or dynamic)', () => {
    expect(cyclesIn(['core', 'electron', 'renderer/src']).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('the check finds a cycle through a dynamic import and ignores type-only imports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iommu-lab-cycles-'));
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const a = () => b;\n");
    writeFileSync(join(dir, 'b.ts'), "export const b = async () => (await import('./a.ts')).a;\n");
    writeFileSync(join(dir, 'c.ts'), "import type { D } from './d.ts';\nexport type C = D;\n");
    writeFileSync(join(dir, 'd.ts'), "import { c } from './c.ts';\nexport type D = number;\nexport const d = c;\n");
    const found = cyclesIn([dir]).map((c) => c.map((f) => f.split('/').pop()).join(' -> '));
    expect(found).toEqual(['a.ts -> b.ts -> a.ts']);
  });
});
