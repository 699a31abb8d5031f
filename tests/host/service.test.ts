import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError, OP_NAMES, CONTRACT, parseOpArgs } from '../../core/contract.ts';
import { createHostService, type HostService } from '../../electron/host/service.ts';
import { SMALL_FIO, tempDir } from './helpers.ts';

const t = tempDir();
let host: HostService;
beforeAll(() => {
  host = createHostService({ dbPath: t.db(), workers: 2 });
});
afterAll(async () => {
  await host.close();
  t.cleanup();
});

async function expectError(p: Promise<unknown>, code: string, match?: RegExp): Promise<ContractError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ContractError);
    expect((e as ContractError).code).toBe(code);
    if (match) expect((e as ContractError).message).toMatch(match);
    return e as ContractError;
  }
  throw new Error('expected a ContractError');
}

describe('the contract', () => {
  it('lists every operation once, each with a schema and a doc line', () => {
    expect(new Set(OP_NAMES).size).toBe(OP_NAMES.length);
    for (const op of OP_NAMES) {
      expect(op).toMatch(/^[a-z]+:[a-z]+$/);
      expect(CONTRACT[op].doc.length).toBeGreaterThan(10);
    }
    for (const op of ['profiles:list', 'profiles:get', 'profiles:save', 'profiles:delete', 'profiles:validate', 'engine:catalog', 'runs:start', 'runs:status', 'runs:cancel', 'runs:list', 'runs:get', 'runs:update', 'runs:delete', 'runs:diff', 'sweeps:start', 'sweeps:status', 'sweeps:get', 'sweeps:list', 'export:run', 'export:diff', 'export:import']) {
      expect(OP_NAMES).toContain(op);
    }
  });

  it('names every bad field in one invalid error', () => {
    const e = (() => {
      try {
        parseOpArgs('runs:start', { strategies: [], workload: '', replications: 0, extra: 1 });
      } catch (x) {
        return x as ContractError;
      }
    })()!;
    expect(e.code).toBe('invalid');
    const paths = e.issues!.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['strategies', 'workload', 'replications']));
  });

  it('answers envelopes over dispatch and never throws', async () => {
    expect(await host.dispatch('nope:op', {})).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await host.dispatch('runs:get', { runId: 'zzzzzzzz' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await host.dispatch('runs:get', 42)).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const ok = await host.dispatch('host:info', {});
    expect(ok).toMatchObject({ ok: true, result: { schemaVersion: 5, workers: 2 } });
    expect(JSON.parse(JSON.stringify(ok))).toEqual(ok);
  });

  it('gives forms the catalogue: strategies with parameters, workload kinds, profiles, metrics', async () => {
    const c = await host.api['engine:catalog']({});
    expect(c.strategies.find((s) => s.id === 'bounce-pool')!.params.map((p) => p.key)).toEqual(expect.arrayContaining(['classes', 'slots']));
    expect(c.workloadKinds.map((k) => k.kind)).toEqual(['fio', 'dmabench', 'accel']);
    expect(c.builtInProfiles.map((p) => p.id)).toContain('vtd');
    expect(c.sweepKeys).toContain('iopf.premap');
    expect(c.metrics.find((m) => m.key === 'throughputMiBps')!.unit).toBe('MiB/s');
  });
});

describe('profiles', () => {
  it('keeps built-ins read-only and validates user profiles', async () => {
    const list = await host.api['profiles:list']({});
    expect(list.filter((p) => p.builtIn).length).toBeGreaterThanOrEqual(5);
    const vtd = (await host.api['profiles:get']({ id: 'vtd' })).profile;
    await expectError(host.api['profiles:save']({ profile: vtd }), 'conflict', /built in/);
    await expectError(host.api['profiles:delete']({ id: 'vtd' }), 'conflict');
    const e = await expectError(host.api['profiles:save']({ profile: { ...vtd, id: 'bad', cpu: { ...vtd.cpu, cores: 'eight' } } }), 'invalid');
    expect(e.issues![0].path).toBe('profile.cpu.cores');
    const saved = await host.api['profiles:save']({ profile: { ...vtd, id: 'my-vtd', name: 'My VT-d', builtIn: undefined } });
    expect(saved.builtIn).toBe(false);
    expect((await host.api['profiles:validate']({ profile: { id: 1 } })).ok).toBe(false);
    expect((await host.api['profiles:list']({})).some((p) => p.id === 'my-vtd')).toBe(true);
  });
});

