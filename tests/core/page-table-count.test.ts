import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtInProfile } from '../../core/index.ts';
import { TABLE_WINDOW } from '../../core/engine/constants.ts';
import { Machine } from '../../core/engine/machine.ts';

/**
 * A profile whose driver frees a last-level table when its last entry goes (freesEmptyTables,
 * tegra-smmu) counts live entries per table: in a window of TABLE_WINDOW tables from the top of the IOVA
 * space (where the allocator hands out IOVAs, top-down) in a typed array, below it in a Map. Both
 * must book a table's allocation exactly when a map finds it empty, whichever side of the edge.
 */
describe('counted page tables', () => {
  it('book a table allocation exactly when a map finds the table empty, on both sides of the counted window', () => {
    const profile = builtInProfile('tegra-smmu');
    expect(profile.iommu.freesEmptyTables).toBe(true);
    const span = profile.iommu.leafTableSpanBytes / profile.iommu.granuleBytes;
    const topTable = Math.floor((2 ** (profile.iommu.iovaBits - Math.log2(profile.iommu.granuleBytes)) - 1) / span);
    // Tables just inside and just outside the window's lower edge, and at the top.
    const edge = topTable - TABLE_WINDOW;
    const edgeTables = [topTable, topTable - 1, edge + 2, edge + 1, edge, edge - 1];
    const range = fc.record({
      table: fc.constantFrom(...edgeTables),
      offset: fc.integer({ min: 0, max: span - 1 }),
      pages: fc.integer({ min: 1, max: 3 * span }),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(range, fc.boolean()), { minLength: 1, maxLength: 60 }), (ops) => {
        const m = new Machine(profile, 1, 1, false);
        const live = new Map<number, number>();
        const mapped: Array<[number, number]> = [];
        for (const [{ table, offset, pages }, unmapOne] of ops) {
          if (unmapOne && mapped.length > 0) {
            const [first, n] = mapped.shift()!;
            m.tablesUnmap(first, n);
            for (let p = first; p < first + n; p++) {
              const tb = Math.floor(p / span);
              live.set(tb, live.get(tb)! - 1);
            }
            continue;
          }
          const first = table * span + offset;
          let fresh = 0;
          const touched = new Set<number>();
          for (let p = first; p < first + pages; p++) touched.add(Math.floor(p / span));
          for (const tb of touched) if (!live.get(tb)) fresh++;
          for (let p = first; p < first + pages; p++) {
            const tb = Math.floor(p / span);
            live.set(tb, (live.get(tb) ?? 0) + 1);
          }
          expect(m.tablesMap(first, pages)).toBeCloseTo(fresh * profile.iommu.tableAllocUs, 9);
          mapped.push([first, pages]);
        }
      }),
    );
  });
});
