/**
 * Regression tests from a QA pass of the command line as a new user meets it: every piece of bad
 * input exits 2 with one line naming the field, the value and what is allowed, and is refused
 * before any work or any write.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli-harness.ts';
import { RunStore } from '../../electron/host/store.ts';
import { SMALL_FIO, tempDir } from './helpers.ts';

const t = tempDir();
afterAll(() => t.cleanup());
const db = t.db();

/** Exit 2, exactly one line on stderr, nothing on stdout, and the line names the value. */
async function expectBadInput(argv: string[], value: string, field: RegExp): Promise<string> {
  const r = await cli(...argv);
  const what = argv.join(' ');
  expect(r.code, `${what}\n${r.err}`).toBe(2);
  expect(r.out, what).toBe('');
  const lines = r.err.trimEnd().split('\n');
  expect(lines, what).toHaveLength(1);
  expect(lines[0], what).toContain(`"${value}"`);
  expect(lines[0], what).toMatch(field);
  expect(lines[0], what).toContain('allowed:');
  return lines[0];
}

const RUN = ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', SMALL_FIO];

let runId = '';
beforeAll(async () => {
  const r = await cli(...RUN, '--save', '--db', db);
  expect(r.code, r.err).toBe(0);
  runId = r.out.trim();
}, 30_000);

describe('flags', () => {
  it('an unknown flag last on the line is reported as unknown, not as a flag missing its value', async () => {
    const line = await expectBadInput([...RUN, '--jsn'], '--jsn', /^run flag/);
    expect(line).toContain('--json');
  });

  it('a flag followed by another flag is missing its value (it does not swallow the next flag)', async () => {
    await expectBadInput([...RUN, '--save', '--name', '--tag', 'x', '--db', db], '(missing)', /^--name/);
    await expectBadInput([...RUN, '--seed'], '(missing)', /^--seed/);
    // Nothing was saved under the name "--tag".
    const s = new RunStore(db);
    expect(s.listRuns({ savedOnly: false }).total).toBe(1);
    s.close();
  });

  it('negative numbers and "-" are still values', async () => {
    await expectBadInput([...RUN, '--seed', '-1'], '-1', /^--seed/);
    const r = await cli('export', runId, '--format', 'md', '--out', '-', '--db', db);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('|');
  });

  it('stray positional arguments are refused instead of being ignored', async () => {
    await expectBadInput([...RUN, 'lazy'], 'lazy', /^run argument/);
    await expectBadInput(['profiles', 'vtd'], 'vtd', /^profiles argument/);
    await expectBadInput(['strategies', 'strict'], 'strict', /^strategies argument/);
    await expectBadInput(['runs', 'show', runId, 'extra', '--db', db], 'extra', /^runs show argument/);
    await expectBadInput(['import', 'a.json', 'b.json', '--db', db], 'b.json', /^import argument/);
  });

  it('--help and `help COMMAND` print the usage of a command with exit 0', async () => {
    for (const argv of [['run', '--help'], ['runs', '--help'], ['help', 'sweep'], ['export', '-h']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out, argv.join(' ')).toMatch(/^usage: iommu-lab /);
      expect(r.err).toBe('');
    }
  });
});

describe('ids and store flags', () => {
  it('unknown, too short and ambiguous run ids name the field, the value and what is allowed', async () => {
    await expectBadInput(['runs', 'show', 'nope', '--db', db], 'nope', /^run id/);
    await expectBadInput(['runs', 'show', runId.slice(0, 3), '--db', db], runId.slice(0, 3), /^run id/);
    await expectBadInput(['runs', 'rm', 'zzzzzz', '--db', db], 'zzzzzz', /^run id/);
    await expectBadInput(['runs', 'tag', 'zzzzzz', 'x', '--db', db], 'zzzzzz', /^run id/);
    await expectBadInput(['diff', runId, 'zzzzzz', '--db', db], 'zzzzzz', /^run B/);
    await expectBadInput(['export', 'zzzzzz', '--format', 'json', '--db', db], 'zzzzzz', /^export id/);
  });

  it('--status, --chart, --table and --metric are checked with the allowed values listed', async () => {
    expect(await expectBadInput(['runs', '--status', 'finished', '--db', db], 'finished', /^--status/)).toContain('interrupted');
    expect(await expectBadInput(['export', runId, '--format', 'png', '--chart', 'pie', '--db', db], 'pie', /^--chart/)).toContain('latency');
    await expectBadInput(['export', runId, '--format', 'csv', '--table', 'all', '--db', db], 'all', /^--table/);
    await expectBadInput(['export', runId, '--format', 'png', '--metric', 'iops', '--db', db], 'iops', /^--metric/);
    expect(await expectBadInput(['export', runId, runId, '--format', 'png', '--metric', 'speed', '--db', db], 'speed', /^--metric/)).toContain('throughputMiBps');
  });

  it('an unwritable --out is bad input (exit 2), not an internal error', async () => {
    await expectBadInput(['export', runId, '--format', 'csv', '--out', join(t.dir, 'no', 'such', 'dir', 'x.csv'), '--db', db], join(t.dir, 'no', 'such', 'dir', 'x.csv'), /^--out/);
    await expectBadInput(['export', runId, '--format', 'csv', '--out', t.dir, '--db', db], t.dir, /^--out/);
  });

  it('sweep --metric is checked before the sweep runs, so nothing is saved', async () => {
    const other = t.db('metric.db');
    await expectBadInput(['sweep', '--profile', 'vtd', '--strategy', 'strict', '--workload', SMALL_FIO, '--vary', 'bs=4k,16k', '--metric', 'bogus', '--save', '--db', other], 'bogus', /^--metric/);
    expect(existsSync(other)).toBe(false);
  });
});

