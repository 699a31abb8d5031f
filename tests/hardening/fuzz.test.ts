/**
 * Seeded fuzzing of the three ways in: command-line arguments, HTTP operations and bundles. The
 * promise checked on every input: a clear refusal (exit 2 / a 4xx with one line) or a result, in
 * bounded time and memory, and nothing written when refused. Seeds are fixed, so a failure
 * reproduces; the whole suite stays well under a minute on a loaded machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP_NAMES } from '../../core/contract.ts';
import { createHostService, type HostService } from '../../electron/host/service.ts';
import { RunStore } from '../../electron/host/store.ts';
import { startWebServer, type WebServer } from '../../electron/server/server.ts';
import { cli } from '../cli-harness.ts';
import { SMALL_FIO, tempDir } from '../host/helpers.ts';

const t = tempDir('iommu-lab-fuzz-');
afterAll(() => t.cleanup());

const FIFO = join(t.dir, 'a-fifo');
const CONTROL = 'evil\u001b[2J\u0007\u0000name\u202e';
const PER_CALL_MS = 15_000;
const RSS_CEILING = 1.5 * 1024 ** 3;

let seededDb = '';
let runId = '';

beforeAll(async () => {
  try {
    execFileSync('mkfifo', [FIFO]);
  } catch {
    writeFileSync(FIFO, 'not a fifo here');
  }
  writeFileSync(join(t.dir, 'deep.json'), '['.repeat(100_000) + ']'.repeat(100_000));
  writeFileSync(join(t.dir, 'bad.fio'), '[job]\nsize=999999g\n');
  writeFileSync(join(t.dir, 'binary.json'), Buffer.from([0xff, 0xfe, 0, 1, 2, 3, 0x1b]));
  seededDb = t.db('seeded.db');
  const r = await cli('run', '--profile', 'vtd', '--strategy', 'strict,lazy', '--workload', SMALL_FIO, '--save', '--name', CONTROL, '--db', seededDb);
  expect(r.code, r.err).toBe(0);
  runId = r.out.trim();
}, 60_000);

/** Hostile and ordinary values for any flag. */
const VALUES = [
  '', '-', '--', '0', '-1', '1e10', '4294967296', '999999999999999999999', 'NaN', 'Infinity', '0x10', '1.5',
  '/dev/zero', '/dev/null', '/dev/urandom', '/proc/self/mem', '/proc/self/status', '/proc/x/y.db', '/', '.', FIFO,
  join('__DIR__', 'deep.json'), join('__DIR__', 'bad.fio'), join('__DIR__', 'binary.json'), join('__DIR__', 'missing.json'),
  CONTROL, 'x'.repeat(5000), '../../../etc/passwd', 'vtd', 'dart-16k', 'strict', 'all', 'strict,strict', 'iopf:premap=1e9',
  'fio:size=999999g', 'fio:number_ios=1e10', 'fio:number_ios=10000000000', 'dmabench:seconds=300,threads=1024',
  'accel:msg_len=1g,times=10000000', 'fio:rw=read,bs=4k,number_ios=300', 'dmabench:seconds=1,threads=1', 'accel:times=5',
  'bs=4k,16k', 'iodepth=1,2', 'number_ios=1e10,1', 'json', 'png', 'svg', 'throughput', 'series', '__RUN__',
];
const FLAGS = ['profile', 'strategy', 'workload', 'seed', 'json', 'save', 'name', 'tag', 'notes', 'replications', 'db', 'force', 'vary',
  'format', 'out', 'chart', 'table', 'metric', 'width', 'height', 'all', 'sweep', 'limit', 'offset', 'status', 'port', 'nonsense'];
const COMMANDS = ['run', 'sweep', 'runs', 'diff', 'export', 'import', 'profile', 'profiles', 'strategies', 'help', 'frobnicate'];
const POSITIONALS = ['show', 'rm', 'tag', 'import', '__RUN__', '/dev/zero', FIFO, join('__DIR__', 'deep.json'), 'abcd', CONTROL];

const fill = (v: string) => v.replaceAll('__DIR__', t.dir).replaceAll('__RUN__', runId);

