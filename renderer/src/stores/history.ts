/** Saved runs (and sweeps) with search and filters; rename, tags, notes, delete. */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { RUN_SORTS, RunSummary, SweepSummary } from '../../../core/contract.ts';

export type RunSortKey = (typeof RUN_SORTS)[number];
/** How far back the Recent list reaches (saved or not). */
export const RECENT_LIMIT = 500;
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
  /** Rows per page: the host pages, sorts and filters, so 10,000 runs cost one page. */
  const limit = ref(100);
  const page = ref(0);
  const sort = ref<RunSortKey>('created');
  const order = ref<'asc' | 'desc'>('desc');
  /** 'saved': the runs kept with Save; 'recent': the latest runs, saved or not (nothing run is lost). */
  const scope = ref<'saved' | 'recent'>('saved');
  /** Timing of the last list call, ms (shown in the UI, read by the e2e timings). */
  const lastLoadMs = ref<number | null>(null);
  let seq = 0;

  const pages = computed(() => Math.max(1, Math.ceil(Math.min(total.value, scope.value === 'recent' ? RECENT_LIMIT : Infinity) / limit.value)));

  async function load(): Promise<void> {
    const my = ++seq;
    loading.value = true;
    const t0 = performance.now();
    try {
      const r = await host('runs:list', {
        savedOnly: scope.value === 'saved',
        limit: limit.value,
        offset: page.value * limit.value,
        sort: sort.value,
        order: order.value,
        ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
        ...(filters.profileId ? { profileId: filters.profileId } : {}),
        ...(filters.strategy ? { strategy: filters.strategy } : {}),
        ...(filters.tag.trim() ? { tag: filters.tag.trim() } : {}),
        ...dateBounds(filters.from, filters.to),
      });
      const sw = await host('sweeps:list', { savedOnly: true, limit: 50 });
      if (my !== seq) return;
      lastLoadMs.value = Math.round(performance.now() - t0);
      items.value = r.items;
      total.value = r.total;
      if (page.value > 0 && page.value >= Math.ceil(r.total / limit.value)) {
        page.value = Math.max(0, Math.ceil(r.total / limit.value) - 1);
        return load();
      }
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

  /** Click on a column: sort by it (again: reverse). Back to the first page. */
  function sortBy(key: RunSortKey): void {
    if (sort.value === key) order.value = order.value === 'asc' ? 'desc' : 'asc';
    else {
      sort.value = key;
      order.value = key === 'created' || key === 'throughput' || key === 'wall' ? 'desc' : 'asc';
    }
    page.value = 0;
    void load();
  }

  function goPage(p: number): void {
    const n = Math.min(Math.max(0, p), pages.value - 1);
    if (n === page.value) return;
    page.value = n;
    void load();
  }

  function setScope(s: 'saved' | 'recent'): void {
    scope.value = s;
    page.value = 0;
    void load();
  }

  return {
    items, total, sweeps, loading, error, filters, limit, page, pages, sort, order, scope, lastLoadMs,
    load, recent, update, remove, removeSweep, clearFilters, sortBy, goPage, setScope,
  };
});
