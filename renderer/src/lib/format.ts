/** Number formatting for a dense profiler UI. Pure: unit-tested in tests/renderer. */

const KiB = 1024;

/** Significant-figure formatting that keeps small and large numbers readable. */
export function fmtNum(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return Math.round(v).toLocaleString('en-US');
  if (a >= 10 ** digits) return Math.round(v).toLocaleString('en-US');
  if (a < 1e-3) return v.toExponential(2);
  const s = Number(v.toPrecision(digits));
  return s.toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** Integer with thousands separators. */
export function fmtInt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return Math.round(v).toLocaleString('en-US');
}

/** Bytes in binary units: 0 B, 512 B, 4 KiB, 1.5 MiB, 64 MiB, 2 GiB. */
export function fmtBytes(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v === 0) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let x = Math.abs(v);
  let i = 0;
  while (x >= KiB && i < units.length - 1) {
    x /= KiB;
    i++;
  }
  const sign = v < 0 ? '−' : '';
  const shown = i === 0 ? String(Math.round(x)) : Number(x.toPrecision(3)).toString();
  return `${sign}${shown} ${units[i]}`;
}

export function fmtPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return `${(v * 100).toFixed(digits)}%`;
}

/** Signed percent for deltas: +12.3%, −4.0%, 0.0%. */
export function fmtDeltaPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '+∞' : '−∞';
  const s = (Math.abs(v) * 100).toFixed(digits);
  if (Number(s) === 0) return `${(0).toFixed(digits)}%`;
  return `${v > 0 ? '+' : '−'}${s}%`;
}

/** Microseconds to a human duration: 850 ns, 12.3 µs, 4.56 ms, 1.2 s. */
export function fmtUs(us: number | null | undefined): string {
  if (us === null || us === undefined || Number.isNaN(us)) return '—';
  const a = Math.abs(us);
  if (a === 0) return '0';
  if (a < 1) return `${fmtNum(us * 1000)} ns`;
  if (a < 1000) return `${fmtNum(us)} µs`;
  if (a < 1e6) return `${fmtNum(us / 1000)} ms`;
  return `${fmtNum(us / 1e6)} s`;
}

/** Milliseconds of wall time as an ETA: "3 s", "1 min 20 s", "< 1 s". */
export function fmtEta(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return '< 1 s';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  if (m < 60) return r ? `${m} min ${r} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** ISO or epoch milliseconds to "2025-11-22 14:03". Local time. */
export function fmtDate(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A filesystem-safe slug for export file names. */
export function slug(s: string, max = 60): string {
  const out = s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max);
  return out || 'export';
}
