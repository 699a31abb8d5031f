// Dev-only: the screenshots in docs/screenshots/ (each view at its full height).
// usage: node renderer/dev/docs.mjs URL OUTDIR [--dark]   (use a fresh --db for the server)
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [url, out = 'docs/screenshots'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const dark = process.argv.includes('--dark');
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: dark ? 'dark' : 'light', acceptDownloads: true });
const page = await ctx.newPage();
page.on('pageerror', (e) => console.log('[pageerror]', e.message));
const sfx = dark ? '-dark' : '';

/** Screenshot with the viewport grown to the view's content height (the view scrolls inside). */
async function shot(name, maxHeight = 2400) {
  await page.waitForTimeout(500);
  const h = await page.evaluate(() => {
    const v = document.querySelector('.view');
    return (v ? v.scrollHeight : document.body.scrollHeight) + 50;
  });
  await page.setViewportSize({ width: 1440, height: Math.min(maxHeight, Math.max(900, h)) });
  await page.waitForTimeout(400);
  const h2 = await page.evaluate(() => (document.querySelector('.view')?.scrollHeight ?? 0) + 50);
  if (h2 > h) await page.setViewportSize({ width: 1440, height: Math.min(maxHeight, h2) });
  await page.waitForTimeout(600);
  await page.screenshot({ path: `${out}/${name}${sfx}.png` });
  await page.setViewportSize({ width: 1440, height: 900 });
  console.log('shot', name);
}
const wait = (sel, timeout = 180000) => page.waitForSelector(sel, { timeout });

await page.goto(url);
await wait('[data-testid=nav-profiles]');
await page.click('[data-testid=nav-profiles]');
await page.click('[data-testid=profile-item-dart-16k]');
await shot('profiles');
await page.click('[data-testid=profile-duplicate]');
await page.fill('[data-testid="profile-field-name"]', 'M1 Pro DART, 10 cores');
await page.fill('[data-testid="profile-field-cpu.cores"]', '0');
await page.fill('[data-testid="profile-field-iommu.granuleBytes"]', '12k');
await page.click('[data-testid=profile-save]');
await shot('profiles-invalid');
await page.fill('[data-testid="profile-field-cpu.cores"]', '10');
await page.fill('[data-testid="profile-field-iommu.granuleBytes"]', '16k');
await page.click('[data-testid=profile-save]');

await page.click('[data-testid=nav-experiment]');
await wait('[data-testid=strategy-toggle-strict]');
await page.click('[data-testid=experiment-reset]');
await page.click('[data-testid=strategies-all]');
await page.uncheck('[data-testid=strategy-toggle-pinned]');
await page.uncheck('[data-testid=strategy-toggle-iopf]');
await page.fill('[data-testid=experiment-replications]', '5');
await page.fill('[data-testid=fio-size]', '64m');
await page.fill('[data-testid=run-name]', '');
await shot('experiment');
await page.click('[data-testid=run-button]');
await wait('[data-testid=run-progress]');
await page.waitForTimeout(700);
await shot('experiment-running');
await wait('[data-testid=summary-table]');
await page.click('[data-testid=save-button]');
await page.fill('[data-testid=save-name]', 'virtio-iommu 4k randread');
await page.fill('[data-testid=save-tags]', 'virtio baseline');
await page.fill('[data-testid=save-notes]', 'Seed 000 setup: i5-10210U guest, VFIO NVMe, fio randread QD64.');
await page.click('[data-testid=save-confirm]');
await wait('[data-testid=comparison-saved]');
await page.selectOption('[data-testid=chart-series-field]', 'iovaBytes');
await shot('comparison', 3000);

await page.click('[data-testid=nav-experiment]');
await page.fill('[data-testid=fio-bs]', '16k');
await page.click('[data-testid=run-button]');
await page.waitForFunction(() => document.querySelector('[data-testid=comparison-workload]')?.textContent?.includes('bs=16k'), null, { timeout: 180000 });
await page.click('[data-testid=save-button]');
await page.fill('[data-testid=save-name]', 'virtio-iommu 16k randread');
await page.fill('[data-testid=save-tags]', 'virtio');
await page.click('[data-testid=save-confirm]');
await wait('[data-testid=comparison-saved]');

await page.click('[data-testid=nav-history]');
await wait('[data-testid^=history-item-]');
await shot('history');

await page.click('[data-testid=nav-diff]');
const ids = await page.$$eval('[data-testid=diff-select-a] option', (os) => os.map((o) => o.value).filter(Boolean));
await page.selectOption('[data-testid=diff-select-a]', ids[1]);
await page.selectOption('[data-testid=diff-select-b]', ids[0]);
await page.click('[data-testid=diff-compute]');
await wait('[data-testid=diff-metrics]');
await shot('diff', 3200);

await page.click('[data-testid=nav-experiment]');
await page.fill('[data-testid=fio-bs]', '4k');
await page.fill('[data-testid=experiment-replications]', '1');
await page.uncheck('[data-testid=strategy-toggle-passthrough]');
await page.check('[data-testid=sweep-enabled]');
await page.fill('[data-testid=sweep-key]', 'bs');
await page.fill('[data-testid=sweep-values]', '4k, 16k, 64k, 128k, 256k, 1m');
await page.click('[data-testid=run-button]');
await wait('[data-testid=chart-sweep]');
await shot('comparison-sweep');
await browser.close();
