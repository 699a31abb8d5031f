/**
 * The experiment being configured and the run in progress: profiles, strategies with parameters,
 * workload (form or pasted), replications, seed, optional sweep axis; start, progress, cancel.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref, watch } from 'vue';
import type { RunStatus } from '../../../core/contract.ts';
import type { StrategyId } from '../../../core/types.ts';
import { host } from '../bridge/api.ts';
import { errorMessage } from '../bridge/types.ts';
import {
  defaultAccelForm, defaultDmaBenchForm, defaultFioForm, duplicateStrategyProblems, entryText, parseForm, parsePasted, splitValues, sweepValuesOf,
  type PasteKind, type StrategyEntry,
} from '../lib/experiment.ts';
import { useCatalogStore } from './catalog.ts';

const STORAGE_KEY = 'iommu-lab.experiment.v1';
/** The run in flight (this tab): a reload picks its progress up again instead of losing it. */
const INFLIGHT_KEY = 'iommu-lab.experiment.inflight';

export interface InFlight {
  kind: 'run' | 'sweep';
  id: string;
  total: number;
  startedAt: number;
}

function rememberInFlight(v: InFlight | null): void {
  try {
    if (typeof window === 'undefined') return;
    if (v) window.sessionStorage.setItem(INFLIGHT_KEY, JSON.stringify(v));
    else window.sessionStorage.removeItem(INFLIGHT_KEY);
  } catch {
    /* storage disabled */
  }
}

export function storedInFlight(): InFlight | null {
  try {
    const raw = typeof window === 'undefined' ? null : window.sessionStorage.getItem(INFLIGHT_KEY);
    const v = raw ? (JSON.parse(raw) as Partial<InFlight>) : null;
    return v && (v.kind === 'run' || v.kind === 'sweep') && typeof v.id === 'string'
      ? { kind: v.kind, id: v.id, total: Number(v.total) || 0, startedAt: Number(v.startedAt) || Date.now() }
      : null;
  } catch {
    return null;
  }
}
const POLL_MS = 200;

export interface RunProgress {
  kind: 'run' | 'sweep';
  id: string;
  status: RunStatus;
  fraction: number;
  etaSeconds: number | null;
  done: number;
  total: number;
  current: string | null;
  error: string | null;
  startedAt: number;
}

export const DEFAULT_STRATEGIES: StrategyId[] = ['passthrough', 'strict', 'lazy', 'range-flush', 'swiotlb', 'bounce-pool'];

