// Regression tests for QA findings in the web app (renderer logic).
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setBridge } from '../../renderer/src/bridge/index.ts';
import { fakeBridge, wait } from './fake-bridge.ts';
import { errorFromBody } from '../../renderer/src/bridge/http.ts';
import { HostError } from '../../renderer/src/bridge/types.ts';
import { configValue } from '../../renderer/src/lib/diff.ts';
import { duplicateStrategyProblems, entryText } from '../../renderer/src/lib/experiment.ts';
import { looksLikeProfile, notAProfileReason } from '../../renderer/src/stores/profiles.ts';
import { useExperimentStore } from '../../renderer/src/stores/experiment.ts';
import { BUILT_IN_PROFILES } from '../../core/profiles/builtin.ts';

beforeEach(() => setActivePinia(createPinia()));

describe('duplicate strategies', () => {
  it('a variant left at the defaults (or typed like another) is a problem, not a second identical column', () => {
    const t = (id: string, params: Record<string, string>) => entryText({ uid: 0, id: id as never, params }, undefined);
    expect(duplicateStrategyProblems([t('iopf', {}), t('iopf', {})])).toHaveLength(1);
    // premap=512 is the default: the same strategy as plain iopf
    expect(duplicateStrategyProblems([t('iopf', {}), t('iopf', { premap: '512' })])[0]).toMatch(/iopf is listed 2 times/);
    expect(duplicateStrategyProblems([t('iopf', { premap: '1' }), t('iopf', { premap: '512' })])).toEqual([]);
    // an entry with an error is reported by itself, not as a duplicate
    expect(duplicateStrategyProblems([t('iopf', { premap: 'x' }), t('iopf', { premap: 'x' })])).toEqual([]);
  });
  it('stops Run in the experiment store', () => {
    setBridge(fakeBridge({}));
    const s = useExperimentStore();
    s.entries = [{ uid: 1, id: 'strict', params: {} }, { uid: 2, id: 'iopf', params: {} }, { uid: 3, id: 'iopf', params: {} }];
    expect(s.problems.some((p) => /iopf is listed 2 times/.test(p))).toBe(true);
  });
});

describe('resuming a run after a reload', () => {
  it('follows the run id it is given to the end and reports it finished', async () => {
    let polls = 0;
    setBridge(fakeBridge({
      'runs:status': () => (++polls < 2
        ? { runId: 'r1', status: 'running', fraction: 0.5, etaSeconds: 1, tasksDone: 1, tasksTotal: 2, current: 'strict', error: null }
        : { runId: 'r1', status: 'done', fraction: 1, etaSeconds: 0, tasksDone: 2, tasksTotal: 2, current: null, error: null }),
    }));
    const s = useExperimentStore();
    s.resume({ kind: 'run', id: 'r1', total: 2, startedAt: Date.now() });
    expect(s.running).toBe(true);
    for (let i = 0; i < 40 && !s.finished; i++) await wait(50);
    expect(s.finished).toEqual({ kind: 'run', id: 'r1', status: 'done' });
    expect(s.running).toBe(false);
  });
  it('a run the server no longer knows ends as failed with the reason', async () => {
    setBridge(fakeBridge({ 'runs:status': () => { throw new HostError('runs:status', 'run r9 not found'); } }));
    const s = useExperimentStore();
    s.resume({ kind: 'run', id: 'r9', total: 2, startedAt: Date.now() });
    for (let i = 0; i < 20 && s.running; i++) await wait(20);
    expect(s.progress?.status).toBe('failed');
    expect(s.progress?.error).toMatch(/not found/);
    expect(s.finished).toBeNull();
  });
});

describe('profile import', () => {
  it('refuses JSON that is not a profile instead of opening an empty editor', () => {
    expect(looksLikeProfile(BUILT_IN_PROFILES[0])).toBe(true);
    expect(looksLikeProfile({ id: 'x', cpu: { cores: 0 } })).toBe(true); // invalid but fixable
    for (const raw of [{ foo: 1 }, [1, 2], 'text', null, 3, { cpu: [1] }]) {
      expect(looksLikeProfile(raw)).toBe(false);
      expect(notAProfileReason(raw)).toMatch(/not a hardware profile/);
    }
    expect(notAProfileReason({ format: 'iommu-lab-bundle', runs: [] })).toMatch(/run bundle.*History/);
    expect(notAProfileReason(BUILT_IN_PROFILES[0])).toBeNull();
  });
});

describe('token errors', () => {
  it('say once what is wrong and what to do, without the server header jargon', () => {
    const e = errorFromBody('engine:catalog', 401, { error: { code: 'unauthorized', message: 'missing or wrong token (Authorization: Bearer <token>)' } }, '');
    expect(e.code).toBe('unauthorized');
    expect(e.message).not.toMatch(/Bearer/);
    expect(e.message.match(/missing or wrong/g)).toHaveLength(1);
    expect(e.message).toMatch(/restarted/);
    expect(e.message).toMatch(/\?token=/);
    expect(errorFromBody('x', 403, undefined, 'Forbidden').code).toBe('unauthorized');
  });
});

describe('diff configuration values', () => {
  it('shows byte counts also as sizes', () => {
    expect(configValue(16384, 'workload.bsBytes')).toBe('16384 (16k)');
    expect(configValue(4096, 'workload.bsBytes')).toBe('4096 (4k)');
    expect(configValue(1000, 'workload.sizeBytes')).toBe('1000');
    expect(configValue(4096, 'workload.iodepth')).toBe('4096');
    expect(configValue(4096)).toBe('4096');
  });
});
