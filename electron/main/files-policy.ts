/**
 * Which files the app opens (menu, OS, drag and drop) and how big they may be. Pure: shared by the
 * main process and the sandboxed preload.
 */

/** Profiles (.json), run/diff/sweep bundles (.json) and fio job files (.fio, .ini, .job). */
export const OPEN_EXTENSIONS = ['json', 'fio', 'job', 'ini'] as const;
export const DROP_EXTENSIONS = OPEN_EXTENSIONS.map((e) => `.${e}`);

/** Larger than any sane profile or job file, and than typical run bundles (the import limit is the host's). */
export const MAX_OPEN_FILE_BYTES = 256 * 1024 * 1024;

/** Largest file the Save As dialog writes (a PNG at 4000x4000 or a big bundle). */
export const MAX_SAVE_BYTES = 512 * 1024 * 1024;

export function hasOpenExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return DROP_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Save-dialog filters from a suggested file name and MIME type. */
export function saveFilters(suggestedName: string, mimeType: string): Array<{ name: string; extensions: string[] }> {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(suggestedName)?.[1]?.toLowerCase();
  const known: Record<string, string> = {
    png: 'PNG image', svg: 'SVG image', csv: 'CSV table', md: 'Markdown', json: 'JSON bundle', txt: 'Text',
  };
  const filters: Array<{ name: string; extensions: string[] }> = [];
  if (ext) filters.push({ name: known[ext] ?? (mimeType || ext.toUpperCase()), extensions: [ext] });
  filters.push({ name: 'All files', extensions: ['*'] });
  return filters;
}

/** A file name safe to suggest in a dialog: no directories, no control characters. */
export function sanitizeFileName(name: string, fallback = 'export'): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f<>:"|?*]/g, '_').replace(/^\.+/, '').trim().slice(0, 200);
  return clean || fallback;
}
