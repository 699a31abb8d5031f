/**
 * End-to-end (web mode, Chromium): a user pastes a .fio job file with two jobs into Experiment and
 * sees what was understood (jobs, groups, modelled and not-modelled options), runs it, and finds
 * per-job results stored with the run. Screenshot: docs/screenshots/experiment-fio-two-jobs.png.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { assert, skip, type Suite } from './harness.ts';
import { ROOT, startServe, type ServeProcess } from './serve-process.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './web.e2e.ts';

const state: { srv?: ServeProcess; browser?: Browser; page?: Page; errors: string[] } = { errors: [] };
const tid = (id: string): string => `[data-testid="${id}"]`;

const TWO_JOBS = `; two jobs at once, then a third after a stonewall
[global]
ioengine=libaio
direct=1
size=8m
description=reader and writer
write_lat_log=lat

[reader]
rw=randread
bs=4k
iodepth=16

[writer]
rw=write
bs=128k
iodepth=4
random_generator=lfsr
`;

export const inputsSuite: Suite = {
  name: 'inputs',
  async setup() {
    if (!existsSync(CHROMIUM)) skip(`no Chromium at ${CHROMIUM}`);
    state.srv = await startServe();
    state.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const ctx = await state.browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, colorScheme: 'light' });
    state.page = await ctx.newPage();
    state.page.on('pageerror', (e) => state.errors.push(`pageerror: ${e.message}`));
  },
  async teardown() {
    await state.browser?.close().catch(() => {});
    if (state.srv) await state.srv.stop('SIGTERM');
  },
  tests: [
    {
      name: 'pasting a .fio with two jobs shows the understood jobs, groups and options',
      timeoutMs: 90_000,
      async fn() {
        const p = state.page!;
        await p.goto(`${state.srv!.url}?token=${state.srv!.token}#/experiment`);
        await p.click(tid('workload-mode-paste'));
        await p.fill(tid('workload-paste'), TWO_JOBS);
        await p.waitForSelector(tid('workload-understood'));
        const lines = await p.locator(`${tid('workload-understood')} .line`).allTextContents();
        assert(lines[0]?.startsWith('job file: 2 jobs in 1 group'), `summary line: ${lines[0]}`);
        assert(lines.some((l) => /^\s*\[reader\] group 0/.test(l)) && lines.some((l) => /^\s*\[writer\] group 0/.test(l)), `both jobs listed: ${lines.join(' | ')}`);
        assert(lines.some((l) => /modelled: .*rw=randread bs=4k iodepth=16/.test(l)), 'reader options modelled');
        assert(lines.some((l) => /not modelled \(no effect on DMA mapping\): .*description=reader and writer .*write_lat_log=lat .*random_generator=lfsr/.test(l)), 'writer lists its not-modelled options');
        const canonical = await p.textContent(tid('workload-canonical'));
        assert(/--name=reader .* --name=writer /.test(canonical ?? ''), `canonical text has both jobs: ${canonical}`);
        mkdirSync(path.join(ROOT, 'docs', 'screenshots'), { recursive: true });
        await p.screenshot({ path: path.join(ROOT, 'docs', 'screenshots', 'experiment-fio-two-jobs.png') });
        // An unknown option is refused as fio refuses it, in one line naming file:line.
        await p.fill(tid('workload-paste'), `${TWO_JOBS}bogus_option=1\n`);
        await p.waitForFunction(() => /pasted:\d+: fio option: invalid value "bogus_option"/.test(document.querySelector('[data-testid="workload-error"]')?.textContent ?? ''));
        assert(state.errors.length === 0, `no page errors: ${state.errors.join('; ')}`);
      },
    },
    {
      name: "pasting fio's JSON result shows the measured jobs and compares them with the simulation",
      timeoutMs: 90_000,
      needs: ['pasting a .fio with two jobs shows the understood jobs, groups and options'],
      async fn() {
        const p = state.page!;
        const json = readFileSync(path.join(ROOT, 'tests', 'fixtures', 'fio-json', 'libaio-two-jobs.json'), 'utf8');
        await p.fill(tid('workload-paste'), json);
        await p.waitForSelector(tid('fio-compare'));
        const lines = await p.locator(`${tid('workload-understood')} .line`).allTextContents();
        assert(lines.some((l) => /measured \[seqread\]: [\d.]+ MiB\/s/.test(l)), `measured figures listed: ${lines.slice(0, 3).join(' | ')}`);
        await p.click(tid('fio-compare-run'));
        await p.waitForSelector(tid('fio-compare-table'), { timeout: 60_000 });
        const rows = await p.locator(`${tid('fio-compare-table')} tbody tr`).count();
        assert(rows === 16, `8 figures for each of the 2 jobs, got ${rows}`);
        await p.screenshot({ path: path.join(ROOT, 'docs', 'screenshots', 'experiment-fio-json-compare.png') });
        assert(state.errors.length === 0, `no page errors: ${state.errors.join('; ')}`);
      },
    },
  ],
};
