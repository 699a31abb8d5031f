import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ContractError, CHART_KINDS, type RunDetail } from '../../core/contract.ts';
import { createHostService, type HostService } from '../../electron/host/service.ts';
import { parseBundle } from '../../electron/host/bundle.ts';
import { builtInProfile } from '../../core/index.ts';
import { SMALL_FIO, tempDir } from './helpers.ts';

const t = tempDir();
let host: HostService;
let runA: string;
let runB: string;
let sweepId: string;

beforeAll(async () => {
  host = createHostService({ dbPath: t.db('src.db'), workers: 2 });
  await host.api['profiles:save']({ profile: { ...builtInProfile('vtd'), id: 'lab-vtd', name: 'Lab VT-d' } });
  const a = await host.api['runs:start']({ profileId: 'lab-vtd', strategies: ['strict,lazy,bounce-pool'], workload: SMALL_FIO, replications: 5, name: 'A "quoted", name', tags: ['x'], notes: 'line 1\nline 2', saved: true });
  const b = await host.api['runs:start']({ profileId: 'smmuv3', strategies: ['strict,lazy,swiotlb'], workload: SMALL_FIO, replications: 5, seed: 11, saved: true });
  runA = a.runId;
  runB = b.runId;
  await host.waitRun(runA);
  await host.waitRun(runB);
  const s = await host.api['sweeps:start']({ profileIds: ['vtd'], strategies: ['strict,bounce-pool'], workload: 'fio:rw=read,iodepth=4,number_ios=500', vary: [{ key: 'bs', values: ['4k', '16k', '128k'] }], saved: true });
  sweepId = s.sweepId;
  await host.waitSweep(sweepId);
}, 60_000);

afterAll(async () => {
  await host.close();
  t.cleanup();
});

function isPng(b64: string): boolean {
  const b = Buffer.from(b64, 'base64');
  return b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) && b.length > 2000 && b.subarray(-8, -4).toString('latin1') === 'IEND';
}

function wellFormedSvg(svg: string): void {
  expect(svg.startsWith('<?xml')).toBe(true);
  const open = /<svg\b[^>]*>/.exec(svg)![0];
  expect(open).toContain('xmlns="http://www.w3.org/2000/svg"');
  expect(open).toContain('width="900"');
  expect(open).toContain('height="500"');
  // A real SVG parser accepts it (resvg throws on malformed XML/SVG).
  expect(new Resvg(svg).width).toBe(900);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  // Balanced tags: every opened element is closed.
  const stack: string[] = [];
  for (const m of svg.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>/g)) {
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]);
  }
  expect(stack).toEqual([]);
}

