import { looksLikeFioJson } from '../../../core/fio/json.ts';

/** What a file opened by the user is (pure). */
export type OpenedKind = 'profile' | 'bundle' | 'fio' | 'workload' | 'unknown';

export function classifyOpened(name: string, text: string): OpenedKind {
  const lower = name.toLowerCase();
  if (lower.endsWith('.fio')) return 'fio';
  const t = text.trim();
  // fio's result, alone or with the normal report around its JSON (--output-format=normal,json).
  if (looksLikeFioJson(t)) return 'workload';
  if (t.startsWith('{')) {
    try {
      const j = JSON.parse(t) as Record<string, unknown>;
      if (j && typeof j === 'object') {
        if ('fio version' in j) return 'workload';
        if ('cpu' in j && 'iommu' in j) return 'profile';
        if ('profile' in j && j.profile && typeof j.profile === 'object' && 'cpu' in (j.profile as object) && !('runs' in j) && !('run' in j)) return 'profile';
        return 'bundle';
      }
    } catch {
      return 'unknown';
    }
  }
  if (/^\s*\[[^\]]+\]\s*$/m.test(t)) return 'fio';
  if (/^(fio|dmabench|accel):/i.test(t) || /dma_map_benchmark/.test(t)) return 'workload';
  // A kernel trace (trace-cmd report or tracefs) with dma:/iommu: events.
  if (/\[\d{3}\]\s.*\d+\.\d+:\s+(dma_[a-z_]+|map|unmap):/.test(t.slice(0, 20000))) return 'workload';
  return 'unknown';
}
