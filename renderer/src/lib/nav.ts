/** The views and the tiny hash router (#/profiles, #/experiment, ...). Pure helpers + an injection key. */
import type { InjectionKey } from 'vue';

export const VIEWS = ['profiles', 'experiment', 'comparison', 'history', 'diff', 'calibrate'] as const;
export type ViewName = (typeof VIEWS)[number];

export const VIEW_TITLES: Record<ViewName, string> = {
  profiles: 'Profiles',
  experiment: 'Experiment',
  comparison: 'Comparison',
  history: 'History',
  diff: 'Diff',
  calibrate: 'Calibrate',
};

export function viewFromHash(hash: string): ViewName {
  const v = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (VIEWS as readonly string[]).includes(v) ? (v as ViewName) : 'experiment';
}

export type Navigate = (v: ViewName) => void;
export const NAVIGATE: InjectionKey<Navigate> = Symbol('navigate');

/**
 * What the URL says is open: `#/comparison/run/ID`, `#/comparison/sweep/ID`, `#/diff/A/B`, or just a
 * view. Deep links and back/forward go through this; ids are checked against the host's id shape.
 */
export interface Route {
  view: ViewName;
  run?: string;
  sweep?: string;
  diff?: { a: string; b: string };
}

const ID = /^[A-Za-z0-9_-]{4,64}$/;

export function routeFromHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('?')[0].split('/').map((p) => decodeURIComponent(p));
  const view = viewFromHash(hash);
  if (view === 'comparison' && (parts[1] === 'run' || parts[1] === 'sweep') && ID.test(parts[2] ?? '')) {
    return parts[1] === 'run' ? { view, run: parts[2] } : { view, sweep: parts[2] };
  }
  if (view === 'diff' && ID.test(parts[1] ?? '') && ID.test(parts[2] ?? '')) return { view, diff: { a: parts[1], b: parts[2] } };
  return { view };
}

export function hashFor(r: Route): string {
  if (r.view === 'comparison' && r.run) return `#/comparison/run/${encodeURIComponent(r.run)}`;
  if (r.view === 'comparison' && r.sweep) return `#/comparison/sweep/${encodeURIComponent(r.sweep)}`;
  if (r.view === 'diff' && r.diff) return `#/diff/${encodeURIComponent(r.diff.a)}/${encodeURIComponent(r.diff.b)}`;
  return `#/${r.view}`;
}
