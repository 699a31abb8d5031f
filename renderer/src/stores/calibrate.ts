/** Calibration: measurement text + a base profile → a fitted profile (fit runs in the host's worker pool). */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { CalibrationResultData, ProfileRecord } from '../../../core/contract.ts';
import { host } from '../bridge/api.ts';
import { errorMessage } from '../bridge/types.ts';

export const CALIBRATE_EXAMPLE = `# strategy: strict
dma mapping benchmark: threads:1 seconds:20 node:-1 dir:BIDIRECTIONAL granule: 1
average map latency(us):0.3 standard deviation:0.1
average unmap latency(us):2.6 standard deviation:0.4
dma mapping benchmark: threads:1 seconds:20 node:-1 dir:BIDIRECTIONAL granule: 64
average map latency(us):3.6 standard deviation:0.5
average unmap latency(us):14.2 standard deviation:1.1
`;

export const useCalibrateStore = defineStore('calibrate', () => {
  const baseId = ref('smmuv3');
  const text = ref('');
  const fileName = ref('pasted');
  /** Mode for dma_map_benchmark output without a `# strategy:` line ('' = the file must say). */
  const strategy = ref('');
  const running = ref(false);
  const error = ref<string | null>(null);
  const result = shallowRef<CalibrationResultData | null>(null);
  const saveId = ref('');
  const saved = ref<ProfileRecord | null>(null);

  const canFit = computed(() => !running.value && text.value.trim().length > 0 && baseId.value.length > 0);

  async function fit(): Promise<void> {
    if (!canFit.value) return;
    running.value = true;
    error.value = null;
    saved.value = null;
    try {
      const r = await host('calibrate:fit', {
        baseId: baseId.value, text: text.value, fileName: fileName.value, seed: 1,
        ...(strategy.value ? { strategy: strategy.value } : {}),
      });
      result.value = r;
      if (!saveId.value) saveId.value = `${baseId.value}-fit`.slice(0, 64);
    } catch (e) {
      error.value = errorMessage(e);
      result.value = null;
    } finally {
      running.value = false;
    }
  }

  async function save(): Promise<void> {
    const r = result.value;
    if (!r || !saveId.value) return;
    error.value = null;
    try {
      const profile = { ...r.profile, id: saveId.value, name: r.profile.name };
      saved.value = await host('calibrate:save', {
        profile, base: r.base,
        rows: r.rows.map((q) => ({ workload: q.workload, strategy: q.strategy, metric: q.metric, measured: q.measured, source: q.source })),
      });
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  function setText(name: string, body: string): void {
    fileName.value = name;
    text.value = body;
  }

  return { baseId, text, fileName, strategy, running, error, result, saveId, saved, canFit, fit, save, setText };
});
