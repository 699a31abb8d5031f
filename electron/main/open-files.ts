import { readUserTextAsync } from '../host/read-input.ts';
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
  // Bounded by bytes read, not stat size: devices and FIFOs are refused, /proc-like files stop at the limit.
  const text = await readUserTextAsync(file, { what: name, maxBytes: MAX_OPEN_FILE_BYTES, expect: 'a regular file' });
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
