/**
 * End-to-end: the web mode (`iommu-lab serve`) in Debian's Chromium through playwright-core.
 * One server on a temp database and a free port, one browser, the user's journey in order:
 * profile from a preset (a bad value shows an inline error and is not saved), a comparison of five
 * strategies with progress, save, rerun with another parameter, diff, exports (PNG, SVG, CSV),
 * reload and find the runs in history; plus the UI timings the README quotes.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';
import { assert, assertEqual, skip, type Suite } from './harness.ts';
import { ROOT, startServe, type ServeProcess } from './serve-process.ts';

export const CHROMIUM = process.env.IOMMU_LAB_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.join(ROOT, 'docs', 'screenshots');

/** What the journey learns as it goes; the timings are printed at the end and returned. */
export const timings: Record<string, number> = {};
const state: { srv?: ServeProcess; browser?: Browser; ctx?: BrowserContext; page?: Page; profileId?: string; runA?: string; runB?: string; errors: string[] } = { errors: [] };

const tid = (id: string): string => `[data-testid="${id}"]`;

function page(): Page {
  if (!state.page) throw new Error('no page');
  return state.page;
}

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page().screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

async function nav(view: string): Promise<void> {
  await page().click(tid(`nav-${view}`));
  await page().waitForFunction((v) => window.location.hash === `#/${v}` || window.location.hash.startsWith(`#/${v}/`), view);
}

async function download(action: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page().waitForEvent('download', { timeout: 30_000 }), action()]) as [Download, void];
  const file = await d.path();
  assert(file, `download ${d.suggestedFilename()} has no file`);
  return { name: d.suggestedFilename(), bytes: readFileSync(file) };
}

/** Clicks Run and waits for the comparison of `n` strategies; returns ms from click to table shown. */
async function runAndWait(n: number, opts: { progressShot?: string; timeoutMs?: number } = {}): Promise<{ ms: number; sawProgress: boolean }> {
  const p = page();
  await p.evaluate(() => {
    const w = window as unknown as { __e2eSawProgress?: boolean; __e2eObs?: MutationObserver };
    w.__e2eSawProgress = false;
    w.__e2eObs?.disconnect();
    const obs = new MutationObserver(() => {
      if (document.querySelector('[data-testid="run-progress"]')) w.__e2eSawProgress = true;
    });
    obs.observe(document.body, { childList: true, subtree: true, attributes: true });
    w.__e2eObs = obs;
  });
  const before = await p.evaluate(() => performance.now());
  await p.click(tid('run-button'));
  if (opts.progressShot) {
    await p.waitForSelector(tid('run-progress'), { timeout: 10_000 });
    await shot(opts.progressShot);
  }
  // The comparison view opens by itself when the run is done.
  await p.waitForFunction(
    (count) => {
      if (!window.location.hash.startsWith('#/comparison')) return false;
      const status = document.querySelector('[data-testid="comparison-status"]')?.textContent?.trim();
      if (status !== 'done') return false;
      return document.querySelectorAll('[data-testid^="summary-col-"]').length === count;
    },
    n,
    { timeout: opts.timeoutMs ?? 120_000, polling: 'raf' },
  );
  const after = await p.evaluate(() => performance.now());
  const sawProgress = await p.evaluate(() => Boolean((window as unknown as { __e2eSawProgress?: boolean }).__e2eSawProgress));
  return { ms: after - before, sawProgress };
}

async function chooseStrategies(ids: string[]): Promise<void> {
  const p = page();
  await p.click(tid('strategies-none'));
  for (const id of ids) await p.check(tid(`strategy-toggle-${id}`));
}

async function setField(testid: string, value: string): Promise<void> {
  await page().fill(tid(testid), value);
}

async function latestRunId(): Promise<string> {
  const r = await state.srv!.api('runs:list', { savedOnly: false, limit: 1 });
  assertEqual(r.status, 200, 'runs:list status');
  const id = r.body?.result?.items?.[0]?.id;
  assert(typeof id === 'string', `runs:list has no run: ${JSON.stringify(r.body)}`);
  return id;
}

