import { promises as fs } from 'node:fs';
import path from 'node:path';
import { hasOpenExtension, MAX_OPEN_FILE_BYTES } from './files-policy.ts';

export interface OpenedFile {
  name: string;
  text: string;
}

/**
 * Reads a file the user chose (Open dialog, OS "open with", command line) as UTF-8 text, refusing
 * directories, unknown extensions and files over the size limit. The renderer decides what the
 * text is (profile, bundle, fio job) and validates it through the host contract.
 */
export async function readUserFile(file: string, { anyExtension = false } = {}): Promise<OpenedFile> {
  const name = path.basename(file);
  if (!anyExtension && !hasOpenExtension(name)) throw new Error(`${name}: not a profile, run bundle or fio job file`);
  const st = await fs.stat(file);
  if (!st.isFile()) throw new Error(`${name}: not a file`);
  if (st.size > MAX_OPEN_FILE_BYTES) throw new Error(`${name}: larger than ${MAX_OPEN_FILE_BYTES} bytes`);
  const text = await fs.readFile(file, 'utf8');
  return { name, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

/** File arguments on a command line (first launch or a second instance): existing files we open. */
export function fileArgs(argv: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (const a of argv) {
    if (!a || a.startsWith('-') || !hasOpenExtension(a)) continue;
    out.push(path.resolve(cwd, a));
  }
  return out;
}
