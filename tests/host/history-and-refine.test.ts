import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../electron/host/store.ts';
import { createHostService, type HostService } from '../../electron/host/service.ts';
import { midValue } from '../../electron/host/sweep.ts';
import { sampleRun, tempDir } from './helpers.ts';

describe('History at scale: the run store pages, sorts and filters', () => {
  const t = tempDir();
  let store: RunStore;
  beforeAll(() => {
    store = new RunStore(t.db());
    const { config, result } = sampleRun();
    store.db.transaction(() => {
      for (let i = 0; i < 300; i++) store.insertCompleteRun({ config, saved: true, name: `run ${String(299 - i).padStart(3, '0')}`, tags: i % 3 === 0 ? ['third'] : [] }, [result]);
    })();
  });
  afterAll(() => {
    store.close();
    t.cleanup();
  });

  it('reaches every run a page at a time, newest first by default', () => {
    const seen = new Set<string>();
    for (let offset = 0; offset < 300; offset += 100) for (const r of store.listRuns({ limit: 100, offset }).items) seen.add(r.id);
    expect(seen.size).toBe(300);
    expect(store.listRuns({ limit: 100, offset: 300 }).items).toHaveLength(0);
  });
  it('sorts by any column, both ways, before paging', () => {
    expect(store.listRuns({ limit: 1, sort: 'name', order: 'asc' }).items[0].name).toBe('run 000');
    expect(store.listRuns({ limit: 1, sort: 'name', order: 'desc' }).items[0].name).toBe('run 299');
    expect(store.listRuns({ limit: 1, offset: 150, sort: 'name', order: 'asc' }).items[0].name).toBe('run 150');
  });
  it('filters with the total of the whole match, not of the page', () => {
    const r = store.listRuns({ tag: 'third', limit: 10 });
    expect(r.total).toBe(100);
    expect(r.items).toHaveLength(10);
  });
});

describe('sweeps locate steps with extra points', () => {
  it('halves the bracket down to 4 KiB for sizes, 1 for counts', () => {
    expect(midValue('bs', '128k', '256k')).toBe('192k');
    expect(midValue('bs', '128k', '132k')).toBeNull();
    expect(midValue('iodepth', '1', '4')).toBe('2');
    expect(midValue('iodepth', '4', '5')).toBeNull();
    expect(midValue('rw', 'read', 'write')).toBeNull();
  });

  const t = tempDir();
  let host: HostService;
  beforeAll(() => {
    host = createHostService({ dbPath: t.db(), workers: 2 });
  });
  afterAll(async () => {
    await host.close();
    t.cleanup();
  });

  it('finds bounce-pool -> lazy between 128k and 132k on virtio-iommu, where passthrough hides every crossover', async () => {
    const { sweepId } = await host.api['sweeps:start']({
      profileIds: ['virtio-iommu'], strategies: ['passthrough,strict,lazy,bounce-pool'], workload: 'fio:rw=read,iodepth=64,number_ios=3000',
      vary: [{ key: 'bs', values: ['64k', '128k', '256k'] }],
    });
    const st = await host.waitSweep(sweepId);
    expect(st.status).toBe('done');
    const d = await host.api['sweeps:get']({ sweepId });
    expect(d.points.filter((p) => p.refined).length).toBeGreaterThan(0);
    expect(d.crossovers).toHaveLength(1);
    expect(d.crossovers[0]).toMatchObject({ before: 'bounce-pool', after: 'lazy', from: '128k', to: '132k', kind: 'step', refined: true, at: null });
    expect(d.crossovers[0].reason).toMatch(/falls back/);
    expect(d.crossoversAll).toEqual([]);
    expect(d.points.find((p) => p.values.bs === '128k')!.protection).toMatchObject({ passthrough: 'none', strict: 'full', lazy: 'deferred', 'bounce-pool': 'full' });
    const md = (await host.api['export:sweep']({ sweepId, format: 'md' })).data;
    expect(md).toMatch(/lazy takes over from bounce-pool between bs 128k and 132k/);
  }, 120_000);
});