describe('names, tags and strategy lists', () => {
  it('a bad --tag or too long --name names the value, before any database is created', async () => {
    const other = t.db('meta.db');
    await expectBadInput([...RUN, '--save', '--tag', 'two words', '--db', other], 'two words', /^--tag/);
    await expectBadInput(['sweep', '--profile', 'vtd', '--strategy', 'strict', '--workload', SMALL_FIO, '--vary', 'bs=4k', '--save', '--tag', 'a b', '--db', other], 'a b', /^--tag/);
    const line = await expectBadInput([...RUN, '--save', '--name', 'x'.repeat(300), '--db', other], `${'x'.repeat(37)}...`, /^--name/);
    expect(line).toContain('at most 200 characters');
    await expectBadInput(['sweep', '--profile', 'vtd', '--strategy', 'iopf:premap', '--workload', SMALL_FIO, '--vary', 'bs=4k', '--save', '--db', other], 'premap', /^strategy iopf/);
    expect(existsSync(other)).toBe(false);
    await expectBadInput(['runs', 'tag', runId, 'bad tag', '--db', db], 'bad tag', /^runs tag/);
  });

  it('a strategy named twice is refused (it printed duplicate rows and confused diffs)', async () => {
    await expectBadInput(['run', '--profile', 'vtd', '--strategy', 'strict,strict', '--workload', SMALL_FIO], 'strict', /^--strategy/);
    expect(await expectBadInput(['run', '--profile', 'vtd', '--strategy', 'lazy,all', '--workload', SMALL_FIO], 'lazy', /^--strategy/)).toContain('all already lists');
    await expectBadInput(['sweep', '--profile', 'vtd', '--strategy', 'lazy,lazy', '--workload', SMALL_FIO, '--vary', 'bs=4k'], 'lazy', /^--strategy/);
    const ok = await cli('run', '--profile', 'vtd', '--strategy', 'iopf:premap=1,iopf:premap=8', '--workload', 'fio:number_ios=200');
    expect(ok.code, ok.err).toBe(0);
  });

  it('profile show / import name their own argument, not --profile', async () => {
    await expectBadInput(['profile', 'show', 'nope'], 'nope', /^profile id/);
    await expectBadInput(['profile', 'import', join(t.dir, 'none.json'), '--db', db], join(t.dir, 'none.json'), /^profile file/);
  });
});

describe('runs --all', () => {
  it('lists the points of sweeps (an interrupted sweep is visible), and --sweep ID filters them', async () => {
    const s = await cli('sweep', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:rw=read,number_ios=300', '--vary', 'bs=4k,16k', '--save', '--db', db);
    expect(s.code, s.err).toBe(0);
    const sweepId = /sweep (\w+): 2 point/.exec(s.err)![1];
    const saved = JSON.parse((await cli('runs', '--json', '--db', db)).out);
    expect(saved.items.every((r: { sweepId: string | null }) => r.sweepId === null)).toBe(true);
    const all = JSON.parse((await cli('runs', '--all', '--json', '--db', db)).out);
    expect(all.items.filter((r: { sweepId: string | null }) => r.sweepId === sweepId)).toHaveLength(2);
    const one = JSON.parse((await cli('runs', '--sweep', sweepId, '--json', '--db', db)).out);
    expect(one.total).toBe(2);
    expect((await cli('runs', '--all', '--db', db)).out).toContain(`(sweep ${sweepId})`);
    await expectBadInput(['runs', '--sweep', 'zzzzzz', '--db', db], 'zzzzzz', /^--sweep/);
  }, 30_000);
});

describe('read-only commands and --db', () => {
  it('refuse a --db that does not exist instead of creating an empty database', async () => {
    const typo = join(t.dir, 'typo.db');
    for (const argv of [['runs', '--db', typo], ['diff', runId, runId, '--db', typo], ['export', runId, '--format', 'json', '--out', join(t.dir, 'x.json'), '--db', typo]]) {
      await expectBadInput(argv, typo, /--db/);
    }
    expect(existsSync(typo)).toBe(false);
  });
});