describe('exports', () => {
  it('charts every run chart as well-formed SVG and PNG (no browser)', async () => {
    for (const chart of CHART_KINDS.filter((c) => c !== 'diff' && c !== 'sweep')) {
      const svg = await host.api['export:run']({ runId: runA, format: 'svg', chart });
      expect(svg).toMatchObject({ mimeType: 'image/svg+xml', encoding: 'utf8' });
      wellFormedSvg(svg.data);
      expect(svg.data).toContain('strict');
    }
    const png = await host.api['export:run']({ runId: runA, format: 'png', chart: 'throughput' });
    expect(png).toMatchObject({ mimeType: 'image/png', encoding: 'base64' });
    expect(png.filename).toMatch(/\.png$/);
    expect(isPng(png.data)).toBe(true);
    const ihdr = Buffer.from(png.data, 'base64');
    expect(ihdr.readUInt32BE(16)).toBe(1800);
    expect(ihdr.readUInt32BE(20)).toBe(1000);
  });

  it('labels charts with titles, units and legends', async () => {
    const svg = (await host.api['export:run']({ runId: runA, format: 'svg', chart: 'throughput' })).data;
    expect(svg).toContain('Throughput by strategy');
    expect(svg).toContain('MiB/s');
    const lat = (await host.api['export:run']({ runId: runA, format: 'svg', chart: 'latency' })).data;
    expect(lat).toContain('latency (µs)');
  });

  it('writes CSV summary and series, and Markdown', async () => {
    const csv = (await host.api['export:run']({ runId: runA, format: 'csv' })).data;
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('run_id,strategy,metric,unit,n,median,mean,min,max,spread_pct');
    expect(lines.some((l) => l.startsWith(`${runA},lazy,throughputMiBps,MiB/s,5,`))).toBe(true);
    const series = await host.api['export:run']({ runId: runA, format: 'csv', table: 'series' });
    expect(series.filename).toMatch(/-series\.csv$/);
    expect(series.data.split('\r\n')[0]).toBe('strategy,replication,t_us,throughput_mibps,bounce_bytes,pinned_bytes,iova_bytes');
    const md = (await host.api['export:run']({ runId: runA, format: 'md' })).data;
    expect(md).toContain('| strategy');
    const rows = md.split('\n').filter((l) => l.startsWith('|'));
    expect(new Set(rows.map((l) => [...l].length)).size).toBe(1); // aligned in a monospace font
  });

  it('exports a diff as Markdown with ~, p-values and a geomean row, and as a chart', async () => {
    const md = (await host.api['export:diff']({ a: runA, b: runB, format: 'md' })).data;
    expect(md).toContain('profile.id');
    expect(md).toMatch(/geomean/);
    expect(md).toMatch(/p=0\.\d{3} n=5\+5/);
    const png = await host.api['export:diff']({ a: runA, b: runB, format: 'png', metric: 'latencyUs.p99' });
    expect(isPng(png.data)).toBe(true);
    await expect(host.api['export:diff']({ a: runA, b: runB, format: 'svg', metric: 'nope' })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('exports a sweep as CSV, Markdown and its crossover chart', async () => {
    const d = await host.api['sweeps:get']({ sweepId });
    expect(d.points).toHaveLength(3);
    const csv = (await host.api['export:sweep']({ sweepId, format: 'csv' })).data;
    expect(csv.split('\r\n')[0]).toBe('point,run_id,status,profile,bs,strategy,throughputMiBps (MiB/s)');
    wellFormedSvg((await host.api['export:sweep']({ sweepId, format: 'svg' })).data);
  });
});

describe('JSON bundles', () => {
  async function fresh(): Promise<{ h: HostService; done: () => Promise<void> }> {
    const d = tempDir();
    const h = createHostService({ dbPath: d.db(), workers: 1 });
    return { h, done: async () => { await h.close(); d.cleanup(); } };
  }

  function comparable(d: RunDetail): RunDetail {
    return d;
  }

  it('round-trip a run into a fresh database: identical runs', async () => {
    const file = await host.api['export:run']({ runId: runA, format: 'json' });
    const { h, done } = await fresh();
    try {
      const r = await h.api['export:import']({ bundle: file.data });
      expect(r.runIds).toEqual([runA]);
      expect(r.profilesImported).toEqual(['lab-vtd']);
      const original = await host.api['runs:get']({ runId: runA });
      const copy = await h.api['runs:get']({ runId: runA });
      expect(comparable(copy)).toEqual(comparable(original));
      // Importing twice changes nothing.
      const again = await h.api['export:import']({ bundle: file.data });
      expect(again).toMatchObject({ runIds: [], skipped: [runA] });
      // And exporting the copy gives the same runs back.
      const file2 = await h.api['export:run']({ runId: runA, format: 'json' });
      expect(JSON.parse(file2.data).runs).toEqual(JSON.parse(file.data).runs);
    } finally {
      await done();
    }
  });

  it('round-trip a diff and a sweep', async () => {
    const diff = await host.api['export:diff']({ a: runA, b: runB, format: 'json' });
    const sweep = await host.api['export:sweep']({ sweepId, format: 'json' });
    const { h, done } = await fresh();
    try {
      expect((await h.api['export:import']({ bundle: diff.data })).runIds.sort()).toEqual([runA, runB].sort());
      expect(await h.api['runs:diff']({ a: runA, b: runB })).toEqual(await host.api['runs:diff']({ a: runA, b: runB }));
      const r = await h.api['export:import']({ bundle: sweep.data });
      expect(r.sweepIds).toEqual([sweepId]);
      const a = await host.api['sweeps:get']({ sweepId });
      const b = await h.api['sweeps:get']({ sweepId });
      expect(b).toEqual(a);
      for (const p of a.points) expect(await h.api['runs:get']({ runId: p.runId! })).toEqual(await host.api['runs:get']({ runId: p.runId! }));
    } finally {
      await done();
    }
  });
});

describe('fuzzed bad input', () => {
  let bundleText: string;
  let target: HostService;
  let cleanup: () => void;
  beforeAll(async () => {
    bundleText = (await host.api['export:run']({ runId: runB, format: 'json' })).data;
    const d = tempDir();
    cleanup = d.cleanup;
    target = createHostService({ dbPath: d.db(), workers: 1 });
  });
  afterAll(async () => {
    await target.close();
    cleanup();
  });

  const counts = () => {
    const db = target.store.db;
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return { runs: n('SELECT count(*) AS n FROM runs'), results: n('SELECT count(*) AS n FROM results'), profiles: n('SELECT count(*) AS n FROM profiles'), sweeps: n('SELECT count(*) AS n FROM sweeps') };
  };

  function paths(v: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
    out.push(prefix);
    if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => paths(x, [...prefix, i], out));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
    return out;
  }

  const junk = fc.oneof(
    fc.constant(null), fc.constant(-1), fc.constant(1e308), fc.constant(-0.5), fc.constant(''), fc.constant('x'.repeat(5000)),
    fc.constant([]), fc.constant({}), fc.constant(true), fc.string(), fc.integer(), fc.double(), fc.constant({ __proto__: { x: 1 } }),
  );

  it('malformed bundles give validation errors only and write nothing', async () => {
    const base = JSON.parse(bundleText);
    const all = paths(base).filter((p) => p.length > 0);
    const before = counts();
    await fc.assert(fc.asyncProperty(fc.nat(all.length - 1), junk, fc.boolean(), async (i, value, remove) => {
      const b = JSON.parse(bundleText);
      const p = all[i];
      let o = b;
      for (const k of p.slice(0, -1)) o = o[k];
      if (remove) delete o[p[p.length - 1]];
      else o[p[p.length - 1]] = value;
      const r = await target.dispatch('export:import', { bundle: JSON.stringify(b) });
      if (r.ok) {
        // A harmless change (e.g. a new name): the whole run went in; take it out again.
        const id = (r.result as { runIds: string[] }).runIds[0];
        if (id) await target.api['runs:delete']({ runId: id });
        for (const pid of (r.result as { profilesImported: string[] }).profilesImported) await target.api['profiles:delete']({ id: pid });
      } else {
        expect(r.error.code).toBe('invalid');
        expect(r.error.message).toMatch(/^bundle: |^export:import: /);
      }
      expect(counts()).toEqual(before);
    }), { numRuns: 150 });
  }, 60_000);

  it('text that is not a bundle at all is refused', async () => {
    const before = counts();
    for (const text of ['', 'null', '[]', '{', '{"format":"iommu-lab-bundle","version":99}', bundleText.slice(0, bundleText.length / 2), '\u0000\u0001', JSON.stringify({ ...JSON.parse(bundleText), runs: 'x' })]) {
      const r = await target.dispatch('export:import', { bundle: text });
      expect(r.ok, text.slice(0, 40)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('invalid');
    }
    expect(await target.dispatch('export:import', { bundle: 42 })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(counts()).toEqual(before);
  });

  it('a bundle whose second run is bad imports nothing (all or nothing)', async () => {
    const b = JSON.parse(bundleText);
    const good = b.runs[0];
    const bad = { ...structuredClone(good), id: 'other00001', results: [{ ...good.results[0], strategyIndex: 40 }] };
    b.runs = [good, bad];
    const before = counts();
    await expect(target.api['export:import']({ bundle: JSON.stringify(b) })).rejects.toBeInstanceOf(ContractError);
    expect(counts()).toEqual(before);
    expect(() => parseBundle(JSON.stringify(b))).toThrow(/runs\.1\.results\.0\.strategyIndex/);
  });

  it('wrong-typed or out-of-range profiles and run arguments are refused without writes', async () => {
    const vtd = builtInProfile('vtd');
    const before = counts();
    const mutations: Array<(p: any) => void> = [
      (p) => { p.cpu.cores = 'eight'; },
      (p) => { p.cpu.cores = 0; },
      (p) => { p.iommu.granuleBytes = 3000; },
      (p) => { p.device.bandwidthBytesPerSec = -1; },
      (p) => { p.id = '../../etc/passwd'; },
      (p) => { p.iommu = null; },
      (p) => { p.name = 'x'.repeat(10_000); },
      (p) => { p.extra = 1; },
    ];
    for (const m of mutations) {
      const p = structuredClone({ ...vtd, id: 'fuzzed' });
      m(p);
      const r = await target.dispatch('profiles:save', { profile: p });
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid' } });
      const s = await target.dispatch('runs:start', { profile: p, strategies: ['strict'], workload: SMALL_FIO });
      expect(s).toMatchObject({ ok: false, error: { code: 'invalid' } });
    }
    await fc.assert(fc.asyncProperty(fc.record({
      strategies: fc.array(fc.string(), { maxLength: 3 }),
      workload: fc.string(),
      seed: fc.oneof(fc.integer(), fc.double(), fc.string()),
      replications: fc.oneof(fc.integer({ min: -10, max: 10_000 }), fc.string()),
    }), async (a) => {
      const r = await target.dispatch('runs:start', { profileId: 'vtd', ...a });
      if (r.ok) await target.jobs.waitRun((r.result as { runId: string }).runId);
      else expect(r.error.code).toBe('invalid');
    }), { numRuns: 100 });
    expect(counts().profiles).toBe(before.profiles);
  }, 60_000);
});