describe('strategy lists at the boundary', () => {
  it('refuses the same strategy twice in runs:start and sweeps:start, as the CLI does', async () => {
    await expectError(host.call('runs:start', { profileId: 'vtd', strategies: ['iopf', 'iopf'], workload: SMALL_FIO }), 'invalid', /each strategy once/);
    await expectError(host.call('runs:start', { profileId: 'vtd', strategies: ['strict,all'], workload: SMALL_FIO }), 'invalid', /each strategy once/);
    await expectError(host.call('sweeps:start', { profileIds: ['vtd'], strategies: ['lazy', 'lazy'], workload: SMALL_FIO, vary: [{ key: 'bs', values: ['4k', '8k'] }] }), 'invalid', /each strategy once/);
  });
});

describe('runs through the worker pool', () => {
  it('runs strategies x replications off the main thread and stores them', async () => {
    const { runId } = await host.api['runs:start']({ profileId: 'vtd', strategies: ['strict,lazy', 'bounce-pool:slots=256'], workload: SMALL_FIO, replications: 3, seed: 5, tags: ['t1'] });
    const s = await host.waitRun(runId);
    expect(s).toMatchObject({ status: 'done', fraction: 1, tasksDone: 9, tasksTotal: 9 });
    const d = await host.api['runs:get']({ runId });
    expect(d.config.strategies.map((x) => x.text)).toEqual(['strict', 'lazy', 'bounce-pool:slots=256']);
    expect(d.results).toHaveLength(9);
    expect(new Set(d.results.map((r) => r.seed))).toEqual(new Set([5, 6, 7]));
    expect(d.summary.map((x) => x.replications)).toEqual([3, 3, 3]);
    expect(d.summary[0].metrics['latencyUs.p99'].n).toBe(3);
    // Not saved until the user saves it; then it shows in the history.
    expect((await host.api['runs:list']({})).items.some((r) => r.id === runId)).toBe(false);
    await host.api['runs:update']({ runId, saved: true, name: 'first' });
    expect((await host.api['runs:list']({})).items.find((r) => r.id === runId)!.name).toBe('first');
  });

  it('gives the same results as running the engine directly (same seed)', async () => {
    const { simulateStrategy, builtInProfile, parseStrategy, parseWorkload } = await import('../../core/index.ts');
    const { runId } = await host.api['runs:start']({ profileId: 'vtd', strategies: ['lazy'], workload: SMALL_FIO, seed: 9 });
    await host.waitRun(runId);
    const d = await host.api['runs:get']({ runId });
    const direct = simulateStrategy(builtInProfile('vtd'), parseStrategy('lazy'), parseWorkload(SMALL_FIO), 9);
    expect(d.results[0].metrics).toEqual(direct.metrics);
    expect(d.results[0].series).toEqual(direct.series);
  });

  it('reports progress with an ETA and cancels cooperatively, keeping what finished', async () => {
    const { runId } = await host.api['runs:start']({ profileId: 'vtd', strategies: ['strict,lazy,range-flush,bounce-pool'], workload: 'fio:rw=randread,bs=4k,iodepth=16,number_ios=150000', replications: 3 });
    let sawProgress = false;
    const final = await host.waitRun(runId, (s) => {
      if (s.fraction > 0 && s.fraction < 1) sawProgress = true;
      if (s.tasksDone >= 2) void host.api['runs:cancel']({ runId });
    }, 50);
    expect(sawProgress).toBe(true);
    expect(final.status).toBe('cancelled');
    const d = await host.api['runs:get']({ runId, series: false });
    expect(d.results.length).toBeGreaterThanOrEqual(2);
    expect(d.results.length).toBeLessThan(12);
    expect(d.status).toBe('cancelled');
  }, 60_000);

  it('rejects bad input at the boundary without storing anything', async () => {
    const before = (await host.api['runs:list']({ savedOnly: false, limit: 10_000 })).total;
    await expectError(host.api['runs:start']({ profileId: 'vtd', strategies: ['nope'], workload: SMALL_FIO }), 'invalid', /strategy/);
    await expectError(host.api['runs:start']({ profileId: 'vtd', strategies: ['strict'], workload: 'fio:bs=banana' }), 'invalid', /bs/);
    await expectError(host.api['runs:start']({ profileId: 'nope', strategies: ['strict'], workload: SMALL_FIO }), 'not_found');
    await expectError(host.api['runs:start']({ profileId: 'vtd', profile: {}, strategies: ['strict'], workload: SMALL_FIO }), 'invalid');
    await expectError(host.api['runs:start']({ profileId: 'vtd', strategies: ['strict'], workload: SMALL_FIO, replications: 1000 }), 'invalid');
    await expectError(host.api['runs:start']({ profileId: 'vtd', strategies: ['strict'], workload: SMALL_FIO, seed: -1 }), 'invalid');
    await expectError(host.api['runs:start']({ profile: { id: 'x' }, strategies: ['strict'], workload: SMALL_FIO }), 'invalid');
    expect((await host.api['runs:list']({ savedOnly: false, limit: 10_000 })).total).toBe(before);
  });
});

