import { readUserText } from './read-input.ts';

/** Largest user artifact read whole: a fio JSON of many jobs or a long ftrace capture. */
export const MAX_USER_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Every user input file of the inputs path (fio job files and their includes, fio JSON results,
 * traces) goes through the one bounded reader (read-input.ts): devices and FIFOs are refused and
 * the byte limit holds whatever stat says. `what` names the input in errors.
 */
export function readUserFile(path: string, what: string, maxBytes = MAX_USER_FILE_BYTES): string {
  return readUserText(path, { what, maxBytes });
}
