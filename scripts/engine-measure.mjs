// What the engine's measuring scripts (engine-instructions, engine-profile) share: the command
// line's V8 flags, and the sizes of their runs of a fio workload.
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The command line's V8 flags (ENGINE_V8_FLAGS in electron/host/v8-tuning.ts), built from the
 * TypeScript that sets them, for node's command line. `root`: the repository; `outDir`: a scratch
 * directory for the built module.
 */
export async function engineV8Flags(root, outDir) {
  const out = join(outDir, 'v8-tuning.mjs');
  await build({ entryPoints: [join(root, 'electron/host/v8-tuning.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: out, logLevel: 'warning' });
  return (await import(pathToFileURL(out).href)).ENGINE_V8_FLAGS;
}

/**
 * The measured run's IOs (`nText`, checked) and the warm-up runs' (about 100,000): fio's
 * number_ios counts per job, so the jobs share a run's IOs and each count is a multiple of numjobs.
 */
export function measuredIos(fio, nText) {
  const jobs = Number(/(?:^fio:|,)numjobs=(\d+)/.exec(fio)?.[1] ?? 1);
  const n = Number(nText);
  if (!(Number.isInteger(n) && n > 0 && n % jobs === 0)) throw new Error(`N must be a positive multiple of numjobs (${jobs}): fio's jobs share the IOs, got ${nText}`);
  return { n, warmUp: jobs * Math.floor(100000 / jobs) };
}
