/**
 * End-to-end: the answer, in the web mode in Chromium. The verdict and protection on screen, the
 * protected crossover of the virtio-iommu block-size sweep, one colour per strategy across table,
 * charts and Diff, keyboard-only run → save → diff, deep links surviving a reload and Back, History
 * with 10,000 stored runs (load, search, sort, page), and the timings the README quotes: first run
 * after the server starts, Run → verdict for 8 strategies × 1M IOs idle and under a parallel test run.
 * Screenshots of the new views in both themes go to docs/screenshots.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { assert, assertEqual, skip, type Suite } from './harness.ts';
import { ROOT, startServe, type ServeProcess } from './serve-process.ts';
import { CHROMIUM, CHROMIUM_ARGS, timings } from './web.e2e.ts';
import { existsSync } from 'node:fs';

const SHOTS = path.join(ROOT, 'docs', 'screenshots');
const tid = (id: string): string => `[data-testid="${id}"]`;
const state: { srv?: ServeProcess; browser?: Browser; page?: Page; runs: Record<string, string>; sweepId?: string } = { runs: {} };

function page(): Page {
  if (!state.page) throw new Error('no page');
  return state.page;
}

async function shotBoth(name: string, settle = 350): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const p = page();
  await p.emulateMedia({ colorScheme: 'light' });
  await p.waitForTimeout(settle);
  await p.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  await p.emulateMedia({ colorScheme: 'dark' });
  await p.waitForTimeout(settle);
  await p.screenshot({ path: path.join(SHOTS, `${name}-dark.png`) });
  await p.emulateMedia({ colorScheme: 'light' });
}

async function nav(view: string): Promise<void> {
  await page().click(tid(`nav-${view}`));
  await page().waitForFunction((v) => window.location.hash === `#/${v}` || window.location.hash.startsWith(`#/${v}/`), view);
}

async function chooseStrategies(ids: string[]): Promise<void> {
  const p = page();
  await p.click(tid('strategies-none'));
  for (const id of ids) await p.check(tid(`strategy-toggle-${id}`));
}

async function onlyProfile(id: string): Promise<void> {
  const p = page();
  for (const box of await p.locator('[data-testid^="experiment-profile-"]').all()) {
    const want = (await box.getAttribute('data-testid')) === `experiment-profile-${id}`;
    if ((await box.isChecked()) !== want) await box.click();
  }
}

async function latestRunId(): Promise<string> {
  const r = await state.srv!.api('runs:list', { savedOnly: false, limit: 1 });
  return r.body.result.items[0].id as string;
}

/** Clicks Run (or presses the given key) and waits until the verdict of a finished run is on screen; ms. */
async function runToVerdict(press?: () => Promise<void>, timeoutMs = 280_000): Promise<number> {
  const p = page();
  const before = await p.evaluate(() => performance.now());
  if (press) await press();
  else await p.click(tid('run-button'));
  await p.waitForFunction(() => window.location.hash.startsWith('#/comparison/run/')
    && document.querySelector('[data-testid="comparison-status"]')?.textContent?.trim() === 'done'
    && !!document.querySelector('[data-testid="verdict-headline"]')?.textContent, undefined, { timeout: timeoutMs, polling: 'raf' });
  return (await p.evaluate(() => performance.now())) - before;
}

/** Presses Tab until the element with this test id has the focus (keyboard only). */
async function tabTo(testid: string, max = 250): Promise<void> {
  const p = page();
  for (let i = 0; i < max; i++) {
    if (await p.evaluate((t) => document.activeElement?.getAttribute('data-testid') === t, testid)) return;
    await p.keyboard.press('Tab');
  }
  const where = await p.evaluate((t) => {
    const el = document.querySelector(`[data-testid="${t}"]`) as HTMLButtonElement | null;
    return `${el ? (el.disabled ? 'it is disabled' : 'it is enabled') : 'it is not on the page'}; focus on ${document.activeElement?.tagName} ${document.activeElement?.getAttribute('data-testid') ?? ''}`;
  }, testid);
  throw new Error(`Tab never reached ${testid}: ${where}`);
}

async function colorsOf(testid: string): Promise<Record<string, string>> {
  const raw = await page().getAttribute(`${tid(testid)} .chart`, 'data-colors');
  return JSON.parse(raw ?? '{}') as Record<string, string>;
}

async function tableColors(): Promise<Record<string, string>> {
  return page().evaluate(() => {
    const out: Record<string, string> = {};
    document.querySelectorAll('[data-testid^="summary-col-"]').forEach((th) => {
      const sw = th.querySelector('.swatch');
      if (sw) out[(th.textContent ?? '').trim()] = sw.getAttribute('data-color') ?? '';
    });
    return out;
  });
}