/** Flags each command knows (most fuzzed flags are known ones, so inputs get past the flag check). */
const KNOWN: Record<string, string[]> = {
  run: ['seed', 'json', 'save', 'name', 'tag', 'notes', 'replications', 'force'],
  sweep: ['vary', 'seed', 'replications', 'save', 'name', 'tag', 'json', 'metric', 'force'],
  runs: ['json', 'all', 'sweep', 'search', 'tag', 'profile', 'strategy', 'status', 'limit', 'offset'],
  export: ['format', 'out', 'chart', 'table', 'metric', 'width', 'height'],
  import: ['json'],
  profile: ['json'],
};
const BOOLEAN = new Set(['json', 'save', 'force', 'all', 'series', 'remove', 'markdown']);
const PROFILES = ['vtd', 'dart-16k', '/dev/zero', FIFO, join('__DIR__', 'deep.json'), join('__DIR__', 'binary.json'), '/proc/self/status', CONTROL, ''];
const STRATEGIES = ['strict', 'strict,lazy', 'all', 'strict,strict', 'iopf:premap=1e9', CONTROL, ''];
const WORKLOADS = ['fio:rw=read,bs=4k,number_ios=300', 'accel:times=5', 'dmabench:seconds=1,threads=1,granule=64', 'fio:size=999999g', 'fio:number_ios=10000000000',
  'dmabench:seconds=300,threads=1024', 'accel:msg_len=1g,times=10000000', '/dev/zero', FIFO, join('__DIR__', 'bad.fio'), CONTROL, ''];

const argvArb = fc.tuple(
  fc.constantFrom(...COMMANDS),
  fc.array(fc.constantFrom(...POSITIONALS), { maxLength: 2 }),
  fc.tuple(fc.constantFrom(...PROFILES), fc.constantFrom(...STRATEGIES), fc.constantFrom(...WORKLOADS), fc.nat({ max: 7 })),
  fc.array(fc.tuple(fc.nat(), fc.constantFrom(...FLAGS), fc.constantFrom(...VALUES)), { maxLength: 4 }),
).map(([cmd, pos, [profile, strategy, workload, drop], flags]) => {
  const argv = [cmd, ...(cmd === 'run' || cmd === 'sweep' ? [] : pos.map(fill))];
  if (cmd === 'run' || cmd === 'sweep') {
    // The required flags, each left out now and then.
    if (drop !== 1) argv.push('--profile', fill(profile));
    if (drop !== 2) argv.push('--strategy', fill(strategy));
    if (drop !== 3) argv.push('--workload', fill(workload));
  }
  for (const [pick, f, v] of flags) {
    const known = KNOWN[cmd] ?? [];
    const name = known.length && pick % 5 ? known[pick % known.length] : f;
    if (name === 'db') continue; // the database is chosen below, per call
    if (BOOLEAN.has(name)) argv.push(`--${name}`);
    else argv.push(`--${name}`, fill(v));
  }
  return argv;
});

function dbState(file: string): string {
  if (!existsSync(file)) return 'absent';
  const s = new RunStore(file, { noReap: true });
  try {
    return JSON.stringify(s.db.prepare('SELECT (SELECT count(*) FROM runs) r, (SELECT count(*) FROM results) x, (SELECT count(*) FROM profiles) p, (SELECT count(*) FROM sweeps) s, (SELECT count(*) FROM run_tags) t, (SELECT group_concat(name) FROM runs) n').get());
  } finally {
    s.close();
  }
}

