#!/usr/bin/env node
// Where the machine instructions of a simulated IO go, by source line and by function of the
// engine: the per-IO path compiles into two or three optimised functions (everything else
// inlined), so a sampling profiler sees only those. Callgrind counts every instruction V8's
// optimised code executes (--dump-instr) during one run, V8 prints that code with its
// instruction addresses and source positions (--print-opt-code), and the two are joined here.
//
// Usage: node scripts/engine-profile.mjs [strategy=strict] [N=200000] [profile=vtd] [lines=40] [fio workload=fio:rw=randread,bs=4k,iodepth=64, without number_ios]
// (needs valgrind; about a minute). ENGINE_PROFILE_ASM=<bundle line>[,...] also prints those
// lines' machine instructions with their counts (`all`: every executed instruction of optimised code). Counts are per simulated IO of the measured run (after two
// 100,000-IO warm-up runs); "outside optimised code" is V8's runtime, builtins and the GC, and
// also V8 printing the code of any function first optimised during the measured run (the listing
// this script reads): virtio-iommu lazy shows 626 per IO outside, of which ~380 is that printing
// (scripts/engine-instructions.mjs, which prints nothing, counts 2,606 per IO there in all).
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { engineV8Flags, measuredIos } from './engine-measure.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [strategy = 'strict', nText = '200000', profileId = 'vtd', linesText = '40', fio = 'fio:rw=randread,bs=4k,iodepth=64'] = process.argv.slice(2);
const { n: N, warmUp: B } = measuredIos(fio, nText);
const dir = mkdtempSync(join(tmpdir(), 'engine-profile-'));