/** 10,000 saved runs straight into a fresh database, before the server opens it. */
async function seed10k(dbPath: string): Promise<number> {
  const { RunStore } = await import('../../electron/host/store.ts');
  const core = await import('../../core/index.ts');
  const store = new RunStore(dbPath);
  const t0 = performance.now();
  try {
    const profiles = ['vtd', 'smmuv3', 'virtio-iommu'];
    const sims = profiles.map((id) => {
      const profile = core.builtInProfile(id);
      const strategy = core.parseStrategy('strict');
      const workload = core.parseWorkload('fio:rw=randread,bs=4k,iodepth=16,number_ios=500');
      const sim = core.simulateStrategy(profile, strategy, workload, 1);
      return {
        config: { profile, strategies: [strategy], workload, workloadText: core.workloadText(workload), seed: 1, replications: 1, seriesPoints: null, engineVersion: core.ENGINE_VERSION },
        result: { strategy: strategy.text, strategyIndex: 0, replication: 0, seed: 1, wallMs: 1, metrics: sim.metrics, series: { tUs: [], throughputMiBps: [], bounceBytes: [], pinnedBytes: [], iovaBytes: [] }, latencyHistogram: sim.latencyHistogram },
      };
    });
    store.db.transaction(() => {
      for (let i = 0; i < 10_000; i++) {
        const s = sims[i % 3];
        store.insertCompleteRun({ config: s.config, saved: true, name: `history run ${String(i).padStart(5, '0')}`, tags: i % 10 === 0 ? ['tenth'] : [] }, [s.result]);
      }
    })();
  } finally {
    store.close();
  }
  return performance.now() - t0;
}

