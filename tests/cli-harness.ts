import type { main as MainFn } from '../electron/cli/main.ts';

/**
 * The built command line (out/cli/main.js, made by scripts/build-cli.mjs; vitest's global setup
 * builds it), so the CLI tests exercise what users run, worker pool included.
 */
const BUILT_CLI = new URL('../out/cli/main.js', import.meta.url).href;
const { main } = (await import(BUILT_CLI)) as { main: typeof MainFn };

/** Runs the command line in-process with captured output, as a non-TTY caller sees it. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, isTTY: false });
  return { code, out, err };
}