export const useExperimentStore = defineStore('experiment', () => {
  const catalog = useCatalogStore();

  const profileIds = ref<string[]>(['virtio-iommu']);
  let uid = 1;
  const entries = ref<StrategyEntry[]>(DEFAULT_STRATEGIES.map((id) => ({ uid: uid++, id, params: {} })));
  const workloadMode = ref<'form' | 'paste'>('form');
  const workloadKind = ref<'fio' | 'dmabench' | 'accel'>('fio');
  const fio = reactive(defaultFioForm());
  const dmabench = reactive(defaultDmaBenchForm());
  const accel = reactive(defaultAccelForm());
  const pasteText = ref('');
  const pasteKind = ref<PasteKind>('auto');
  const replications = ref(1);
  const seed = ref(1);
  const sweepEnabled = ref(false);
  const sweepKey = ref('bs');
  const sweepValues = ref('4k, 16k, 64k, 128k');
  const name = ref('');

  const progress = ref<RunProgress | null>(null);
  const startError = ref<string | null>(null);
  /** The last finished (or cancelled with results) run / sweep, for the Comparison view. */
  const finished = ref<{ kind: 'run' | 'sweep'; id: string; status: RunStatus } | null>(null);
  let timer: ReturnType<typeof setTimeout> | null = null;

  // ---- derived -------------------------------------------------------------------------------
  const defs = computed(() => new Map((catalog.catalog?.strategies ?? []).map((d) => [d.id, d])));
  const strategyTexts = computed(() => entries.value.map((e) => entryText(e, defs.value.get(e.id))));
  const workload = computed(() => (workloadMode.value === 'form' ? parseForm(workloadKind.value, fio, dmabench, accel) : parsePasted(pasteText.value, pasteKind.value)));
  const sweepList = computed(() => splitValues(sweepValues.value));
  const isSweep = computed(() => sweepEnabled.value || profileIds.value.length > 1);
  const running = computed(() => progress.value !== null && progress.value.status === 'running');

  /** What stops Run, one line each (empty when ready). */
  const problems = computed(() => {
    const out: string[] = [];
    if (profileIds.value.length === 0) out.push('Choose at least one profile.');
    if (entries.value.length === 0) out.push('Choose at least one strategy.');
    for (const t of strategyTexts.value) if (t.error) out.push(t.error);
    out.push(...duplicateStrategyProblems(strategyTexts.value));
    if (!workload.value.ok) out.push(`Workload: ${workload.value.error}`);
    if (!Number.isInteger(replications.value) || replications.value < 1 || replications.value > 100) out.push('Replications: an integer from 1 to 100.');
    if (!Number.isInteger(seed.value) || seed.value < 0 || seed.value > 0xffffffff) out.push('Seed: an integer from 0 to 4294967295.');
    if (sweepEnabled.value) {
      if (!sweepKey.value.trim()) out.push('Sweep: choose the parameter to vary.');
      const sv = sweepValuesOf(sweepValues.value, sweepKey.value.trim() || 'values');
      if (sv.error) out.push(`Sweep values: ${sv.error}.`);
      else if (sweepList.value.length === 0) out.push('Sweep: give one or more values, separated by commas, or a range such as 4k..128k.');
    }
    return out;
  });

  // ---- strategies ----------------------------------------------------------------------------
  function has(id: StrategyId): boolean {
    return entries.value.some((e) => e.id === id);
  }
  function toggle(id: StrategyId, on: boolean): void {
    if (on && !has(id)) {
      const order = (catalog.catalog?.strategies ?? []).map((d) => d.id);
      const next = [...entries.value, { uid: uid++, id, params: {} }];
      next.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id) || a.uid - b.uid);
      entries.value = next;
    } else if (!on) {
      entries.value = entries.value.filter((e) => e.id !== id);
    }
  }
  function addVariant(id: StrategyId): void {
    const last = [...entries.value].reverse().find((e) => e.id === id);
    const copy: StrategyEntry = { uid: uid++, id, params: { ...(last?.params ?? {}) } };
    const idx = last ? entries.value.indexOf(last) + 1 : entries.value.length;
    const next = [...entries.value];
    next.splice(idx, 0, copy);
    entries.value = next;
  }
  function removeEntry(u: number): void {
    entries.value = entries.value.filter((e) => e.uid !== u);
  }
  function setAll(on: boolean): void {
    entries.value = on ? (catalog.catalog?.strategies ?? []).map((d) => ({ uid: uid++, id: d.id, params: {} })) : [];
  }

  // ---- persistence (the form survives a reload) ----------------------------------------------
  function snapshot() {
    return {
      profileIds: profileIds.value, entries: entries.value, workloadMode: workloadMode.value, workloadKind: workloadKind.value,
      fio: { ...fio }, dmabench: { ...dmabench }, accel: { ...accel }, pasteText: pasteText.value, pasteKind: pasteKind.value,
      replications: replications.value, seed: seed.value, sweepEnabled: sweepEnabled.value, sweepKey: sweepKey.value,
      sweepValues: sweepValues.value,
    };
  }
  function restore(): void {
    try {
      const raw = window.localStorage?.getItem(STORAGE_KEY);
      if (!raw) return;
      const s = JSON.parse(raw) as Partial<ReturnType<typeof snapshot>>;
      if (Array.isArray(s.profileIds)) profileIds.value = s.profileIds.filter((x) => typeof x === 'string');
      if (Array.isArray(s.entries)) {
        entries.value = s.entries.filter((e) => e && typeof e.id === 'string').map((e) => ({ uid: uid++, id: e.id, params: { ...(e.params ?? {}) } }));
      }
      if (s.workloadMode === 'form' || s.workloadMode === 'paste') workloadMode.value = s.workloadMode;
      if (s.workloadKind === 'fio' || s.workloadKind === 'dmabench' || s.workloadKind === 'accel') workloadKind.value = s.workloadKind;
      if (s.fio) Object.assign(fio, s.fio);
      if (s.dmabench) Object.assign(dmabench, s.dmabench);
      if (s.accel) Object.assign(accel, s.accel);
      if (typeof s.pasteText === 'string') pasteText.value = s.pasteText;
      if (typeof s.pasteKind === 'string') pasteKind.value = s.pasteKind;
      if (typeof s.replications === 'number') replications.value = s.replications;
      if (typeof s.seed === 'number') seed.value = s.seed;
      if (typeof s.sweepEnabled === 'boolean') sweepEnabled.value = s.sweepEnabled;
      if (typeof s.sweepKey === 'string') sweepKey.value = s.sweepKey;
      if (typeof s.sweepValues === 'string') sweepValues.value = s.sweepValues;
    } catch {
      /* a corrupt saved form is ignored */
    }
  }
  function persist(): void {
    try {
      window.localStorage?.setItem(STORAGE_KEY, JSON.stringify(snapshot()));
    } catch {
      /* storage full or disabled */
    }
  }
  function reset(): void {
    profileIds.value = ['virtio-iommu'];
    entries.value = DEFAULT_STRATEGIES.map((id) => ({ uid: uid++, id, params: {} }));
    workloadMode.value = 'form';
    workloadKind.value = 'fio';
    Object.assign(fio, defaultFioForm());
    Object.assign(dmabench, defaultDmaBenchForm());
    Object.assign(accel, defaultAccelForm());
    pasteText.value = '';
    replications.value = 1;
    seed.value = 1;
    sweepEnabled.value = false;
  }
  if (typeof window !== 'undefined') {
    restore();
    watch(snapshot, persist, { deep: true });
  }

  // ---- running -------------------------------------------------------------------------------
  function stopPolling(): void {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  async function poll(): Promise<void> {
    const p = progress.value;
    if (!p) return;
    try {
      if (p.kind === 'run') {
        const s = await host('runs:status', { runId: p.id });
        progress.value = { ...p, status: s.status, fraction: s.fraction, etaSeconds: s.etaSeconds, done: s.tasksDone, total: s.tasksTotal, current: s.current, error: s.error };
      } else {
        const s = await host('sweeps:status', { sweepId: p.id });
        progress.value = { ...p, status: s.status, fraction: s.fraction, etaSeconds: s.etaSeconds, done: s.runsDone, total: s.runsTotal, current: null, error: s.error };
      }
    } catch (e) {
      progress.value = { ...p, status: 'failed', error: `lost track of the run: ${errorMessage(e)}` };
    }
    const now = progress.value;
    if (!now) return;
    if (now.status === 'running') {
      timer = setTimeout(poll, POLL_MS);
    } else {
      timer = null;
      rememberInFlight(null);
      // A cancelled run with something finished is shown; one cancelled before any result stays here.
      if (now.status === 'done' || (now.status === 'cancelled' && now.done > 0)) finished.value = { kind: now.kind, id: now.id, status: now.status };
    }
  }

  /** The host's work-budget refusal (core/budget.ts), waiting for the user to confirm or not. */
  const overBudget = ref<string | null>(null);

  /** `force`: the user confirmed a run over the work budget. */
  async function start(force = false): Promise<boolean> {
    startError.value = null;
    overBudget.value = null;
    if (running.value) return false;
    if (problems.value.length) {
      startError.value = problems.value[0];
      return false;
    }
    const strategies = strategyTexts.value.map((t) => t.text);
    const wl = workload.value.text;
    const common = {
      strategies, workload: wl, seed: seed.value, replications: replications.value,
      ...(name.value.trim() ? { name: name.value.trim() } : {}),
      ...(force ? { force: true } : {}),
    };
    try {
      if (isSweep.value) {
        const vary = sweepEnabled.value ? [{ key: sweepKey.value.trim(), values: sweepList.value }] : [];
        const r = await host('sweeps:start', { profileIds: profileIds.value, vary, ...common });
        progress.value = { kind: 'sweep', id: r.sweepId, status: 'running', fraction: 0, etaSeconds: null, done: 0, total: r.runs, current: null, error: null, startedAt: Date.now() };
      } else {
        const r = await host('runs:start', { profileId: profileIds.value[0], ...common });
        progress.value = { kind: 'run', id: r.runId, status: 'running', fraction: 0, etaSeconds: null, done: 0, total: strategies.length * replications.value, current: null, error: null, startedAt: Date.now() };
      }
    } catch (e) {
      const issues = (e as { issues?: Array<{ path: string; message: string }> }).issues;
      const budget = issues?.find((i) => i.path === 'force');
      if (budget && !force) overBudget.value = budget.message;
      else startError.value = errorMessage(e);
      return false;
    }
    rememberInFlight({ kind: progress.value.kind, id: progress.value.id, total: progress.value.total, startedAt: progress.value.startedAt });
    stopPolling();
    timer = setTimeout(poll, 50);
    return true;
  }

  /** Follows a run started before a reload (its progress, Cancel, and the switch to Comparison). */
  function resume(f: InFlight): void {
    if (running.value) return;
    startError.value = null;
    progress.value = { kind: f.kind, id: f.id, status: 'running', fraction: 0, etaSeconds: null, done: 0, total: f.total, current: null, error: null, startedAt: f.startedAt };
    stopPolling();
    timer = setTimeout(poll, 0);
  }

  async function cancel(): Promise<void> {
    const p = progress.value;
    if (!p || p.status !== 'running') return;
    try {
      if (p.kind === 'run') await host('runs:cancel', { runId: p.id });
      else await host('sweeps:cancel', { sweepId: p.id });
    } catch (e) {
      startError.value = `Cancel failed: ${errorMessage(e)}`;
    }
  }

  function clearProgress(): void {
    stopPolling();
    progress.value = null;
    rememberInFlight(null);
  }

  if (typeof window !== 'undefined') {
    const f = storedInFlight();
    if (f) resume(f);
  }

  return {
    profileIds, entries, workloadMode, workloadKind, fio, dmabench, accel, pasteText, pasteKind, replications, seed,
    sweepEnabled, sweepKey, sweepValues, name, progress, startError, finished, overBudget,
    strategyTexts, workload, sweepList, isSweep, running, problems,
    has, toggle, addVariant, removeEntry, setAll, reset, start, cancel, clearProgress, resume,
  };
});
