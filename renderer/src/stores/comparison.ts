/** The run or sweep shown in the Comparison view, and saving it (name, tags, notes). */
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { RunDetail, SweepDetail } from '../../../core/contract.ts';
import { host } from '../bridge/api.ts';
import { errorMessage } from '../bridge/types.ts';

export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean))];
}

const LAST_KEY = 'iommu-lab.comparison.last';

function remember(v: { kind: 'run' | 'sweep'; id: string } | null): void {
  try {
    if (typeof window === 'undefined') return;
    if (v) window.sessionStorage.setItem(LAST_KEY, JSON.stringify(v));
    else window.sessionStorage.removeItem(LAST_KEY);
  } catch {
    /* storage disabled */
  }
}

/** What the Comparison view showed before a reload (this tab only). */
export function lastShown(): { kind: 'run' | 'sweep'; id: string } | null {
  try {
    const raw = typeof window === 'undefined' ? null : window.sessionStorage.getItem(LAST_KEY);
    const v = raw ? (JSON.parse(raw) as { kind?: unknown; id?: unknown }) : null;
    return v && (v.kind === 'run' || v.kind === 'sweep') && typeof v.id === 'string' ? { kind: v.kind, id: v.id } : null;
  } catch {
    return null;
  }
}

export const useComparisonStore = defineStore('comparison', () => {
  /** Large (series, histograms): kept out of deep reactivity. */
  const run = shallowRef<RunDetail | null>(null);
  const sweep = shallowRef<SweepDetail | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const sweepMetric = ref('throughputMiBps');

  async function openRun(runId: string): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const r = await host('runs:get', { runId, series: true });
      run.value = markRaw(r);
      sweep.value = null;
      remember({ kind: 'run', id: r.id });
    } catch (e) {
      error.value = `Could not open run ${runId}: ${errorMessage(e)}`;
    } finally {
      loading.value = false;
    }
  }

  async function openSweep(sweepId: string, metric = sweepMetric.value): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const s = await host('sweeps:get', { sweepId, metric });
      sweepMetric.value = metric;
      sweep.value = markRaw(s);
      run.value = null;
      remember({ kind: 'sweep', id: s.id });
    } catch (e) {
      error.value = `Could not open sweep ${sweepId}: ${errorMessage(e)}`;
    } finally {
      loading.value = false;
    }
  }

  /** Saves the shown run or sweep under a name with tags and notes. */
  async function save(meta: { name: string; tags: string[]; notes: string }): Promise<void> {
    if (run.value) {
      const s = await host('runs:update', { runId: run.value.id, name: meta.name, tags: meta.tags, notes: meta.notes, saved: true });
      run.value = markRaw({ ...run.value, ...s });
    } else if (sweep.value) {
      const s = await host('sweeps:update', { sweepId: sweep.value.id, name: meta.name, tags: meta.tags, notes: meta.notes, saved: true });
      sweep.value = markRaw({ ...sweep.value, ...s });
    }
  }

  function clear(): void {
    run.value = null;
    sweep.value = null;
    remember(null);
  }

  /** After a reload: show again what was shown (quietly nothing if it was deleted meanwhile). */
  async function restore(): Promise<void> {
    const last = lastShown();
    if (!last || run.value || sweep.value) return;
    if (last.kind === 'run') await openRun(last.id);
    else await openSweep(last.id);
    if (error.value) {
      error.value = null;
      remember(null);
    }
  }

  return { run, sweep, loading, error, sweepMetric, openRun, openSweep, save, clear, restore };
});