async function saveCurrent(name: string, tags: string): Promise<void> {
  const p = page();
  await p.click(tid('save-button'));
  await p.waitForSelector(`${tid('save-dialog')}[open]`);
  await p.fill(tid('save-name'), name);
  await p.fill(tid('save-tags'), tags);
  await p.click(tid('save-confirm'));
  await p.waitForSelector(tid('comparison-saved'));
  await p.waitForFunction((n) => document.querySelector('[data-testid="comparison-title"]')?.textContent?.includes(n), name);
}

/** Time from clicking a nav tab to the view's content painted (measured in the page). */
async function viewSwitchMs(view: string, readySelector: string): Promise<number> {
  return page().evaluate(
    async ({ view, readySelector }) => {
      const btn = document.querySelector(`[data-testid="nav-${view}"]`) as HTMLElement | null;
      if (!btn) throw new Error(`no nav-${view}`);
      const t0 = performance.now();
      btn.click();
      for (;;) {
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        const el = document.querySelector(readySelector) as HTMLElement | null;
        if ((window.location.hash === `#/${view}` || window.location.hash.startsWith(`#/${view}/`)) && el && el.offsetParent !== null) break;
        if (performance.now() - t0 > 10_000) throw new Error(`${view} did not show ${readySelector}`);
      }
      // One more frame: the view is on screen.
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      return performance.now() - t0;
    },
    { view, readySelector },
  );
}

const STRATS5 = ['passthrough', 'strict', 'lazy', 'swiotlb', 'bounce-pool'];

