#!/usr/bin/env node
// Consecutive runs of one strategy in one fresh process, each timed on the process's CPU (the
// optimiser's threads included): how far the first run is from the later ones. V8 flags go on
// the node command line, as the command line sets them (ENGINE_V8_FLAGS in electron/host/v8-tuning.ts;
// scripts/engine-measure.mjs builds that list), e.g. with today's flags
//   node --max-inlined-bytecode-size-cumulative=4600 --no-lazy-feedback-allocation --no-concurrent-recompilation --no-concurrent-osr \
//     scripts/engine-runs.mjs strict 1000000 4        (add --trace-deopt to see deoptimisations)
// Usage: node [v8 flags] scripts/engine-runs.mjs [strategy] [ios] [runs] [profile]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [strategy = 'strict', ios = '1000000', runs = '4', profileId = 'vtd'] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'engine-runs-'));
try {
  const out = join(dir, 'core.mjs');
  await build({ entryPoints: [join(ROOT, 'core/index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: out, logLevel: 'warning', minifySyntax: true });
  const { builtInProfile, parseStrategy, parseWorkload, simulateStrategy } = await import(pathToFileURL(out).href);
  const workload = parseWorkload(`fio:rw=randread,bs=4k,iodepth=64,number_ios=${ios}`);
  for (let r = 1; r <= Number(runs); r++) {
    const c0 = process.cpuUsage();
    const res = simulateStrategy(builtInProfile(profileId), parseStrategy(strategy), workload, 1);
    const c = process.cpuUsage(c0);
    const s = (c.user + c.system) / 1e6;
    process.stdout.write(`run ${r}: ${strategy} ${res.metrics.ios} IOs in ${s.toFixed(3)} s CPU = ${Math.round(res.metrics.ios / s).toLocaleString('en-US')} IOs per CPU s\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
