/** `bench` in text mode prints the run-store figures as a table with units (it dumped raw JSON). */
import { describe, expect, it } from 'vitest';
import { storeTable } from '../../electron/cli/bench.ts';

describe('bench text output', () => {
  it('shows the run-store figures as labelled rows with units', () => {
    const out = storeTable({ saveRun100kPointsMs: 31.3, list10kRunsMs: 84.25, dbBytes: 149712896 });
    expect(out).not.toContain('{');
    expect(out).toMatch(/save a run with 100,000 series points\s+31\.3 ms/);
    expect(out).toMatch(/list 10,000 runs\s+84\.3 ms/);
    expect(out).toMatch(/database size\s+142\.8 MiB/);
  });
});
