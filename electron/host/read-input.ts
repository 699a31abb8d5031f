/**
 * The one way the CLI and the host read a file a user named (profiles, .fio job files, bundles,
 * and every later input kind). Limits are checked against the bytes actually read, never against
 * `stat` size alone: /dev/zero, /proc files and FIFOs report 0 and used to be read until memory ran out.
 *
 * - Directories, character/block devices, sockets and FIFOs are refused before any read (a FIFO
 *   would block the open itself); /proc-style files (regular, size 0) are read up to the limit.
 * - The read stops at maxBytes + 1: one byte over is enough to refuse, naming the limit.
 * - Bad input is an InputError (exit 2 / HTTP 400) naming the file, the problem and the limit.
 *
 * An ESLint rule (eslint.config.js) flags other readFileSync & co in electron/cli and electron/host.
 */
import { closeSync, constants, fstatSync, openSync, promises as fsp, readSync, statSync } from 'node:fs';
import { InputError } from '../../core/errors.ts';

/** Default limit for small text inputs (profiles, job files, traces' head): 4 MiB. */
export const MAX_INPUT_FILE_BYTES = 4 * 1024 * 1024;

export interface ReadUserTextOptions {
  /** The field shown in the error: `--profile`, `--workload`, `import`. */
  what: string;
  maxBytes?: number;
  /** What a valid file is, for the "allowed" part of errors. */
  expect?: string;
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(2)} MiB` : `${n} bytes`;
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string | null {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return null;
}

/** Bytes of a user file, at most maxBytes; refuses non-regular files and anything larger. */
export function readUserBytes(path: string, opts: ReadUserTextOptions): Buffer {
  const maxBytes = opts.maxBytes ?? MAX_INPUT_FILE_BYTES;
  const expect = opts.expect ?? 'a readable file';
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputError(opts.what, path, `${expect} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const bad = kindOf(st);
  if (bad) throw new InputError(opts.what, path, `${expect}, not ${bad}`);
  if (st.size > maxBytes) throw new InputError(opts.what, path, `${expect} of at most ${mib(maxBytes)} (this one has ${mib(st.size)})`);
  let fd: number;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO after the stat, open does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new InputError(opts.what, path, `${expect} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    const again = kindOf(fstatSync(fd));
    if (again) throw new InputError(opts.what, path, `${expect}, not ${again}`);
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, maxBytes + 1));
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, Math.min(chunk.length, maxBytes + 1 - total), null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') throw new InputError(opts.what, path, `${expect}, not a stream without data`);
        throw new InputError(opts.what, path, `${expect} (${code ?? 'read error'})`);
      }
      if (n === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      total += n;
      if (total > maxBytes) throw new InputError(opts.what, path, `${expect} of at most ${mib(maxBytes)} (reading stopped there)`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 text of a user file, at most maxBytes (see readUserBytes). */
export function readUserText(path: string, opts: ReadUserTextOptions): string {
  return readUserBytes(path, opts).toString('utf8');
}

/**
 * The same, without blocking the thread (the Electron main process reads files the user opens
 * with this: a 256 MiB bundle must not freeze the window while it is read).
 */
export async function readUserTextAsync(path: string, opts: ReadUserTextOptions): Promise<string> {
  const maxBytes = opts.maxBytes ?? MAX_INPUT_FILE_BYTES;
  const expect = opts.expect ?? 'a readable file';
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    throw new InputError(opts.what, path, `${expect} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const bad = kindOf(st);
  if (bad) throw new InputError(opts.what, path, `${expect}, not ${bad}`);
  if (st.size > maxBytes) throw new InputError(opts.what, path, `${expect} of at most ${mib(maxBytes)} (this one has ${mib(st.size)})`);
  let fh;
  try {
    fh = await fsp.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new InputError(opts.what, path, `${expect} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    const again = kindOf(await fh.stat());
    if (again) throw new InputError(opts.what, path, `${expect}, not ${again}`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, maxBytes + 1 - total));
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(chunk, 0, chunk.length, null));
      } catch (e) {
        throw new InputError(opts.what, path, `${expect} (${(e as NodeJS.ErrnoException).code ?? 'read error'})`);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new InputError(opts.what, path, `${expect} of at most ${mib(maxBytes)} (reading stopped there)`);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await fh.close();
  }
}