describe('fuzzed command lines', () => {
  it('exit 0 or exit 2 with one line; bounded time and memory; a refusal writes nothing', async () => {
    let calls = 0;
    let n = 0;
    const outDir = join(t.dir, 'out');
    mkdirSync(outDir);
    await fc.assert(fc.asyncProperty(argvArb, fc.boolean(), async (argv, useSeeded) => {
      calls++;
      // Either the seeded database (refusals must leave it as it was) or a fresh path (must stay absent).
      const db = useSeeded ? seededDb : join(t.dir, `fresh-${n++}.db`);
      const full = [...argv, '--db', db];
      const outIdx = full.indexOf('--out');
      if (outIdx >= 0 && !['-', ''].includes(full[outIdx + 1])) full[outIdx + 1] = join(outDir, `o-${n}`);
      const before = dbState(db);
      const outsBefore = readdirSync(outDir).length;
      const t0 = Date.now();
      const r = await cli(...full);
      const ms = Date.now() - t0;
      const what = full.join(' ');
      expect(ms, what).toBeLessThan(PER_CALL_MS);
      expect([0, 2], `${what}\n${r.err}`).toContain(r.code);
      // Nothing raw reaches the terminal: no escape, bell or NUL characters.
      expect(r.out + r.err, what).not.toMatch(/[\u0000\u0007\u001b\u202e]/);
      if (r.code === 2) {
        expect(r.err.trimEnd().split('\n'), `${what}\n${r.err}`).toHaveLength(1);
        expect(dbState(db), what).toBe(before);
        expect(readdirSync(outDir).length, what).toBe(outsBefore);
      }
      expect(process.memoryUsage().rss).toBeLessThan(RSS_CEILING);
    }), { seed: 20261129, numRuns: 140, endOnFailure: true });
    expect(calls).toBeGreaterThanOrEqual(140);
  }, 120_000);

  it('the reported inputs are refused at once: /dev/zero, FIFOs and runs of days', async () => {
    const cases: string[][] = [
      ['run', '--profile', '/dev/zero', '--strategy', 'strict', '--workload', SMALL_FIO],
      ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', '/dev/zero'],
      ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', FIFO],
      ['import', '/dev/zero'],
      ['import', FIFO],
      ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:size=999999g'],
      ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:number_ios=10000000000'],
      ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'dmabench:seconds=300,threads=1024', '--save'],
      ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'accel:msg_len=1g,times=10000000'],
      ['sweep', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:number_ios=1000000000', '--vary', 'bs=4k,8k', '--save'],
    ];
    for (const argv of cases) {
      const db = join(t.dir, `refused-${cases.indexOf(argv)}.db`);
      const t0 = Date.now();
      const r = await cli(...argv, '--db', db);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/character device|FIFO|over the limit/);
      expect(Date.now() - t0).toBeLessThan(PER_CALL_MS);
      expect(existsSync(db), argv.join(' ')).toBe(false);
    }
  }, 120_000);
});

describe('fuzzed HTTP operations', () => {
  let host: HostService;
  let server: WebServer;
  beforeAll(async () => {
    host = createHostService({ dbPath: t.db('http.db'), workers: 1 });
    server = await startWebServer({ host: { ops: OP_NAMES, dispatch: (op, a) => host.dispatch(op, a) }, rendererDir: t.dir, port: 0, token: 'fz', maxBodyBytes: 4 * 1024 * 1024 });
  });
  afterAll(async () => {
    await server?.close();
    await host?.close();
  });

  const state = () => JSON.stringify(host.store.db.prepare('SELECT (SELECT count(*) FROM runs) r, (SELECT count(*) FROM results) x, (SELECT count(*) FROM profiles) p, (SELECT count(*) FROM sweeps) s, (SELECT count(*) FROM run_tags) t').get());

  const valid: Record<string, unknown> = {
    'runs:start': { profileId: 'vtd', strategies: ['strict'], workload: 'fio:number_ios=200' },
    'sweeps:start': { profileIds: ['vtd'], strategies: ['strict'], workload: 'fio:number_ios=200', vary: [{ key: 'bs', values: ['4k', '8k'] }] },
    'profiles:save': { profile: { id: 'x' } },
    'export:import': { bundle: '{"format":"iommu-lab-bundle"}' },
    'runs:list': { limit: 5 },
  };
  const hostile = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.constantFrom<unknown>('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', CONTROL, 1e308, -0, '__proto__'),
  );
  /** A valid argument object with one field replaced by something hostile. */
  const mutated = fc.tuple(fc.constantFrom(...Object.keys(valid)), fc.string({ maxLength: 12 }), hostile).map(([op, key, v]) => {
    const base = { ...(valid[op] as Record<string, unknown>) };
    const keys = Object.keys(base);
    const k = keys.length && key.length % 2 ? keys[key.length % keys.length] : key;
    base[k] = v;
    return { op, args: base as unknown };
  });
  const random = fc.tuple(fc.oneof(fc.constantFrom(...OP_NAMES), fc.string({ maxLength: 20 })), hostile).map(([op, args]) => ({ op, args }));

  it('never a 5xx: a result or a 4xx with one line, in bounded time; refused writes change nothing', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(mutated, random), async ({ op, args }) => {
      const before = state();
      const t0 = Date.now();
      const res = await fetch(`${server.url}api/${encodeURIComponent(op)}`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer fz' }, body: JSON.stringify(args),
      });
      const body = (await res.json()) as { ok: boolean; error?: { message: string } };
      expect(Date.now() - t0).toBeLessThan(PER_CALL_MS);
      expect(res.status, `${op} ${JSON.stringify(args).slice(0, 200)}: ${JSON.stringify(body).slice(0, 300)}`).toBeLessThan(500);
      if (res.status >= 400) {
        expect(body.ok).toBe(false);
        expect(body.error!.message.split('\n')).toHaveLength(1);
        expect(state(), op).toBe(before);
      }
    }), { seed: 42, numRuns: 200, endOnFailure: true });
    await host.jobs.shutdown();
  }, 120_000);
});

