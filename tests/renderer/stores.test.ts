import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setBridge } from '../../renderer/src/bridge/index.ts';
import { fakeBridge, wait } from './fake-bridge.ts';
import { HostError } from '../../renderer/src/bridge/types.ts';
import { useExperimentStore } from '../../renderer/src/stores/experiment.ts';
import { useProfilesStore } from '../../renderer/src/stores/profiles.ts';
import { useHistoryStore } from '../../renderer/src/stores/history.ts';
import { BUILT_IN_PROFILES } from '../../core/profiles/builtin.ts';

beforeEach(() => setActivePinia(createPinia()));

describe('experiment store', () => {
  it('starts a run with canonical strategy and workload texts, polls to done, then reports it finished', async () => {
    const calls: Array<[string, unknown]> = [];
    let polls = 0;
    setBridge(fakeBridge({
      'engine:catalog': () => ({ strategies: [] }),
      'runs:start': () => ({ runId: 'run00001' }),
      'runs:status': () => {
        polls++;
        return polls < 3
          ? { runId: 'run00001', status: 'running', fraction: polls / 3, etaSeconds: 1, tasksDone: polls, tasksTotal: 3, current: 'strict', error: null }
          : { runId: 'run00001', status: 'done', fraction: 1, etaSeconds: 0, tasksDone: 3, tasksTotal: 3, current: null, error: null };
      },
    }, calls));
    const s = useExperimentStore();
    s.entries = [{ uid: 1, id: 'strict', params: {} }, { uid: 2, id: 'bounce-pool', params: { slots: '512' } }, { uid: 3, id: 'lazy', params: {} }];
    s.profileIds = ['virtio-iommu'];
    s.replications = 3;
    expect(s.problems).toEqual([]);
    expect(await s.start()).toBe(true);
    const start = calls.find(([op]) => op === 'runs:start')![1] as Record<string, unknown>;
    expect(start.profileId).toBe('virtio-iommu');
    expect(start.strategies).toEqual(['strict', 'bounce-pool:slots=512', 'lazy']);
    expect(String(start.workload)).toMatch(/^fio:rw=randread,bs=4k/);
    expect(start.replications).toBe(3);
    expect(s.running).toBe(true);
    for (let i = 0; i < 40 && s.progress?.status === 'running'; i++) await wait(50);
    expect(s.progress?.status).toBe('done');
    expect(s.finished).toEqual({ kind: 'run', id: 'run00001', status: 'done' });
    expect(polls).toBe(3);
  });

  it('a run over the work budget asks for confirmation, then starts with force', async () => {
    const calls: Array<[string, unknown]> = [];
    setBridge(fakeBridge({
      'runs:start': (a) => {
        if (!(a as { force?: boolean }).force) {
          throw new HostError('runs:start', 'runs:start: estimated work 614G units is over the limit', { code: 'invalid', issues: [{ path: 'force', message: 'estimated work 614G units is over the limit' }] });
        }
        return { runId: 'run00002' };
      },
      'runs:status': () => ({ runId: 'run00002', status: 'done', fraction: 1, etaSeconds: 0, tasksDone: 1, tasksTotal: 1, current: null, error: null }),
    }, calls));
    const s = useExperimentStore();
    s.entries = [{ uid: 1, id: 'strict', params: {} }];
    s.profileIds = ['vtd'];
    expect(await s.start()).toBe(false);
    expect(s.overBudget).toMatch(/over the limit/);
    expect(s.startError).toBeNull();
    expect(await s.start(true)).toBe(true);
    expect(s.overBudget).toBeNull();
    expect((calls.filter(([op]) => op === 'runs:start')[1][1] as { force?: boolean }).force).toBe(true);
    s.clearProgress();
  });

  it('refuses to start with a bad workload or strategy parameter, saying what is wrong', async () => {
    const calls: Array<[string, unknown]> = [];
    setBridge(fakeBridge({}, calls));
    const s = useExperimentStore();
    s.fio.iodepth = 'deep';
    s.entries = [{ uid: 1, id: 'iopf', params: { premap: '-1' } }];
    expect(s.problems.some((p) => /iodepth/.test(p))).toBe(true);
    expect(s.problems.some((p) => /premap/.test(p))).toBe(true);
    expect(await s.start()).toBe(false);
    expect(s.startError).toBeTruthy();
    expect(calls.filter(([op]) => op === 'runs:start')).toEqual([]);
  });

  it('starts a sweep for several profiles or a sweep axis, and cancels it', async () => {
    const calls: Array<[string, unknown]> = [];
    setBridge(fakeBridge({
      'sweeps:start': () => ({ sweepId: 'sw000001', runs: 4 }),
      'sweeps:status': () => ({ sweepId: 'sw000001', status: 'running', fraction: 0.25, etaSeconds: 3, runsDone: 1, runsTotal: 4, error: null }),
      'sweeps:cancel': () => ({ sweepId: 'sw000001', status: 'cancelled', fraction: 0.25, etaSeconds: null, runsDone: 1, runsTotal: 4, error: null }),
    }, calls));
    const s = useExperimentStore();
    s.profileIds = ['virtio-iommu', 'vtd'];
    s.sweepEnabled = true;
    s.sweepKey = 'bs';
    s.sweepValues = '4k, 64k';
    expect(s.isSweep).toBe(true);
    expect(await s.start()).toBe(true);
    const a = calls.find(([op]) => op === 'sweeps:start')![1] as Record<string, unknown>;
    expect(a.profileIds).toEqual(['virtio-iommu', 'vtd']);
    expect(a.vary).toEqual([{ key: 'bs', values: ['4k', '64k'] }]);
    await s.cancel();
    expect(calls.some(([op, args]) => op === 'sweeps:cancel' && (args as { sweepId: string }).sweepId === 'sw000001')).toBe(true);
    s.clearProgress();
  });
});

