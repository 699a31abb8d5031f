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
