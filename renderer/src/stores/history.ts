/** Saved runs (and sweeps) with search and filters; rename, tags, notes, delete. */
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import type { RunSummary, SweepSummary } from '../../../core/contract.ts';
import { host } from '../bridge/api.ts';
import { errorMessage } from '../bridge/types.ts';

export interface HistoryFilters {
  search: string;
  profileId: string;
  strategy: string;
  tag: string;
  /** yyyy-mm-dd (local), inclusive. */
  from: string;
  to: string;
}

/** Local calendar dates to epoch-ms bounds (from at 00:00, to at 23:59:59.999). */
export function dateBounds(from: string, to: string): { from?: number; to?: number } {
  const out: { from?: number; to?: number } = {};
  const parse = (s: string, end: boolean) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
    if (!m) return undefined;
    const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), end ? 23 : 0, end ? 59 : 0, end ? 59 : 0, end ? 999 : 0);
    return Number.isNaN(d.getTime()) ? undefined : d.getTime();
  };
  const f = parse(from, false);
  const t = parse(to, true);
  if (f !== undefined) out.from = f;
  if (t !== undefined) out.to = t;
  return out;
}

export const useHistoryStore = defineStore('history', () => {
  const items = ref<RunSummary[]>([]);
  const total = ref(0);
  const sweeps = ref<SweepSummary[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const filters = reactive<HistoryFilters>({ search: '', profileId: '', strategy: '', tag: '', from: '', to: '' });
  const limit = ref(200);
  let seq = 0;

  async function load(): Promise<void> {
    const my = ++seq;
    loading.value = true;
    try {
      const r = await host('runs:list', {
        savedOnly: true,
        limit: limit.value,
        ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
        ...(filters.profileId ? { profileId: filters.profileId } : {}),
        ...(filters.strategy ? { strategy: filters.strategy } : {}),
        ...(filters.tag.trim() ? { tag: filters.tag.trim() } : {}),
        ...dateBounds(filters.from, filters.to),
      });
      const sw = await host('sweeps:list', { savedOnly: true, limit: 50 });
      if (my !== seq) return;
      items.value = r.items;
      total.value = r.total;
      sweeps.value = sw.items;
      error.value = null;
    } catch (e) {
      if (my === seq) error.value = `Could not list runs: ${errorMessage(e)}`;
    } finally {
      if (my === seq) loading.value = false;
    }
  }

  /** Recent runs, saved or not (the diff pickers offer them too). */
  async function recent(limitN = 100): Promise<RunSummary[]> {
    const r = await host('runs:list', { savedOnly: false, limit: limitN });
    return r.items.filter((x) => x.status === 'done' || x.status === 'cancelled' || x.status === 'interrupted');
  }

  async function update(runId: string, patch: { name?: string; tags?: string[]; notes?: string }): Promise<void> {
    const s = await host('runs:update', { runId, ...patch });
    items.value = items.value.map((x) => (x.id === runId ? s : x));
  }

  async function remove(runId: string): Promise<void> {
    await host('runs:delete', { runId });
    items.value = items.value.filter((x) => x.id !== runId);
    total.value = Math.max(0, total.value - 1);
  }

  async function removeSweep(sweepId: string): Promise<void> {
    await host('sweeps:delete', { sweepId });
    sweeps.value = sweeps.value.filter((x) => x.id !== sweepId);
  }

  function clearFilters(): void {
    Object.assign(filters, { search: '', profileId: '', strategy: '', tag: '', from: '', to: '' });
  }

  return { items, total, sweeps, loading, error, filters, limit, load, recent, update, remove, removeSweep, clearFilters };
});
