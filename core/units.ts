import { InputError } from './errors.ts';

const SUFFIX: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** fio-style sizes: `4k`, `128K`, `1m`, `64MiB`, `2g`, plain bytes. Powers of 1024. */
export function parseSize(field: string, text: string, min = 1, max = 2 ** 50): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(String(text));
  if (!m) throw new InputError(field, text, 'a size such as 4096, 4k, 128k, 1m, 2g (powers of 1024)');
  const bytes = Math.round(Number(m[1]) * SUFFIX[m[2].toLowerCase()]);
  if (!(bytes >= min && bytes <= max)) {
    throw new InputError(field, text, `a size from ${formatBytes(min)} to ${formatBytes(max)}`);
  }
  return bytes;
}

export function parseIntIn(field: string, text: string, min: number, max: number): number {
  const s = String(text).trim();
  if (!/^-?\d+$/.test(s)) throw new InputError(field, text, `an integer from ${min} to ${max}`);
  const n = Number(s);
  if (n < min || n > max) throw new InputError(field, text, `an integer from ${min} to ${max}`);
  return n;
}

export function parseNumberIn(field: string, text: string, min: number, max: number): number {
  const s = String(text).trim();
  const n = Number(s);
  if (s === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new InputError(field, text, `a number from ${min} to ${max}`);
  }
  return n;
}

export function parseBool(field: string, text: string): boolean {
  const s = String(text).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new InputError(field, text, '0 or 1');
}

/** Shortest exact k/m/g form, as fio prints sizes: 4096 -> 4k, 131072 -> 128k. */
export function formatBytes(bytes: number): string {
  for (const [s, f] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${s}`;
  }
  return String(bytes);
}
