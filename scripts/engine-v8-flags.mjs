// The command line's V8 flags (ENGINE_V8_FLAGS in electron/host/v8-tuning.ts), built from the
// TypeScript that sets them, for the engine's measuring scripts to put on node's command line.
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** `root`: the repository; `outDir`: a scratch directory for the built module. */
export async function engineV8Flags(root, outDir) {
  const out = join(outDir, 'v8-tuning.mjs');
  await build({ entryPoints: [join(root, 'electron/host/v8-tuning.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: out, logLevel: 'warning' });
  return (await import(pathToFileURL(out).href)).ENGINE_V8_FLAGS;
}