export const answerSuite: Suite = {
  name: 'answer',
  async setup() {
    if (!existsSync(CHROMIUM)) skip(`no Chromium at ${CHROMIUM}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'iommu-lab-answer-'));
    const dbPath = path.join(dir, 'answer.db');
    timings['seeding 10,000 runs into the store (ms)'] = Math.round(await seed10k(dbPath));
    const t0 = Date.now();
    state.srv = await startServe({ dbPath });
    timings['server start to listening (ms)'] = Date.now() - t0;
    state.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const ctx = await state.browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    state.page = await ctx.newPage();
    await state.page.goto(state.srv.pageUrl);
    await state.page.waitForSelector(tid('run-button'));
  },
  async teardown() {
    await state.browser?.close();
    await state.srv?.stop();
  },
  tests: [
    {
      name: 'first run after the server starts: the workers were warmed at start',
      async fn() {
        const p = page();
        await nav('experiment');
        await p.click(tid('experiment-reset'));
        await onlyProfile('virtio-iommu');
        await chooseStrategies(['strict', 'bounce-pool']);
        await p.fill(tid('fio-number-ios'), '20000');
        timings['first run after server start, Run to verdict (ms)'] = Math.round(await runToVerdict());
      },
    },
    {
      name: 'the verdict ranks protected strategies; pinned is unprotected and takes no best mark',
      async fn() {
        const p = page();
        await nav('experiment');
        await p.click(tid('experiment-reset'));
        await onlyProfile('virtio-iommu');
        await chooseStrategies(['passthrough', 'strict', 'lazy', 'bounce-pool', 'pinned']);
        await p.selectOption(tid('fio-rw'), 'randread');
        await p.fill(tid('fio-bs'), '4k');
        await p.fill(tid('fio-number-ios'), '40000');
        await runToVerdict();
        state.runs.verdict = await latestRunId();
        const head = await p.textContent(tid('verdict-headline'));
        assert(/best protected strategy on throughput is bounce-pool/.test(head ?? ''), `headline: ${head}`);
        const first = await p.textContent(tid('verdict-ranked-0'));
        assert(/bounce-pool: [\d.]+× strict throughput/.test(first ?? '') && /same protection as strict/.test(first ?? ''), `ranked 0: ${first}`);
        const trade = await p.textContent(tid('verdict-tradeoffs'));
        assert(/pinned: .*gives up all protection/.test(trade ?? ''), `trade-offs: ${trade}`);
        const cols = await p.$$eval('[data-testid^="summary-col-"]', (els) => els.map((e) => (e.textContent ?? '').trim()));
        const pinned = cols.indexOf('pinned');
        assertEqual(await p.textContent(tid(`summary-protection-${pinned}`)).then((t) => t?.trim()), 'none', 'pinned protection badge');
        for (const row of ['throughputMiBps', 'latencyUs.p99', 'cpuSecondsPerGiB.total']) {
          const best = await p.getAttribute(tid(`summary-cell-${row}-${pinned}`), 'data-best');
          assert(best !== 'true', `pinned is marked best on ${row}`);
        }
        await p.waitForSelector(`${tid('chart-tradeoff')} canvas, ${tid('chart-tradeoff')} svg`);
        await shotBoth('verdict');
        await p.locator(tid('chart-tradeoff')).scrollIntoViewIfNeeded();
        await shotBoth('tradeoff');
        await p.evaluate(() => window.scrollTo(0, 0));
      },
    },
    {
      name: 'colour consistency: the same strategy has the same colour in table, bar chart, latency chart and Diff',
      needs: ['the verdict ranks protected strategies; pinned is unprotected and takes no best mark'],
      async fn() {
        const p = page();
        const table = await tableColors();
        const bars = await colorsOf('chart-throughput');
        const lat = await colorsOf('chart-latency');
        for (const [s, c] of Object.entries(table)) {
          const bar = Object.entries(bars).find(([k]) => k.endsWith(`|${s}`))?.[1];
          assertEqual(bar, c, `bar colour of ${s}`);
          assertEqual(lat[s], c, `latency colour of ${s}`);
        }
        // A second run to diff against: the same strategies at iodepth 4.
        await nav('experiment');
        await p.fill(tid('fio-iodepth'), '4');
        await runToVerdict();
        state.runs.other = await latestRunId();
        await p.goto(`${state.srv!.pageUrl}#/diff/${state.runs.verdict}/${state.runs.other}`);
        await p.waitForSelector(`${tid('chart-diff')} .chart[data-colors]`, { timeout: 60_000 });
        await p.waitForFunction(() => (document.querySelector('[data-testid="chart-diff"] .chart')?.getAttribute('data-colors') ?? '{}') !== '{}');
        const diff = await colorsOf('chart-diff');
        for (const [s, c] of Object.entries(table)) {
          const a = Object.entries(diff).find(([k]) => k.startsWith('A ') && k.endsWith(`|${s}`))?.[1];
          const b = Object.entries(diff).find(([k]) => k.startsWith('B ') && k.endsWith(`|${s}`))?.[1];
          assertEqual(a, c, `diff A colour of ${s}`);
          assertEqual(b, c, `diff B colour of ${s}`);
        }
        await p.locator(tid('chart-diff')).scrollIntoViewIfNeeded();
        await shotBoth('diff-colours');
        await p.evaluate(() => window.scrollTo(0, 0));
      },
    },
    {
      name: 'the protected crossover on the virtio-iommu bs sweep is found and located between 128k and 132k',
      timeoutMs: 300_000,
      async fn() {
        const p = page();
        await nav('experiment');
        await p.click(tid('experiment-reset'));
        await onlyProfile('virtio-iommu');
        await chooseStrategies(['passthrough', 'strict', 'lazy', 'bounce-pool']);
        await p.selectOption(tid('fio-rw'), 'read');
        await p.fill(tid('fio-number-ios'), '5000');
        await p.check(tid('sweep-enabled'));
        await p.fill(tid('sweep-key'), 'bs');
        await p.fill(tid('sweep-values'), '4k..512k:9');
        await p.fill(tid('sweep-values'), '128k..x');
        await p.waitForSelector(tid('run-problems'));
        const problem = await p.textContent(tid('run-problems'));
        assert(/Sweep values: 128k\.\.x: expected/.test(problem ?? ''), `range not validated before Run: ${problem}`);
        await p.fill(tid('sweep-values'), '4k..256k');
        await p.waitForFunction(() => !(document.querySelector('[data-testid="run-button"]') as HTMLButtonElement)?.disabled);
        await p.click(tid('run-button'));
        await p.waitForFunction(() => window.location.hash.startsWith('#/comparison/sweep/')
          && document.querySelector('[data-testid="comparison-status"]')?.textContent?.trim() === 'done', undefined, { timeout: 280_000 });
        state.sweepId = decodeURIComponent((await p.evaluate(() => window.location.hash)).split('/').pop()!);
        const c = await p.textContent(tid('crossover-0'));
        assert(/128k → 132k/.test(c ?? '') && /bounce-pool/.test(c ?? '') && /lazy/.test(c ?? '') && /step/.test(c ?? ''), `crossover row: ${c}`);
        const flip = await p.textContent(tid('sweep-flip-0'));
        assert(/lazy takes over from bounce-pool between bs 128k and 132k/.test(flip ?? ''), `flip: ${flip}`);
        // With unprotected strategies included, passthrough wins everywhere: no crossover.
        await p.check(tid('sweep-include-unprotected'));
        await p.waitForSelector(tid('no-crossover'));
        await p.uncheck(tid('sweep-include-unprotected'));
        await p.waitForSelector(tid('crossover-0'));
        await p.waitForSelector(`${tid('chart-sweep-multiples')} canvas`, { timeout: 30_000 });
        await shotBoth('sweep-verdict');
        await p.locator(tid('chart-sweep-multiples')).scrollIntoViewIfNeeded();
        await shotBoth('sweep-multiples');
      },
    },
    {
      name: 'deep links: the open run, sweep and diff survive a reload, and Back returns to the previous one',
      needs: ['colour consistency: the same strategy has the same colour in table, bar chart, latency chart and Diff',
        'the protected crossover on the virtio-iommu bs sweep is found and located between 128k and 132k'],
      async fn() {
        const p = page();
        for (const hash of [`#/comparison/run/${state.runs.verdict}`, `#/comparison/sweep/${state.sweepId}`, `#/diff/${state.runs.verdict}/${state.runs.other}`]) {
          await p.goto(`${state.srv!.pageUrl}${hash}`);
          await p.reload();
          await p.waitForFunction((h) => window.location.hash === h, hash);
          if (hash.startsWith('#/diff')) await p.waitForSelector(tid('diff-metrics'), { timeout: 30_000 });
          else {
            const id = hash.split('/').pop()!;
            await p.waitForFunction((x) => (document.querySelector('[data-testid="comparison-title"]')?.textContent ?? '').includes(x), id, { timeout: 30_000 });
          }
        }
        await p.goBack();
        await p.waitForFunction((x) => window.location.hash.includes('/sweep/') && (document.querySelector('[data-testid="comparison-title"]')?.textContent ?? '').includes(x), state.sweepId!, { timeout: 30_000 });
      },
    },
    {
      name: 'keyboard only: run, save, diff',
      needs: ['the verdict ranks protected strategies; pinned is unprotected and takes no best mark'],
      async fn() {
        const p = page();
        await p.goto(`${state.srv!.pageUrl}#/experiment`);
        await p.waitForSelector(tid('run-button'));
        // Setting the form up is not the point here: a known small comparison, then keys only.
        await p.click(tid('experiment-reset'));
        await onlyProfile('virtio-iommu');
        await chooseStrategies(['strict', 'lazy', 'bounce-pool']);
        await p.fill(tid('fio-number-ios'), '20000');
        await p.keyboard.press('Control+1');
        await p.keyboard.press('Control+2');
        await p.waitForSelector(tid('run-button'));
        await runToVerdict(() => p.keyboard.press('Control+Enter'));
        const runId = await latestRunId();
        // Focus lands on the result; Tab to Save, Enter, type a name, Enter.
        const focused = await p.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'comparison-title', undefined, { timeout: 3000 })
          .then(() => null, async () => p.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.getAttribute('data-testid') ?? ''} ${document.activeElement?.className ?? ''}`));
        assert(focused === null, `focus is not on the result after Run but on ${focused}`);
        await tabTo('save-button');
        await p.keyboard.press('Enter');
        await p.waitForSelector(`${tid('save-dialog')}[open]`);
        await p.keyboard.type(' kbd');
        await p.keyboard.press('Enter');
        await p.waitForSelector(tid('save-message'));
        await p.keyboard.press('Control+5');
        await p.waitForSelector(tid('diff-select-a'));
        // The run list loads after the view mounts: keys pressed on a picker with no options yet change nothing.
        await p.waitForFunction((id) => !!document.querySelector(`[data-testid="diff-select-a"] option[value="${id}"]`)
          && !!document.querySelector(`[data-testid="diff-select-b"] option[value="${id}"]`), runId, { timeout: 30_000 });
        // The pickers list recent runs, newest first: A = the one before, B = the one just saved.
        await tabTo('diff-select-a');
        await p.keyboard.press('Home');
        await p.keyboard.press('ArrowDown');
        await p.keyboard.press('ArrowDown');
        await tabTo('diff-select-b');
        await p.keyboard.press('Home');
        await p.keyboard.press('ArrowDown');
        assertEqual(await p.inputValue(tid('diff-select-b')), runId, 'B picked by keyboard');
        assert((await p.inputValue(tid('diff-select-a'))) !== '', 'A picked by keyboard');
        await tabTo('diff-compute');
        await p.keyboard.press('Enter');
        await p.waitForSelector(tid('diff-metrics'), { timeout: 30_000 });
        assert(await p.evaluate(() => !!document.activeElement && document.activeElement !== document.body), 'focus lost after Diff');
      },
    },
    {
      name: 'History with 10,000 runs: load, search, sort and page stay fast, at 1024×700',
      async fn() {
        const p = page();
        await p.setViewportSize({ width: 1024, height: 700 });
        await p.goto(`${state.srv!.pageUrl}#/experiment`);
        await p.waitForSelector(tid('run-button'));
        const ms = async (act: () => Promise<void>, until: () => Promise<unknown>) => {
          const t0 = await p.evaluate(() => performance.now());
          await act();
          await until();
          return Math.round((await p.evaluate(() => performance.now())) - t0);
        };
        const countIs = (re: string) => p.waitForFunction((r) => new RegExp(r).test(document.querySelector('[data-testid="history-count"]')?.textContent ?? ''), re, { timeout: 30_000 });
        timings['History, 10,000 runs: open the view to first page shown (ms)'] = await ms(() => nav('history'), () => countIs('^1–100 of 10,0\\d\\d$'));
        timings['History: search "run 09999" (ms, incl. 200 ms typing debounce)'] = await ms(() => p.fill(tid('history-search'), 'run 09999'), () => countIs('^1–1 of 1$'));
        await p.fill(tid('history-search'), '');
        await countIs('of 10,0');
        timings['History: next page (ms)'] = await ms(() => p.click(tid('history-next')), () => countIs('^101–200 of'));
        timings['History: last page (ms)'] = await ms(() => p.click(tid('history-last')), () => p.waitForFunction(() => /page (\d+) of \1$/.test(document.querySelector('[data-testid="history-page"]')?.textContent ?? '')));
        timings['History: sort by name (ms)'] = await ms(() => p.click(tid('history-sort-name')), () => p.waitForFunction(() => /^1–100/.test(document.querySelector('[data-testid="history-count"]')?.textContent ?? '')
          && (document.querySelector('[data-testid^="history-open-"]')?.textContent ?? '').includes('history run 00000')));
        timings['History: filter by tag "tenth" (ms, incl. debounce)'] = await ms(() => p.fill(tid('history-filter-tag'), 'tenth'), () => countIs('^1–100 of 1,0\\d\\d$'));
        await p.fill(tid('history-filter-tag'), '');
        await countIs('of 10,0');
        // Usable at 1024×700: the table's first and last columns are reachable, nothing overflows the page.
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert(overflow <= 0, `the page scrolls sideways by ${overflow}px at 1024x700`);
        await shotBoth('history-10k');
        await p.setViewportSize({ width: 1280, height: 860 });
      },
    },
    {
      name: 'timing: Run to verdict, 8 strategies x 1M IOs, idle and under a parallel test run',
      timeoutMs: 600_000,
      async fn() {
        const p = page();
        const setup = async () => {
          await p.goto(`${state.srv!.pageUrl}#/experiment`);
          await p.waitForSelector(tid('run-button'));
          await p.click(tid('experiment-reset'));
          await onlyProfile('virtio-iommu');
          await p.click(tid('strategies-all'));
          if (await p.isChecked(tid('strategy-toggle-iopf'))) await p.uncheck(tid('strategy-toggle-iopf'));
          assertEqual(await p.locator('[data-testid^="strategy-toggle-"]:checked').count(), 8, 'strategies');
          await p.fill(tid('fio-iodepth'), '32');
          await p.fill(tid('fio-number-ios'), '1000000');
          await p.waitForFunction(() => !(document.querySelector('[data-testid="run-button"]') as HTMLButtonElement)?.disabled);
        };
        const wall = async () => Math.round((await state.srv!.api('runs:get', { runId: await latestRunId(), series: false })).body.result.wallMs);
        const load1 = () => loadavg()[0].toFixed(1);
        await setup();
        timings[`8 strategies x 1M IOs, Run to verdict on screen, no test load added (ms; 1-min load average ${load1()} on ${cpus().length} cores)`] = Math.round(await runToVerdict());
        timings['  of which the host\'s wall time for that run, no load added (ms)'] = await wall();
        await setup();
        // The load: the core unit tests running in parallel (what a developer's `npm test` does meanwhile).
        const load: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'tests/core'], { cwd: ROOT, stdio: 'ignore' });
        try {
          await p.waitForTimeout(3000);
          const ms = Math.round(await runToVerdict());
          timings[`8 strategies x 1M IOs, Run to verdict on screen, under a parallel vitest run (ms; load average ${load1()})`] = ms;
          timings['  of which the host\'s wall time for that run, under load (ms)'] = await wall();
        } finally {
          if (load.exitCode === null) load.kill('SIGTERM');
        }
      },
    },
  ],
};
