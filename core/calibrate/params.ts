import { profileSchema } from '../profiles/schema.ts';
import type { HardwareProfile } from '../types.ts';

/**
 * The fittable cost parameters of a profile, found by rule from the profile itself so that fields
 * added to the schema later are picked up with no change here:
 *  - a numeric (not null, not boolean, not array) leaf,
 *  - whose name ends in a cost unit: Ns, Us, Ms, NsPerByte, NsPerPage, UsPerPage, BytesPerSec, ...
 *  - and is not a policy knob (timeouts, periods, intervals) or a run-to-run spread (jitter, fraction).
 * Everything else is a structural fact the user sets: sizes in bytes, granule, levels, cores, queue
 * counts, entries, ways, page counts, booleans, ids. A `null` cost means "the hardware has no such
 * command": structure too, never fitted.
 */
export interface CostParam {
  /** Dotted path in the profile (`iommu.invalidation.syncNs`). */
  path: string;
  base: number;
  unit: string;
  /** Bounds from the schema (inclusive). */
  min: number;
  max: number;
}

const COST_SUFFIX = /(Ns|Us|Ms|NsPerByte|UsPerByte|NsPerPage|UsPerPage|NsPerKiB|UsPerMiB|BytesPerSec|BytesPerNs)$/;
const NOT_A_COST = /(timeout|period|interval|jitter|fraction|window|deadline|budget)/i;

export function isCostField(key: string): boolean {
  return COST_SUFFIX.test(key) && !NOT_A_COST.test(key);
}

export function unitOf(key: string): string {
  const m = COST_SUFFIX.exec(key);
  if (!m) return '';
  const u = m[1];
  return ({ Ns: 'ns', Us: 'µs', Ms: 'ms', NsPerByte: 'ns/B', UsPerByte: 'µs/B', NsPerPage: 'ns/page', UsPerPage: 'µs/page', NsPerKiB: 'ns/KiB', UsPerMiB: 'µs/MiB', BytesPerSec: 'B/s', BytesPerNs: 'B/ns' } as Record<string, string>)[u] ?? u;
}

/** A zod schema's inner object/number through nullable/optional/default/pipe wrappers. */
function unwrap(s: any): any {
  for (let i = 0; i < 8 && s; i++) {
    const t = s.def?.type;
    if (t === 'nullable' || t === 'optional' || t === 'default' || t === 'readonly' || t === 'nonoptional' || t === 'catch') s = s.def.innerType;
    else if (t === 'pipe') s = s.def.in;
    else break;
  }
  return s;
}

function schemaAt(path: string[]): any {
  let s: any = unwrap(profileSchema);
  for (const k of path) {
    const shape = s?.shape ?? s?.def?.shape;
    if (!shape || !(k in shape)) return null;
    s = unwrap(shape[k]);
  }
  return s;
}

/** Inclusive numeric bounds of a profile field from the zod schema ([0, 1e12] when it states none). */
export function boundsOf(path: string): { min: number; max: number } {
  const s = schemaAt(path.split('.'));
  let min = 0;
  let max = 1e12;
  let exclusiveMin = false;
  for (const c of (s?.def?.checks ?? []) as any[]) {
    const d = c?._zod?.def ?? c?.def ?? {};
    if (d.check === 'greater_than') { min = Math.max(min, d.value); exclusiveMin = !d.inclusive; }
    if (d.check === 'less_than') max = Math.min(max, d.value);
  }
  if (typeof s?.minValue === 'number' && Number.isFinite(s.minValue)) min = Math.max(min, s.minValue);
  if (typeof s?.maxValue === 'number' && Number.isFinite(s.maxValue)) max = Math.min(max, s.maxValue);
  if (exclusiveMin) min = min === 0 ? Number.MIN_VALUE : min * (1 + 1e-12);
  return { min, max };
}

export function costParams(profile: HardwareProfile): CostParam[] {
  const out: CostParam[] = [];
  const walk = (o: Record<string, unknown>, prefix: string[]) => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, [...prefix, k]);
      else if (typeof v === 'number' && Number.isFinite(v) && prefix.length > 0 && isCostField(k)) {
        const path = [...prefix, k].join('.');
        out.push({ path, base: v, unit: unitOf(k), ...boundsOf(path) });
      }
    }
  };
  walk(profile as unknown as Record<string, unknown>, []);
  return out;
}

export function getPath(o: unknown, path: string): unknown {
  let cur: any = o;
  for (const k of path.split('.')) {
    if (cur == null || typeof cur !== 'object') return undefined;
    cur = cur[k];
  }
  return cur;
}

export function setPath(o: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur: any = o;
  for (const k of keys.slice(0, -1)) cur = cur[k];
  cur[keys[keys.length - 1]] = value;
}

/** A deep copy of plain JSON data (profiles, metrics). */
export function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** A fresh profile with the given values at the given paths. */
export function withValues(profile: HardwareProfile, values: ReadonlyMap<string, number>): HardwareProfile {
  const p = clone(profile);
  for (const [k, v] of values) setPath(p, k, v);
  return p;
}

/**
 * Fields that make runs of one seed differ from a smooth function of the costs (uniform jitter,
 * tails): zeroed while fitting so the objective is smooth, restored in the fitted profile.
 */
export function spreadFields(profile: HardwareProfile): string[] {
  const out: string[] = [];
  const walk = (o: Record<string, unknown>, prefix: string[]) => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, [...prefix, k]);
      else if (typeof v === 'number' && /(jitter|spread|tail)/i.test(k) && /fraction$|cv$|sigma$/i.test(k)) out.push([...prefix, k].join('.'));
    }
  };
  walk(profile as unknown as Record<string, unknown>, []);
  return out;
}
