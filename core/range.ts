/**
 * Sweep values as users type them: a comma list where any item may be a range.
 * `4k..128k` doubles from 4k up to 128k (4k, 8k, 16k, ..., 128k); `4k..128k:8` gives 8 points
 * spaced evenly on a log scale (sizes rounded to whole KiB, plain numbers to integers); `1..64`
 * doubles too. The upper bound is always included. Pure; the CLI's `sweep --vary` and the
 * Experiment view share it, so both refuse the same input with the same words.
 */
import { InputError } from './errors.ts';

export const MAX_RANGE_POINTS = 200;

interface Scalar {
  value: number;
  size: boolean;
}

function parseScalar(field: string, raw: string, item: string): Scalar {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)\s*$/i.exec(raw);
  if (!m) throw new InputError(field, item, `a number or a size such as 4k, 1m at both ends (not ${raw.trim() || 'nothing'})`);
  const unit = m[2].toLowerCase();
  const f = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit as '' | 'k' | 'm' | 'g' | 't'];
  return { value: Number(m[1]) * f, size: unit !== '' };
}

/** The shortest text of a value in the notation of the range's bounds (`128k`, `1m`, `64`). */
export function formatRangeValue(v: number, size: boolean): string {
  if (!size) return String(v);
  for (const [u, f] of [['t', 1024 ** 4], ['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
    if (v >= f && v % f === 0) return `${v / f}${u}`;
  }
  return String(v);
}

/** One `a..b` or `a..b:n` item as its values. */
export function expandRange(field: string, item: string): string[] {
  const m = /^\s*([^.:]+?)\s*\.\.\s*([^.:]+?)\s*(?::\s*(\d+)\s*)?$/.exec(item);
  if (!m) throw new InputError(field, item, 'a range such as 4k..128k (doubling) or 4k..128k:8 (8 points)');
  const lo = parseScalar(field, m[1], item);
  const hi = parseScalar(field, m[2], item);
  const size = lo.size || hi.size;
  if (lo.value <= 0) throw new InputError(field, item, 'a range that starts above 0');
  if (hi.value <= lo.value) throw new InputError(field, item, 'a range whose end is above its start (4k..128k)');
  const round = (x: number) => (size ? Math.max(1024, Math.round(x / 1024) * 1024) : Math.round(x));
  const out: number[] = [];
  if (m[3] === undefined) {
    for (let v = lo.value; v < hi.value && out.length < MAX_RANGE_POINTS; v *= 2) out.push(v);
    out.push(hi.value);
  } else {
    const n = Number(m[3]);
    if (n < 2 || n > MAX_RANGE_POINTS) throw new InputError(field, item, `a point count from 2 to ${MAX_RANGE_POINTS} after the colon`);
    const r = Math.log(hi.value / lo.value);
    for (let i = 0; i < n; i++) out.push(i === 0 ? lo.value : i === n - 1 ? hi.value : round(lo.value * Math.exp((r * i) / (n - 1))));
  }
  const unique = [...new Set(out)];
  if (unique.length > MAX_RANGE_POINTS) throw new InputError(field, item, `at most ${MAX_RANGE_POINTS} values`);
  return unique.map((v) => formatRangeValue(v, size));
}

/** A comma list of values and ranges as the list of values, in the order given, each once. */
export function parseSweepValues(field: string, text: string): string[] {
  const items = text.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new InputError(field, text, 'one or more values, comma-separated, or a range such as 4k..128k');
  const out: string[] = [];
  for (const item of items) {
    if (item.includes('..')) out.push(...expandRange(field, item));
    else out.push(item);
  }
  const unique = [...new Set(out)];
  if (unique.length > MAX_RANGE_POINTS) throw new InputError(field, text, `at most ${MAX_RANGE_POINTS} values`);
  return unique;
}
