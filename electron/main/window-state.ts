import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';

/** Saved size and position of the main window (userData/window-state.json). */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
  fullScreen: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_STATE: WindowState = { width: 1360, height: 880, maximized: false, fullScreen: false };
export const MIN_SIZE = { width: 900, height: 600 };

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Parses a saved state, falling back to defaults for anything missing or absurd. */
export function parseWindowState(text: string | null): WindowState {
  if (!text) return { ...DEFAULT_STATE };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { ...DEFAULT_STATE };
  }
  if (!raw || typeof raw !== 'object') return { ...DEFAULT_STATE };
  const width = finite(raw.width) ? Math.round(Math.min(Math.max(raw.width, MIN_SIZE.width), 16384)) : DEFAULT_STATE.width;
  const height = finite(raw.height) ? Math.round(Math.min(Math.max(raw.height, MIN_SIZE.height), 16384)) : DEFAULT_STATE.height;
  const s: WindowState = { width, height, maximized: raw.maximized === true, fullScreen: raw.fullScreen === true };
  if (finite(raw.x) && finite(raw.y)) {
    s.x = Math.round(raw.x);
    s.y = Math.round(raw.y);
  }
  return s;
}

/**
 * Keeps the saved position only if enough of the window (its title bar) lands on a display that
 * exists now — a monitor may have been unplugged since. Otherwise the OS centres it.
 */
export function fitToDisplays(s: WindowState, workAreas: Rect[]): WindowState {
  if (s.x === undefined || s.y === undefined) return s;
  const titleBar: Rect = { x: s.x, y: s.y, width: s.width, height: 32 };
  const visible = workAreas.some((a) => {
    const w = Math.min(titleBar.x + titleBar.width, a.x + a.width) - Math.max(titleBar.x, a.x);
    const h = Math.min(titleBar.y + titleBar.height, a.y + a.height) - Math.max(titleBar.y, a.y);
    return w >= 100 && h >= 16;
  });
  if (visible) return s;
  const { x: _x, y: _y, ...rest } = s;
  return rest;
}

export function loadWindowState(file: string): WindowState {
  try {
    return parseWindowState(readFileSync(file, 'utf8'));
  } catch {
    return { ...DEFAULT_STATE };
  }
}

/** Atomic write (temp file + rename) so a crash never leaves a half-written state file. */
export async function saveWindowState(file: string, s: WindowState): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(s, null, 2));
  await fs.rename(tmp, file);
}
