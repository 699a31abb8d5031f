import { main } from '../electron/cli/main.ts';

/** Runs the command line in-process with captured output, as a non-TTY caller sees it. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, isTTY: false });
  return { code, out, err };
}