describe('fuzzed bundles', () => {
  let bundle: Record<string, any>;
  beforeAll(async () => {
    const out = join(t.dir, 'seed-bundle.json');
    const r = await cli('export', runId, '--format', 'json', '--out', out, '--db', seededDb);
    expect(r.code, r.err).toBe(0);
    bundle = JSON.parse((await import('node:fs')).readFileSync(out, 'utf8'));
  });

  /** Replace the value at a random path of the bundle with a hostile one. */
  function mutate(b: unknown, picks: number[], value: unknown): unknown {
    const copy = structuredClone(b) as any;
    let node = copy;
    for (let i = 0; i < picks.length; i++) {
      if (!node || typeof node !== 'object') break;
      const keys = Object.keys(node);
      if (!keys.length) break;
      const k = keys[picks[i] % keys.length];
      if (i === picks.length - 1 || !node[k] || typeof node[k] !== 'object') {
        node[k] = value;
        break;
      }
      node = node[k];
    }
    return copy;
  }

  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = { a: deep };
  const hostile = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom<unknown>(deep, CONTROL, 1e308, -1, 2 ** 53, '', null, [], {}, 'x'.repeat(300)),
  );

  it('import: all or nothing, never an internal error, one line; imported names chart and print safely', async () => {
    const db = t.db('bundles.db');
    const host = createHostService({ dbPath: db, workers: 1 });
    const state = () => JSON.stringify(host.store.db.prepare('SELECT (SELECT count(*) FROM runs) r, (SELECT count(*) FROM results) x, (SELECT count(*) FROM profiles) p').get());
    try {
      await fc.assert(fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), hostile, fc.nat({ max: 9 }), async (picks, value, cut) => {
        let text = JSON.stringify(mutate(bundle, picks, value));
        if (cut === 0) text = text.slice(0, Math.floor(text.length / 2));
        const before = state();
        const t0 = Date.now();
        const r = await host.dispatch('export:import', { bundle: text });
        expect(Date.now() - t0).toBeLessThan(PER_CALL_MS);
        if (!r.ok) {
          expect(r.error.code, r.error.message).not.toBe('internal');
          expect(r.error.message.split('\n')).toHaveLength(1);
          expect(state()).toBe(before);
        } else {
          for (const id of (r.result as { runIds: string[] }).runIds) {
            const svg = await host.dispatch('export:run', { runId: id, format: 'svg', chart: 'throughput' });
            expect(svg.ok).toBe(true);
            if (svg.ok) expect((svg.result as { data: string }).data).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
            await host.call('runs:delete', { runId: id });
          }
        }
      }), { seed: 7, numRuns: 150, endOnFailure: true });
    } finally {
      await host.close();
    }
  }, 120_000);
});
