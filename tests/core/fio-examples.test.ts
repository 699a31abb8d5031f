import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInProfile, parseFioJobText, parseStrategy, simulateStrategy, type FioWorkload } from '../../core/index.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'fio-examples');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.fio')).sort();
/** What the xnvme/uring-cmd examples' own comments tell the user to export. */
const ENV = { FIO_RW: 'randread', FIO_BS: '4k', FIO_IODEPTH: '1' };

function read(f: string) {
  return parseFioJobText(readFileSync(join(DIR, f), 'utf8'), { env: ENV, fileName: f, readInclude: (n) => readFileSync(join(DIR, n), 'utf8') });
}

/** The same jobs, cut to a few IOs each so all of fio's examples simulate in a test. */
function small(w: FioWorkload): FioWorkload {
  const jobs = w.jobs?.map((j) => ({
    ...j, numjobs: Math.min(j.numjobs, 4), sizeBytes: Math.min(j.sizeBytes, 1 << 20), ioBytes: j.ioBytes === null ? null : Math.min(j.ioBytes, 1 << 20),
    ios: j.ios === null ? null : Math.min(j.ios, 64), runtimeUs: j.runtimeUs === null ? null : Math.min(j.runtimeUs, 2000), rampUs: Math.min(j.rampUs, 500),
  }));
  return { ...w, sizeBytes: Math.min(w.sizeBytes, 1 << 20), ios: w.ios === null ? null : Math.min(w.ios, 64), ...(jobs ? { jobs } : {}) };
}

describe("fio's own examples/*.fio", () => {
  it('every file runs, or is refused with one line naming a real reason; every block-IO job runs', () => {
    expect(FILES.length).toBe(107);
    const profile = builtInProfile('vtd');
    const strict = parseStrategy('strict');
    const refused: Record<string, string> = {};
    let ran = 0;
    for (const f of FILES) {
      const r = read(f);
      if (!r.workload) {
        expect(r.refusal, f).toMatch(/^no job moves data by DMA: (ioengine=[\w-]+: [^;]+|rw=(rand)?trim: [^;]+)(; .+)?$/);
        expect(r.refusal, f).not.toContain('\n');
        refused[f] = r.refusal as string;
        continue;
      }
      const running = r.understood.jobs.filter((j) => !j.skipped).length;
      expect(r.workload.jobs?.length ?? 1, f).toBe(running);
      const res = simulateStrategy(profile, strict, small(r.workload), 1);
      expect(res.metrics.ios, f).toBeGreaterThan(0);
      ran++;
    }
    expect(ran + Object.keys(refused).length).toBe(107);
    expect(ran).toBe(66);
    // No block-IO engine among the refusals.
    for (const reason of Object.values(refused)) expect(reason).not.toMatch(/ioengine=(libaio|io_uring|psync|sync|sg|xnvme|libblkio)\b/);
  });

  it('lists every option it does not model instead of dropping it', () => {
    const r = read('fio-rand-read.fio');
    const names = r.understood.jobs.flatMap((j) => j.notModelled.map((o) => o.name));
    const all = readFileSync(join(DIR, 'fio-rand-read.fio'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => /^[a-z_]+(=|$)/.test(l)).map((l) => l.split('=')[0]);
    const modelled = r.understood.jobs.flatMap((j) => j.modelled.map((o) => o.name));
    for (const n of all) expect([...names, ...modelled, 'name'], n).toContain(n);
  });
});