describe('profiles store', () => {
  it('refuses to save an invalid profile without calling the host', async () => {
    const calls: Array<[string, unknown]> = [];
    setBridge(fakeBridge({ 'profiles:list': () => [] }, calls));
    const s = useProfilesStore();
    const bad = { ...BUILT_IN_PROFILES[0], id: 'mine', cpu: { ...BUILT_IN_PROFILES[0].cpu, cores: 0 } };
    const r = await s.save(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.some((i) => i.path === 'cpu.cores')).toBe(true);
    expect(calls.some(([op]) => op === 'profiles:save')).toBe(false);
  });
  it('saves a valid profile and returns host issues when the host refuses', async () => {
    const calls: Array<[string, unknown]> = [];
    let refuse = false;
    setBridge(fakeBridge({
      'profiles:list': () => [],
      'profiles:save': (a: { profile: { id: string; name: string } }) => {
        if (refuse) throw new HostError('profiles:save', 'built-in ids are read-only', { code: 'conflict', issues: [{ path: 'id', message: 'read-only' }] });
        return { ...a.profile, profile: a.profile, builtIn: false, description: '', createdAt: 1, updatedAt: 1 };
      },
    }, calls));
    const s = useProfilesStore();
    const good = { ...BUILT_IN_PROFILES[0], id: 'mine' };
    delete (good as { builtIn?: boolean }).builtIn;
    expect((await s.save(good, 'create')).ok).toBe(true);
    refuse = true;
    const r = await s.save(good);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(/read-only/);
      expect(r.issues).toEqual([{ path: 'id', message: 'read-only' }]);
    }
  });
  it('parses imported JSON and names what is wrong', () => {
    setBridge(fakeBridge({}, []));
    const s = useProfilesStore();
    expect(s.parseJson('{nope').ok).toBe(false);
    const r = s.parseJson(JSON.stringify({ profile: BUILT_IN_PROFILES[1] }));
    expect(r.ok).toBe(true);
    const bad = s.parseJson(JSON.stringify({ ...BUILT_IN_PROFILES[1], iommu: { ...BUILT_IN_PROFILES[1].iommu, granuleBytes: 3000 } }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/granuleBytes/);
  });
});

describe('history store', () => {
  it('passes filters to runs:list and drops deleted runs', async () => {
    const calls: Array<[string, unknown]> = [];
    const item = (id: string) => ({ id, name: id, tags: [], notes: '', saved: true, status: 'done', profileId: 'vtd', profileName: 'VT-d', strategies: ['strict'], workloadText: 'fio:', seed: 1, replications: 1, engineVersion: '1', createdAt: 1, finishedAt: 2, wallMs: 1, error: null, sweepId: null, throughputMiBps: {} });
    setBridge(fakeBridge({
      'runs:list': () => ({ total: 2, items: [item('aaaa1'), item('bbbb2')] }),
      'sweeps:list': () => ({ total: 0, items: [] }),
      'runs:delete': () => ({ deleted: true }),
    }, calls));
    const s = useHistoryStore();
    s.filters.search = ' 4k ';
    s.filters.tag = 'baseline';
    s.filters.strategy = 'lazy';
    s.filters.from = '2025-01-01';
    await s.load();
    const args = calls.find(([op]) => op === 'runs:list')![1] as Record<string, unknown>;
    expect(args).toMatchObject({ savedOnly: true, search: '4k', tag: 'baseline', strategy: 'lazy' });
    expect(typeof args.from).toBe('number');
    expect(args.profileId).toBeUndefined();
    expect(s.items.length).toBe(2);
    await s.remove('aaaa1');
    expect(s.items.map((x) => x.id)).toEqual(['bbbb2']);
    expect(s.total).toBe(1);
  });
});
