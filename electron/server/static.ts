import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Content types of the files a Vite build produces (and a few more). Unknown → octet-stream. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a URL path to a file under `root`, or null when it would leave `root`, names a hidden
 * file or is malformed. Never follows `..`, encoded or not, nor absolute paths, nor NUL bytes.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return null;
  const rootAbs = path.resolve(root);
  const file = path.resolve(rootAbs, ...segments);
  if (file !== rootAbs && !file.startsWith(rootAbs + path.sep)) return null;
  return file;
}

export interface StaticFile {
  file: string;
  size: number;
  mtimeMs: number;
}

/** The regular file at `file` (following a directory to its index.html), or null. */
export async function statStatic(root: string, file: string): Promise<StaticFile | null> {
  try {
    let st = await fs.stat(file);
    if (st.isDirectory()) {
      file = path.join(file, 'index.html');
      st = await fs.stat(file);
    }
    if (!st.isFile()) return null;
    // Refuse symlinks that point outside the root.
    const real = await fs.realpath(file);
    const realRoot = await fs.realpath(root);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return null;
    return { file, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}
