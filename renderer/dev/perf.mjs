// Dev-only: time "8 strategies on a 1M-IO workload" from pressing Run to the results on screen,
// and the view switches. usage: node renderer/dev/perf.mjs URL
import { chromium } from 'playwright-core';

const [url] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
await page.goto(url);
await page.click('[data-testid=nav-experiment]');
await page.waitForSelector('[data-testid=strategy-toggle-strict]');
await page.click('[data-testid=experiment-reset]');
await page.click('[data-testid=strategies-all]');
await page.uncheck('[data-testid=strategy-toggle-pinned]');
await page.fill('[data-testid=fio-number-ios]', '1000000');
await page.fill('[data-testid=fio-size]', '4g');
const n = await page.$$eval('[data-testid^=strategy-toggle-]:checked', (xs) => xs.length);
const t0 = Date.now();
const getTimes = [];
page.on('requestfinished', async (r) => {
  if (r.url().includes('/api/runs:get')) getTimes.push(Math.round(r.timing().responseEnd));
});
await page.click('[data-testid=run-button]');
await page.waitForSelector('[data-testid=summary-table]', { timeout: 300000 });
await page.waitForSelector('[data-testid=chart-series] canvas');
const tRun = Date.now() - t0;
const tStatus = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/runs:get')).map((e) => Math.round(e.duration)));
const wl = await page.textContent('[data-testid=comparison-workload]');
const switches = [];
for (const v of ['history', 'experiment', 'profiles', 'diff', 'comparison', 'experiment', 'comparison']) {
  // In-page: click to the second animation frame after it (the view painted).
  const ms = await page.evaluate((id) => new Promise((resolve) => {
    const t = performance.now();
    document.querySelector(`[data-testid=nav-${id}]`).click();
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(Math.round(performance.now() - t))));
  }), v);
  await page.waitForTimeout(300);
  switches.push(`${v} ${ms} ms`);
}
console.log(JSON.stringify({ strategies: n, workload: wl, runToResultsMs: tRun, runsGetMs: tStatus, switches }, null, 1));
await browser.close();
