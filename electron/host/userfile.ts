import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../../core/errors.ts';

/** Largest user artifact read whole: a fio JSON of many jobs or a long ftrace capture. */
export const MAX_USER_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Every user input file (fio job files and their includes, fio JSON results, traces) is read
 * through here, so one bounded reader can guard them all. `what` names the input in errors.
 */
export function readUserFile(path: string, what: string, maxBytes = MAX_USER_FILE_BYTES): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new InputError(what, path, 'a readable file');
  }
  if (!st.isFile()) throw new InputError(what, path, 'a regular file');
  if (st.size > maxBytes) throw new InputError(what, path, `a file of at most ${maxBytes} bytes`);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new InputError(what, path, 'a readable file');
  }
}