try {
  const FLAGS = [...(await engineV8Flags(ROOT, dir)), '--single-threaded'];
  const core = join(dir, 'core.mjs');
  await build({ entryPoints: [join(ROOT, 'core/index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: core, logLevel: 'warning', minifySyntax: true });
  const runner = join(dir, 'run.mjs');
  writeFileSync(runner, `
const { builtInProfile, parseStrategy, parseWorkload, simulateStrategy } = await import(${JSON.stringify(pathToFileURL(core).href)});
const [strategy, n, profileId, fio] = process.argv.slice(2);
// fio's number_ios counts per job: the jobs share the run's IOs.
const jobs = parseWorkload(fio).numjobs ?? 1;
const run = (ios) => simulateStrategy(builtInProfile(profileId), parseStrategy(strategy), parseWorkload(fio + ',number_ios=' + ios / jobs), 1);
run(${B}); run(${B});
process.cpuUsage(); run(Number(n)); process.cpuUsage();
`);
  const cgOut = join(dir, 'cg');
  const code = await new Promise((res, rej) => execFile('valgrind', ['--tool=callgrind', '--dump-instr=yes', `--callgrind-out-file=${cgOut}`, '--dump-before=uv_getrusage',
    '--smc-check=all-non-file', process.execPath, ...FLAGS, '--print-opt-code', '--code-comments', runner, strategy, String(N), profileId, fio],
  { maxBuffer: 1 << 30 }, (err, stdout, stderr) => (err ? rej(new Error(`valgrind: ${err.message}\n${stderr.slice(-2000)}`)) : res(stdout))));
  const dumps = readdirSync(dir).filter((f) => f.startsWith('cg.')).sort();
  if (dumps.length !== 2) throw new Error(`expected 2 callgrind dumps (one per getrusage), got ${dumps.length}`);

  // Callgrind's per-instruction self cost of the measured run (dump 2). Positions are "instr line";
  // an address is absolute (0x...), relative (+n, -n) or the same (*); the line after calls= is a
  // call's inclusive cost, not self cost.
  const cost = new Map();
  let addr = 0;
  let callLine = false;
  let total = 0;
  for (const line of readFileSync(join(dir, 'cg.2'), 'utf8').split('\n')) {
    const c = line.charCodeAt(0);
    if (line.startsWith('calls=')) {
      callLine = true;
      continue;
    }
    if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 42)) continue;
    const parts = line.split(' ');
    const a = parts[0];
    if (a.startsWith('0x')) addr = parseInt(a, 16);
    else if (a[0] === '+' || a[0] === '-') {
      const d = a.startsWith('0x', 1) ? parseInt(a.slice(3), 16) : Number(a.slice(1));
      addr += a[0] === '+' ? d : -d;
    }
    if (callLine) {
      callLine = false;
      continue;
    }
    if (parts.length >= 3) {
      const ir = Number(parts[2]);
      cost.set(addr, (cost.get(addr) ?? 0) + ir);
      total += ir;
    }
  }

  // V8's listing: per code object its name, instructions (address, pc offset) and source positions.
  const objects = [];
  let cur = null;
  let mode = '';
  for (const line of code.split('\n')) {
    if (line.startsWith('name = ')) {
      cur = { name: line.slice(7).trim(), ins: [], pos: [] };
      objects.push(cur);
      mode = '';
    } else if (!cur) continue;
    else if (line.startsWith('Instructions')) mode = 'ins';
    else if (line.startsWith('Source positions')) mode = 'pos';
    else if (line.startsWith('Inlined functions') || line.startsWith('Deoptimization') || line.startsWith('Safepoints')) mode = '';
    else if (mode === 'ins') {
      const m = /^0x([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s/.exec(line);
      if (m) cur.ins.push([parseInt(m[1], 16), parseInt(m[2], 16), line]);
    } else if (mode === 'pos') {
      const m = /^\s+([0-9a-f]+)\s+\D*(\d+)/.exec(line);
      if (m) cur.pos.push([parseInt(m[1], 16), Number(m[2])]);
    }
  }

  const src = readFileSync(core, 'utf8');
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lines = src.split('\n');
  const upper = (arr, x, key) => {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (key(arr[mid]) <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  };
  // The function each line belongs to: the nearest method or function header above it.
  const headers = [];
  let cls = '';
  lines.forEach((l, i) => {
    // esbuild writes classes as `class X`, `var X = class` or `}, X = class` (minified declarations).
    const c = /(?:^|[\s,])(\w+) = class\b/.exec(l) ?? /^(?:export )?class (\w+)\b/.exec(l);
    if (c) cls = c[1];
    const f = /^ {2}(?:static |get |set )?(\w+)\([^)]*\) \{$/.exec(l) ?? /^(?:export )?function (\w+)\(/.exec(l);
    if (f && !['if', 'for', 'while', 'switch'].includes(f[1])) headers.push([i + 1, l.startsWith(' ') ? `${cls}.${f[1]}` : f[1]]);
  });

  const byLine = new Map();
  const byFn = new Map();
  // ENGINE_PROFILE_ASM=line[,line...]: also print those bundle lines' machine instructions, with their counts per IO.
  const asmAll = process.env.ENGINE_PROFILE_ASM === 'all';
  const asmLines = new Set((process.env.ENGINE_PROFILE_ASM ?? '').split(',').filter(Boolean).map(Number));
  const asm = [];
  let attributed = 0;
  const seen = new Set();
  // Later code objects first: an address reused after an old object was collected is the new one's.
  for (const o of [...objects].reverse()) {
    for (const [a, off, text] of o.ins) {
      if (seen.has(a)) continue;
      seen.add(a);
      const c = cost.get(a);
      if (!c) continue;
      const p = upper(o.pos, off, (x) => x[0]);
      const ln = p >= 0 ? upper(lineStarts, o.pos[p][1], (x) => x) + 1 : 0;
      if (asmAll || asmLines.has(ln)) asm.push(`${(c / N).toFixed(2).padStart(7)}  ${String(ln).padStart(6)} col ${p >= 0 ? o.pos[p][1] - lineStarts[ln - 1] : '?'}  ${text.replace(/^0x[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+/, '')}`);
      byLine.set(ln, (byLine.get(ln) ?? 0) + c);
      const h = upper(headers, ln, (x) => x[0]);
      const fn = h >= 0 ? headers[h][1] : '?';
      byFn.set(fn, (byFn.get(fn) ?? 0) + c);
      attributed += c;
    }
  }
  const per = (x) => (x / N).toFixed(1).padStart(8);
  process.stdout.write(`${strategy} on ${profileId}, ${fio}: ${per(total).trim()} instructions per IO, ${per(attributed).trim()} in optimised code\n\n`);
  process.stdout.write('per IO    function (inlined code counted where it was written)\n');
  for (const [fn, c] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, 30)) process.stdout.write(`${per(c)}  ${fn}\n`);
  process.stdout.write(`${per(total - attributed)}  (outside optimised code)\n\nper IO    line of the bundle\n`);
  for (const [ln, c] of [...byLine].sort((x, y) => y[1] - x[1]).slice(0, Number(linesText))) {
    process.stdout.write(`${per(c)}  ${String(ln).padStart(6)}: ${(lines[ln - 1] ?? '').trim().slice(0, 110)}\n`);
  }
  if (asm.length) process.stdout.write(`\nmachine instructions of line(s) ${[...asmLines].join(', ')} (per IO, bundle line, column in it)\n${asm.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
