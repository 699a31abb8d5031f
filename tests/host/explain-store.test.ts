import { afterEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../electron/host/store.ts';
import { sampleRun, tempDir } from './helpers.ts';

let t = tempDir();
afterEach(() => {
  t.cleanup();
  t = tempDir();
});

describe('run store: cost-term breakdowns and calibration rows', () => {
  it('keeps a result\'s explain and reads results without one as before', () => {
    const s = new RunStore(t.db());
    const { config, result } = sampleRun(10);
    const explain = { map: { api: 0.12, pte: 0.03 }, unmap: { api: 0.12, syncWait: 1.1 } };
    const a = s.insertCompleteRun({ config }, [{ ...result, explain }]);
    const b = s.insertCompleteRun({ config }, [result]);
    expect(s.getRun(a).results[0].explain).toEqual(explain);
    expect('explain' in s.getRun(b).results[0]).toBe(false);
    s.close();
  });

  it('stores a calibrated profile with its measurements, replaces them on a new save, and drops them with the profile', () => {
    const s = new RunStore(t.db());
    const { config } = sampleRun(10);
    const profile = { ...config.profile, id: 'my-board', name: 'my board' };
    delete profile.builtIn;
    const row = { workload: 'dmabench:threads=1,granule=1', strategy: 'strict', metric: 'unmapUs.mean', measured: 2.6, source: 'b.txt:4' };
    s.saveCalibratedProfile(profile, 'vtd', [row, { ...row, metric: 'mapUs.mean', measured: 0.3 }]);
    expect(s.profileMeasurements('my-board').map((r) => [r.metric, r.measured, r.base])).toEqual([['unmapUs.mean', 2.6, 'vtd'], ['mapUs.mean', 0.3, 'vtd']]);
    s.saveCalibratedProfile(profile, 'vtd', [row]);
    expect(s.profileMeasurements('my-board')).toHaveLength(1);
    s.deleteProfile('my-board');
    expect(s.profileMeasurements('my-board')).toHaveLength(0);
    s.close();
  });
});
