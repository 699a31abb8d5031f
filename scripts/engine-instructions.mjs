#!/usr/bin/env node
// Machine instructions per simulated IO, counted by valgrind's callgrind: on this shared machine
// identical timed runs swing by ±40 %, instruction counts do not.
//
// One process per strategy: the engine bundled as the command line builds it (minifySyntax), the
// command line's V8 flags, one thread, two 100,000-IO warm-up runs, then a run of B IOs and a run of
// B + N IOs. Callgrind dumps its counters whenever the process calls getrusage (the script calls
// process.cpuUsage() between the runs and nothing else in it does), so each run's instructions
// are counted alone, start-up and the warm-up's compilation excluded:
//   per IO   = (I(B + N) - I(B)) / N     what one more simulated IO costs
//   per run  = I(B) - B * per IO         what a run costs whatever its length (set-up, metrics)
// Repeat counts of the same code agree within a few instructions in a million (the bare loop's
// within ~0.5 %: it compiles its closures again in every run, and not always alike).
// (Counting whole processes, I(N) - I(0), moved by ±4 % between identical runs at N = 100,000.)
//
// Usage: node scripts/engine-instructions.mjs [strategy|all|bare] [N=300000] [profile=vtd] [fio workload=fio:rw=randread,bs=4k,iodepth=64]
//   (the workload without number_ios, which the script sets; the bare loop runs its own workload)
//   bare: the bench's hand-written event loop (electron/cli/bare-loop.ts) on the same workload.
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { engineV8Flags, measuredIos } from './engine-measure.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [which = 'strict', nText = '300000', profileId = 'vtd', fio = 'fio:rw=randread,bs=4k,iodepth=64'] = process.argv.slice(2);
const { n: N, warmUp: B } = measuredIos(fio, nText);
const dir = mkdtempSync(join(tmpdir(), 'engine-instructions-'));

try {
  const FLAGS = [...(await engineV8Flags(ROOT, dir)), '--single-threaded'];
  const core = join(dir, 'core.mjs');
  const bare = join(dir, 'bare.mjs');
  await build({ entryPoints: [join(ROOT, 'core/index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: core, logLevel: 'warning', minifySyntax: true });
  await build({ entryPoints: [join(ROOT, 'electron/cli/bare-loop.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: bare, logLevel: 'warning', minifySyntax: true });
  const runner = join(dir, 'run.mjs');
  writeFileSync(runner, `
const { builtInProfile, parseStrategy, parseWorkload, simulateStrategy } = await import(${JSON.stringify(pathToFileURL(core).href)});
const { bareLoop } = await import(${JSON.stringify(pathToFileURL(bare).href)});
const [strategy, n, profileId, fio] = process.argv.slice(2);
const profile = builtInProfile(profileId);
const jobs = parseWorkload(fio).numjobs ?? 1;
const run = strategy === 'bare'
  ? (ios) => { if (bareLoop(profile, ios).ios !== ios) throw new Error('bare loop: wrong IO count'); }
  : (ios) => {
    // fio's number_ios counts per job: the jobs share the run's IOs.
    const r = simulateStrategy(profile, parseStrategy(strategy), parseWorkload(fio + ',number_ios=' + ios / jobs), 1);
    if (r.metrics.ios !== ios) throw new Error(strategy + ': expected ' + ios + ' IOs, simulated ' + r.metrics.ios);
  };
run(${B}); run(${B});
process.cpuUsage(); run(${B}); process.cpuUsage(); run(${B} + Number(n)); process.cpuUsage();
`);

  /** Instructions of the two measured runs of one strategy, from callgrind's dumps. */
  const count = (strategy) => new Promise((resolvePromise, reject) => {
    const out = join(dir, `${strategy}.cg`);
    execFile('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--dump-before=uv_getrusage', '--smc-check=all-non-file',
      process.execPath, ...FLAGS, runner, strategy, String(N), profileId, fio], { maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) return reject(new Error(`valgrind ${strategy}: ${err.message}\n${stderr.slice(-2000)}`));
      // Dump k ends just before the k-th getrusage: dump 2 is the B-IO run, dump 3 the (B + N)-IO run.
      const dumps = readdirSync(dir).filter((f) => f.startsWith(`${strategy}.cg.`)).sort();
      if (dumps.length !== 3) return reject(new Error(`${strategy}: expected 3 callgrind dumps (one per getrusage), got ${dumps.length}: something else called getrusage`));
      const total = (f) => {
        const m = /^summary:\s+(\d+)/m.exec(readFileSync(join(dir, f), 'utf8'));
        if (!m) throw new Error(`no summary line in ${f}`);
        return Number(m[1]);
      };
      resolvePromise({ iB: total(`${strategy}.cg.2`), iBN: total(`${strategy}.cg.3`) });
    });
  });

  // `all`: the engine's own list of strategies, from the bundle just built.
  const { STRATEGIES } = await import(pathToFileURL(core).href);
  const list = which === 'all' ? [...STRATEGIES.map((d) => d.id), 'bare'] : [which];
  const results = new Map();
  // Two valgrind processes at a time: each is one thread.
  const queue = [...list];
  await Promise.all([0, 1].map(async () => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) results.set(s, await count(s));
  }));
  const bareRes = results.get('bare');
  const barePerIo = bareRes ? (bareRes.iBN - bareRes.iB) / N : null;
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  process.stdout.write(`${fio} on ${profileId}; warm-up 2 x ${fmt(B)} IOs, then runs of ${fmt(B)} and ${fmt(B + N)} IOs\n`);
  process.stdout.write(`${'strategy'.padEnd(16)} ${'instructions per IO'.padStart(20)} ${'per run'.padStart(14)}${barePerIo ? ' ' + 'x bare loop'.padStart(12) : ''}\n`);
  for (const s of list) {
    const { iB, iBN } = results.get(s);
    const perIo = (iBN - iB) / N;
    const perRun = iB - B * perIo;
    process.stdout.write(`${s.padEnd(16)} ${fmt(perIo).padStart(20)} ${fmt(perRun).padStart(14)}${barePerIo ? ' ' + (perIo / barePerIo).toFixed(2).padStart(12) : ''}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