describe('crash isolation', () => {
  it('marks a run failed when its worker crashes, and the host keeps working', async () => {
    const dir = tempDir();
    const h = createHostService({ dbPath: dir.db(), workers: 2, workerUrl: new URL('./fixtures/crash-worker.ts', import.meta.url) });
    try {
      const { runId } = await h.api['runs:start']({ profileId: 'vtd', strategies: ['strict,lazy'], workload: SMALL_FIO });
      const s = await h.waitRun(runId);
      expect(s.status).toBe('failed');
      expect(s.error).toMatch(/lazy.*crashed.*exit code 7/);
      const again = await h.api['runs:start']({ profileId: 'vtd', strategies: ['strict'], workload: SMALL_FIO, replications: 2 });
      expect((await h.waitRun(again.runId)).status).toBe('done');
    } finally {
      await h.close();
      dir.cleanup();
    }
  });

});

describe('sweeps', () => {
  it('runs the cartesian product, one run per point, and finds crossovers', async () => {
    const { sweepId, runs } = await host.api['sweeps:start']({
      profileIds: ['vtd', 'dart-16k'], strategies: ['strict,bounce-pool'], workload: 'fio:rw=read,iodepth=4,number_ios=600',
      vary: [{ key: 'bs', values: ['4k', '64k'] }, { key: 'bounce-pool.slots', values: ['64', '1024'] }], saved: true, name: 'sw',
    });
    expect(runs).toBe(8);
    const st = await host.waitSweep(sweepId);
    expect(st).toMatchObject({ status: 'done', runsDone: 8, runsTotal: 8, fraction: 1 });
    const d = await host.api['sweeps:get']({ sweepId });
    expect(d.points).toHaveLength(8);
    expect(d.points[0].values).toEqual({ profile: 'vtd', bs: '4k', 'bounce-pool.slots': '64' });
    expect(d.points[1].values).toEqual({ profile: 'vtd', bs: '64k', 'bounce-pool.slots': '64' });
    expect(d.points.every((p) => p.status === 'done' && Object.keys(p.medians).length === 2)).toBe(true);
    expect(d.points[0].strategies).toEqual(['strict', 'bounce-pool']);
    const run = await host.api['runs:get']({ runId: d.points[0].runId! });
    expect(run.config.strategies[1].text).toBe('bounce-pool:slots=64');
    expect(run.sweepPoint).toMatchObject({ bs: '4k' });
    expect((await host.api['runs:list']({ sweepId })).total).toBe(8);
    expect((await host.api['runs:list']({})).items.some((r) => r.sweepId === sweepId)).toBe(false);
    expect((await host.api['sweeps:list']({})).items[0].id).toBe(sweepId);
    await expectError(host.api['sweeps:start']({ profileIds: ['vtd'], strategies: ['strict'], workload: SMALL_FIO, vary: [{ key: 'lazy.fq', values: ['1'] }] }), 'invalid');
    await expectError(host.api['sweeps:start']({ profileIds: ['vtd'], strategies: ['strict'], workload: SMALL_FIO, vary: [{ key: 'nope', values: ['1'] }] }), 'invalid');
  }, 60_000);
});
