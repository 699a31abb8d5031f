/**
 * `import` of a corrupted bundle writes nothing — not even a new database file — and a bundle
 * whose finished run lost some of its results (truncated or hand-edited) is refused.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { parseBundle } from '../../electron/host/bundle.ts';
import { SMALL_FIO, tempDir } from './helpers.ts';

const t = tempDir();
afterAll(() => t.cleanup());
const db = t.db();
let bundlePath = '';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, isTTY: false });
  return { code, out, err };
}

beforeAll(async () => {
  const r = await cli('run', '--profile', 'vtd', '--strategy', 'strict,lazy', '--workload', SMALL_FIO, '--save', '--replications', '2', '--db', db);
  expect(r.code, r.err).toBe(0);
  bundlePath = join(t.dir, 'run.json');
  expect((await cli('export', r.out.trim(), '--format', 'json', '--out', bundlePath, '--db', db)).code).toBe(0);
}, 30_000);

describe('import of a corrupted bundle', () => {
  it('exits 2 and does not create the target database', async () => {
    const text = readFileSync(bundlePath, 'utf8');
    const truncated = join(t.dir, 'truncated.json');
    writeFileSync(truncated, text.slice(0, Math.floor(text.length / 3)));
    const target = t.db('fresh.db');
    const r = await cli('import', truncated, '--db', target);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}-wal`)).toBe(false);
  });

  it('refuses a done run with a result missing, naming where', async () => {
    const b = JSON.parse(readFileSync(bundlePath, 'utf8'));
    expect(b.runs[0].results).toHaveLength(4);
    b.runs[0].results.pop();
    const lossy = join(t.dir, 'lossy.json');
    writeFileSync(lossy, JSON.stringify(b));
    expect(() => parseBundle(JSON.stringify(b))).toThrow(/runs\.0\.results: a done run needs 4 results .* found 3/);
    const target = t.db('lossy.db');
    const r = await cli('import', lossy, '--db', target);
    expect(r.code).toBe(2);
    expect(existsSync(target)).toBe(false);
  });

  it('still imports cancelled or interrupted runs with the results they kept', () => {
    const b = JSON.parse(readFileSync(bundlePath, 'utf8'));
    b.runs[0].results.pop();
    b.runs[0].status = 'cancelled';
    expect(parseBundle(JSON.stringify(b)).runs[0].results).toHaveLength(3);
  });

  it('a sound bundle still goes into a fresh database', async () => {
    const r = await cli('import', bundlePath, '--db', t.db('ok.db'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/imported 1 run/);
  });
});