export const webSuite: Suite = {
  name: 'web',
  async setup() {
    if (!existsSync(CHROMIUM)) skip(`no Chromium at ${CHROMIUM}`);
    state.srv = await startServe();
    state.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    state.ctx = await state.browser.newContext({ acceptDownloads: true, viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, colorScheme: 'light' });
    state.page = await state.ctx.newPage();
    state.page.on('pageerror', (e) => state.errors.push(`pageerror: ${e.message}`));
    state.page.on('console', (m) => {
      // Failed loads are reported with their URL by the response listener below.
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) state.errors.push(`console: ${m.text()}`);
    });
    state.page.on('response', (r) => {
      if (r.status() >= 400 && !/\/favicon\.ico$/.test(new URL(r.url()).pathname)) state.errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url().replace(/token=[^&]+/, 'token=…')}`);
    });
  },
  async teardown() {
    await state.browser?.close().catch(() => {});
    if (state.srv) {
      const code = await state.srv.stop('SIGTERM');
      if (code !== 0) process.stdout.write(`warning: serve exited with ${code} on SIGTERM\n${state.srv.stderr()}\n`);
    }
  },
  tests: [
    {
      name: 'serve prints one line, binds 127.0.0.1, guards the API with the token',
      async fn() {
        const srv = state.srv!;
        assertEqual(srv.stdoutLines().length, 1, 'stdout lines of serve');
        assert(srv.url.startsWith('http://127.0.0.1:'), 'bound to 127.0.0.1');
        const no = await srv.api('profiles:list', {}, { token: null });
        assertEqual(no.status, 401, 'API status without token');
        const bad = await srv.api('profiles:list', {}, { token: 'wrong' });
        assertEqual(bad.status, 401, 'API status with a wrong token');
        const ok = await srv.api('profiles:list', {});
        assertEqual(ok.status, 200, 'API status with the token');
        assert(Array.isArray(ok.body.result) && ok.body.result.length >= 3, 'built-in profiles listed');
        const invalid = await srv.api('runs:start', { profileId: 'vtd', strategies: 'strict', workload: 'fio:bs=4k' });
        assertEqual(invalid.status, 400, 'status of a malformed runs:start');
        assertEqual(invalid.body.error.code, 'invalid', 'error code');
        assert(Array.isArray(invalid.body.error.issues) && invalid.body.error.issues.some((i: { path: string }) => i.path === 'strategies'), 'issues name the field');
        const page = await fetch(srv.pageUrl);
        const csp = page.headers.get('content-security-policy') ?? '';
        assert(/script-src 'sha256-[A-Za-z0-9+/=]+' 'strict-dynamic'/.test(csp) && !/unsafe-eval/.test(csp), `strict CSP header on the page: ${csp}`);
        const html = await page.text();
        assert(html.includes(csp.replace("; frame-ancestors 'none'", '')), 'the same policy in the page <meta>');
      },
    },
    {
      name: 'profile from a preset: a bad value shows an inline error and is not saved; a good one is',
      async fn() {
        const p = page();
        await p.goto(`${state.srv!.url}?token=${state.srv!.token}#/profiles`);
        await p.waitForSelector(tid('profile-item-vtd'));
        await p.click(tid('profile-item-vtd'));
        await p.waitForSelector(tid('profile-duplicate'));
        await p.click(tid('profile-duplicate'));
        await p.waitForSelector(tid('profile-save'));
        const idInput = p.locator(tid('profile-field-id'));
        const newId = await idInput.inputValue();
        assert(/^vtd-copy/.test(newId), `duplicate id ${newId}`);
        // A bad value: inline error, Save refused, nothing stored.
        await setField('profile-field-cpu.cores', '-3');
        await p.waitForSelector(tid('profile-error-cpu.cores'));
        const err = (await p.textContent(tid('profile-error-cpu.cores')))?.trim() ?? '';
        assert(err.length > 0, 'inline error text');
        assertEqual(await p.getAttribute(tid('profile-field-cpu.cores'), 'aria-invalid'), 'true', 'aria-invalid on the bad field');
        await shot('profiles-invalid');
        if (await p.isEnabled(tid('profile-save'))) {
          await p.click(tid('profile-save'));
          await p.waitForFunction(() => /Not saved/.test(document.querySelector('[data-testid="profile-message"]')?.textContent ?? ''));
        }
        await p.waitForTimeout(300);
        const listed = await state.srv!.api('profiles:list', {});
        assert(!listed.body.result.some((x: { id: string }) => x.id === newId), 'the invalid profile was not saved');
        // A good value: saved.
        await setField('profile-field-cpu.cores', '12');
        await setField('profile-field-name', 'E2E lab box (VT-d, 12 cores)');
        await p.waitForSelector(tid('profile-error-cpu.cores'), { state: 'detached' });
        await p.click(tid('profile-save'));
        await p.waitForFunction(() => /Saved/.test(document.querySelector('[data-testid="profile-message"]')?.textContent ?? ''));
        const got = await state.srv!.api('profiles:get', { id: newId });
        assertEqual(got.status, 200, 'profiles:get status');
        assertEqual(got.body.result.profile.cpu.cores, 12, 'saved cores');
        state.profileId = newId;
        await shot('profiles');
      },
    },
    {
      name: 'a comparison of five strategies runs with progress and opens the comparison',
      needs: ['profile from a preset: a bad value shows an inline error and is not saved; a good one is'],
      async fn() {
        const p = page();
        await nav('experiment');
        await p.waitForSelector(tid(`experiment-profile-${state.profileId}`));
        // Only our profile.
        for (const box of await p.locator('[data-testid^="experiment-profile-"]').all()) {
          const id = (await box.getAttribute('data-testid'))!.replace('experiment-profile-', '');
          if ((id === state.profileId) !== (await box.isChecked())) await box.click();
        }
        await chooseStrategies(STRATS5);
        await p.click(tid('workload-mode-form'));
        await p.check(tid('workload-kind-fio'));
        await p.selectOption(tid('fio-rw'), 'randread');
        await setField('fio-bs', '4k');
        await setField('fio-iodepth', '32');
        await setField('fio-numjobs', '1');
        await setField('fio-number-ios', '400000');
        await setField('experiment-replications', '2');
        await p.waitForFunction(() => !(document.querySelector('[data-testid="run-button"]') as HTMLButtonElement)?.disabled);
        await shot('experiment');
        const r = await runAndWait(STRATS5.length, { progressShot: 'experiment-running' });
        assert(r.sawProgress, 'the progress bar was shown while running');
        state.runA = await latestRunId();
        timings['5 strategies x 400k IOs x 2 replications, Run to results (ms)'] = Math.round(r.ms);
      },
    },
    {
      name: 'save the run with a name and a tag',
      needs: ['a comparison of five strategies runs with progress and opens the comparison'],
      async fn() {
        await saveCurrent('E2E baseline iodepth 32', 'e2e baseline');
        const got = await state.srv!.api('runs:get', { runId: state.runA, series: false });
        assertEqual(got.body.result.saved, true, 'saved flag');
        assertEqual(got.body.result.name, 'E2E baseline iodepth 32', 'run name');
        assert(got.body.result.tags.includes('e2e'), 'run tag');
        await page().waitForSelector(tid('summary-table'));
        await page().waitForSelector(`${tid('chart-throughput')} canvas, ${tid('chart-throughput')} svg`);
        await shot('comparison');
        await page().locator(tid('chart-throughput')).scrollIntoViewIfNeeded();
        await page().waitForTimeout(300);
        await shot('comparison-charts');
        await page().evaluate(() => window.scrollTo(0, 0));
      },
    },
    {
      name: 'export a chart as PNG and SVG and the table as CSV (valid files)',
      needs: ['save the run with a name and a tag'],
      async fn() {
        const png = await download(() => page().click(tid('chart-throughput-export-png')));
        assert(png.name.endsWith('.png'), `PNG file name ${png.name}`);
        assertEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
        assert(png.bytes.length > 2000, `PNG size ${png.bytes.length}`);
        assertEqual(png.bytes.toString('ascii', 12, 16), 'IHDR', 'PNG first chunk');
        const width = png.bytes.readUInt32BE(16);
        assert(width >= 1000, `PNG width ${width} (2x pixel ratio expected)`);

        const svg = await download(() => page().click(tid('chart-throughput-export-svg')));
        assert(svg.name.endsWith('.svg'), `SVG file name ${svg.name}`);
        const svgText = svg.bytes.toString('utf8').replace(/^\uFEFF/, '').trim();
        const root = /^(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>]*>\s*)?<svg\b[^>]*>/i.exec(svgText);
        assert(root, `SVG root element: ${svgText.slice(0, 120)}`);
        assert(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(root[0]), 'SVG namespace');
        assert(svgText.endsWith('</svg>'), 'SVG closes its root');

        const csv = await download(() => page().click(tid('summary-export-csv')));
        assert(csv.name.endsWith('.csv'), `CSV file name ${csv.name}`);
        const lines = csv.bytes.toString('utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
        assert(lines.length >= 3, `CSV has a header and rows (${lines.length} lines)`);
        const cols = lines[0].split(',').length;
        assert(cols >= 2, 'CSV header has columns');
        for (const s of ['strict', 'lazy', 'bounce-pool']) assert(csv.bytes.toString('utf8').includes(s), `CSV mentions ${s}`);
      },
    },
    {
      name: 'rerun with another parameter (iodepth 4) and save it',
      needs: ['a comparison of five strategies runs with progress and opens the comparison'],
      async fn() {
        const p = page();
        await nav('experiment');
        await p.waitForSelector(tid('fio-iodepth'));
        await setField('fio-iodepth', '4');
        await p.waitForFunction(() => !(document.querySelector('[data-testid="run-button"]') as HTMLButtonElement)?.disabled);
        await runAndWait(STRATS5.length);
        state.runB = await latestRunId();
        assert(state.runB !== state.runA, 'a new run');
        await saveCurrent('E2E iodepth 4', 'e2e');
      },
    },
    {
      name: 'diff the two runs: the configuration change and metric deltas',
      needs: ['rerun with another parameter (iodepth 4) and save it', 'save the run with a name and a tag'],
      async fn() {
        const p = page();
        await nav('history');
        await p.waitForSelector(tid(`history-item-${state.runA}`));
        await p.check(tid(`history-pick-${state.runA}`));
        await p.check(tid(`history-pick-${state.runB}`));
        await shot('history');
        await p.click(tid('history-diff-selected'));
        await p.waitForFunction(() => window.location.hash.startsWith('#/diff'));
        await p.waitForSelector(tid('diff-config'));
        await p.waitForSelector(tid('diff-metrics'));
        const changes = await p.locator('[data-testid^="diff-change-"]').allTextContents();
        assert(changes.some((c) => /iodepth|32|4/.test(c)), `a configuration change about iodepth: ${JSON.stringify(changes)}`);
        const deltas = await p.locator('[data-testid^="diff-delta-"]').count();
        assert(deltas >= STRATS5.length, `metric deltas shown (${deltas})`);
        await shot('diff');
      },
    },
    {
      name: 'reload the page and find both runs in history',
      needs: ['rerun with another parameter (iodepth 4) and save it', 'save the run with a name and a tag'],
      async fn() {
        const p = page();
        await p.reload();
        await nav('history');
        await p.waitForSelector(tid(`history-item-${state.runA}`));
        await p.waitForSelector(tid(`history-item-${state.runB}`));
        await p.fill(tid('history-search'), 'baseline');
        await p.waitForSelector(tid(`history-item-${state.runB}`), { state: 'detached' });
        await p.waitForSelector(tid(`history-item-${state.runA}`));
        await p.fill(tid('history-search'), '');
      },
    },
    {
      name: 'timing: eight strategies on a 1M-IO workload, Run to results shown',
      needs: ['a comparison of five strategies runs with progress and opens the comparison'],
      timeoutMs: 300_000,
      async fn() {
        const p = page();
        await nav('experiment');
        await p.waitForSelector(tid('strategies-all'));
        await p.click(tid('strategies-all'));
        // Nine strategies; eight without iopf (its fault path needs an accelerator workload to mean much).
        if (await p.isChecked(tid('strategy-toggle-iopf'))) await p.uncheck(tid('strategy-toggle-iopf'));
        const n = await p.locator('[data-testid^="strategy-toggle-"]:checked').count();
        assertEqual(n, 8, 'strategies selected');
        await setField('fio-iodepth', '32');
        await setField('fio-number-ios', '1000000');
        await setField('experiment-replications', '1');
        await p.waitForFunction(() => !(document.querySelector('[data-testid="run-button"]') as HTMLButtonElement)?.disabled);
        const r = await runAndWait(8, { timeoutMs: 280_000 });
        timings['8 strategies x 1M IOs, Run to results shown (ms)'] = Math.round(r.ms);
        const run = await state.srv!.api('runs:get', { runId: await latestRunId(), series: false });
        timings['  of which the host\'s wall time for the run (ms)'] = Math.round(run.body.result.wallMs);
        timings['  workers in the pool'] = (await state.srv!.api('host:info', {})).body.result.workers;
      },
    },
    {
      name: 'timing: view switches',
      needs: ['a comparison of five strategies runs with progress and opens the comparison'],
      async fn() {
        const views: Array<[string, string]> = [
          ['profiles', '[data-testid^="profile-item-"]'],
          ['experiment', '[data-testid="run-button"]'],
          ['comparison', '[data-testid="summary-table"]'],
          ['history', '[data-testid^="history-item-"]'],
          ['diff', '[data-testid="diff-metrics"], [data-testid="diff-empty"]'],
        ];
        const samples: Record<string, number[]> = {};
        for (let round = 0; round < 3; round++) {
          for (const [v, sel] of views) (samples[v] ??= []).push(await viewSwitchMs(v, sel));
        }
        for (const [v] of views) {
          const s = samples[v].sort((a, b) => a - b);
          timings[`switch to ${v}, median of 3 (ms)`] = Math.round(s[1]);
        }
        await nav('comparison');
        await shot('comparison-8-strategies');
        // Dark mode follows the OS (prefers-color-scheme).
        await page().emulateMedia({ colorScheme: 'dark' });
        await page().waitForTimeout(400);
        await shot('comparison-dark');
        await page().emulateMedia({ colorScheme: 'light' });
      },
    },
    {
      name: 'a reload mid-run keeps following the run and opens it when done',
      async fn() {
        const p = page();
        await nav('experiment');
        await p.click(tid('experiment-reset'));
        await chooseStrategies(['strict', 'lazy', 'swiotlb', 'bounce-pool']);
        await setField('fio-number-ios', '1000000');
        await p.click(tid('run-button'));
        await p.waitForSelector(tid('run-progress'), { timeout: 10_000 });
        const runId = await latestRunId();
        await p.reload();
        // Either still running (progress shown again) or already done: in both cases the run opens by itself.
        await p.waitForFunction(
          (id) => window.location.hash.startsWith('#/comparison') && document.querySelector('[data-testid="comparison-status"]')?.textContent?.trim() === 'done'
            && (document.querySelector('[data-testid="comparison-title"]')?.textContent ?? '').includes(id),
          runId,
          { timeout: 120_000 },
        );
        assertEqual(await p.locator('[data-testid^="summary-col-"]').count(), 4, 'strategies of the resumed run');
        await p.evaluate(() => window.localStorage.removeItem('iommu-lab.experiment.v1'));
      },
    },
    {
      name: 'profiles: a non-profile JSON is refused, an id change renames, Delete says what it did',
      needs: ['profile from a preset: a bad value shows an inline error and is not saved; a good one is'],
      async fn() {
        const p = page();
        await nav('profiles');
        await p.waitForSelector(tid(`profile-item-${state.profileId}`));
        // Some JSON that is not a profile: a message, no empty editor.
        const [fc] = await Promise.all([p.waitForEvent('filechooser'), p.click(tid('profile-import'))]);
        await fc.setFiles({ name: 'junk.json', mimeType: 'application/json', buffer: Buffer.from('{"foo": 1}') });
        await p.waitForFunction(() => /junk\.json: not a hardware profile/.test(document.querySelector('[data-testid="profile-message"]')?.textContent ?? ''));
        assertEqual(await p.locator(tid('profile-field-foo')).count(), 0, 'no form for a non-profile');
        // Rename: the old id is gone, the new one holds the profile.
        await p.click(tid(`profile-item-${state.profileId}`));
        await p.waitForSelector(tid('profile-field-id'));
        const newId = `${state.profileId}-renamed`;
        await setField('profile-field-id', newId);
        await p.click(tid('profile-save'));
        await p.waitForFunction(() => /renamed from/.test(document.querySelector('[data-testid="profile-message"]')?.textContent ?? ''));
        const ids = ((await state.srv!.api('profiles:list', {})).body.result as Array<{ id: string }>).map((x) => x.id);
        assert(ids.includes(newId) && !ids.includes(state.profileId!), `after the rename: ${ids.join(', ')}`);
        await p.waitForSelector(tid(`profile-item-${newId}`));
        assertEqual(await p.locator(tid(`profile-item-${state.profileId}`)).count(), 0, 'old id gone from the list');
        // Delete: the confirmation is followed by a visible message.
        await p.click(tid('profile-delete'));
        await p.click(tid('profile-delete-confirm-ok'));
        await p.waitForFunction((id) => (document.querySelector('[data-testid="profile-message"]')?.textContent ?? '').includes(`Deleted profile ${id}`), newId);
      },
    },
    {
      name: 'calibrate: paste dma_map_benchmark output, fit in a worker, see the table and chart, save the profile',
      timeoutMs: 240_000,
      async fn() {
        const p = page();
        await nav('calibrate');
        await p.selectOption(tid('calibrate-base'), 'smmuv3');
        await p.click(tid('calibrate-example'));
        const t0 = Date.now();
        await p.click(tid('calibrate-fit'));
        // The page stays responsive while the worker fits: the view can be left and re-entered.
        await p.waitForSelector(tid('calibrate-summary'), { timeout: 220_000 });
        timings.calibrateExampleMs = Date.now() - t0;
        assertEqual(await p.locator(`${tid('calibrate-rows')} tbody tr`).count(), 4, 'one table row per measurement');
        assert(await p.locator(`${tid('calibrate-fitted')} tbody tr`).count() > 0, 'some parameter fitted');
        await p.waitForSelector(`${tid('calibrate-chart')} canvas, ${tid('calibrate-chart')} svg`);
        await shot('calibrate');
        await p.fill(tid('calibrate-save-id'), 'e2e-board');
        await p.click(tid('calibrate-save'));
        await p.waitForSelector(tid('calibrate-saved'));
        const rows = (await state.srv!.api('calibrate:measurements', { profileId: 'e2e-board' })).body.result as { rows: unknown[] };
        assertEqual(rows.rows.length, 4, 'the measurements are stored with the profile');
        // A bad paste names the line and what was expected.
        await p.fill(tid('calibrate-text'), '# strategy: strict\ndma mapping benchmark: threads:1 seconds:20 node:-1 dir:BIDIRECTIONAL granule: 1\naverage map latency(us):x standard deviation:0.1\n');
        await p.click(tid('calibrate-fit'));
        await p.waitForFunction(() => /pasted:3|example\.txt:3/.test(document.querySelector('[data-testid="calibrate-error"]')?.textContent ?? ''));
      },
    },
    {
      name: 'no errors in the page console',
      async fn() {
        // The calibrate test pastes a bad file on purpose: the host answers 400 with the file:line message.
        const real = state.errors.filter((e) => !/favicon/.test(e) && !/HTTP 400 POST \S+\/api\/calibrate:fit$/.test(e));
        assert(real.length === 0, `page errors:\n${real.join('\n')}`);
      },
    },
  ],
};
