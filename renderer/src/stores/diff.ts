/** Two runs side by side: configuration changes, metric deltas with CI and significance, overlaid charts. */
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { RunDetail, RunDiff } from '../../../core/contract.ts';
import { host } from '../bridge/api.ts';
import { errorMessage } from '../bridge/types.ts';

export const useDiffStore = defineStore('diff', () => {
  const a = ref('');
  const b = ref('');
  const diff = shallowRef<RunDiff | null>(null);
  const runA = shallowRef<RunDetail | null>(null);
  const runB = shallowRef<RunDetail | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);

  async function compute(): Promise<void> {
    if (!a.value || !b.value) {
      error.value = 'Choose two runs: A (baseline) and B.';
      return;
    }
    loading.value = true;
    error.value = null;
    try {
      const [d, ra, rb] = await Promise.all([
        host('runs:diff', { a: a.value, b: b.value }),
        host('runs:get', { runId: a.value, series: true }),
        host('runs:get', { runId: b.value, series: true }),
      ]);
      diff.value = markRaw(d);
      runA.value = markRaw(ra);
      runB.value = markRaw(rb);
    } catch (e) {
      diff.value = null;
      error.value = `Could not diff the runs: ${errorMessage(e)}`;
    } finally {
      loading.value = false;
    }
  }

  function swap(): void {
    const t = a.value;
    a.value = b.value;
    b.value = t;
  }

  return { a, b, diff, runA, runB, loading, error, compute, swap };
});
