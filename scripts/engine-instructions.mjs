#!/usr/bin/env node
// Machine instructions per simulated IO, counted by valgrind (cachegrind, no cache simulation):
// steadier than CPU time on a shared machine, where identical runs swing by ±40 %. Counts a run
// of N IOs and a run of 0 IOs after the same warm-up (two 100,000-IO runs) and prints
// (I(N) - I(0)) / N, so start-up and compilation cancel. The engine is bundled as the command
// line builds it (minifySyntax) and run with the command line's V8 flags, on one thread.
// Usage: node scripts/engine-instructions.mjs [strategy] [ios] [profile]   (needs valgrind)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [strategy = 'strict', ios = '300000', profileId = 'vtd'] = process.argv.slice(2);
const FLAGS = ['--no-lazy-feedback-allocation', '--no-concurrent-recompilation', '--single-threaded', '--max-inlined-bytecode-size-cumulative=4600'];
const dir = mkdtempSync(join(tmpdir(), 'engine-instructions-'));
try {
  const core = join(dir, 'core.mjs');
  await build({ entryPoints: [join(ROOT, 'core/index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: core, logLevel: 'warning', minifySyntax: true });
  const runner = join(dir, 'run.mjs');
  writeFileSync(runner, `
const { builtInProfile, parseStrategy, parseWorkload, simulateStrategy } = await import(${JSON.stringify(pathToFileURL(core).href)});
const [strategy, ios, profileId] = process.argv.slice(2);
const run = (n) => simulateStrategy(builtInProfile(profileId), parseStrategy(strategy), parseWorkload('fio:rw=randread,bs=4k,iodepth=64,number_ios=' + n), 1);
run(100000); run(100000);
if (Number(ios) > 0) run(Number(ios));
`);
  // valgrind reports on stderr, the program's output is dropped.
  const irefs = (n) => {
    const r = execFileSync('sh', ['-c', `valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null --smc-check=all-non-file "$0" "$@" 2>&1 >/dev/null | grep 'I *refs'`, process.execPath, ...FLAGS, runner, strategy, String(n), profileId], { encoding: 'utf8' });
    const m = /I\s+refs:\s+([\d,]+)/.exec(r);
    if (!m) throw new Error(`no instruction count in valgrind's output: ${r}`);
    return Number(m[1].replaceAll(',', ''));
  };
  const i0 = irefs(0);
  const iN = irefs(Number(ios));
  process.stdout.write(`${strategy} on ${profileId}: ${Math.round((iN - i0) / Number(ios)).toLocaleString('en-US')} instructions per IO (I(0) = ${i0.toLocaleString('en-US')}, I(${Number(ios).toLocaleString('en-US')}) = ${iN.toLocaleString('en-US')})\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
