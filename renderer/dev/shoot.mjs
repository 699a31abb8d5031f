// Dev-only: drive the web mode in Debian's Chromium and take screenshots of each view.
// usage: node renderer/dev/shoot.mjs URL OUTDIR [--dark] [--width N] [--height N]
// Runs the issue-4 user journey (profile from preset with a bad value, comparison, save, export,
// rerun, reload, history, diff, sweep) and screenshots each view into OUTDIR.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [url, out = '/tmp/rlab/shots'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const dark = process.argv.includes('--dark');
const argNum = (name, dflt) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const width = argNum('--width', 1440);
const height = argNum('--height', 900);
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const ctx = await browser.newContext({ viewport: { width, height }, colorScheme: dark ? 'dark' : 'light', acceptDownloads: true });
const page = await ctx.newPage();
const logs = [];
page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
const sfx = dark ? '-dark' : '';
const shot = async (name) => {
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${out}/${name}${sfx}.png`, fullPage: true });
  console.log('shot', name);
};

await page.goto(url);
await page.waitForSelector('[data-testid=nav-experiment]');
await page.click('[data-testid=nav-profiles]');
await page.waitForSelector('[data-testid=profile-item-dart-16k]');
await page.click('[data-testid=profile-item-dart-16k]');
await shot('profiles');
// duplicate, bad value
await page.click('[data-testid=profile-duplicate]');
await page.fill('[data-testid="profile-field-cpu.cores"]', '0');
await page.click('[data-testid=profile-save]');
await shot('profiles-invalid');
await page.fill('[data-testid="profile-field-cpu.cores"]', '4');
await page.click('[data-testid=profile-save]');
await page.waitForTimeout(500);

await page.click('[data-testid=nav-experiment]');
await page.waitForSelector('[data-testid=strategy-toggle-strict]');
await shot('experiment');
const t0 = Date.now();
await page.click('[data-testid=run-button]');
await page.waitForSelector('[data-testid=run-progress]');
await shot('experiment-running');
await page.waitForSelector('[data-testid=summary-table]', { timeout: 120000 });
console.log('run took', Date.now() - t0, 'ms');
await shot('comparison');
await page.click('[data-testid=save-button]');
await page.fill('[data-testid=save-name]', 'virtio 4k randread');
await page.fill('[data-testid=save-tags]', 'baseline, virtio');
await page.click('[data-testid=save-confirm]');
await page.waitForSelector('[data-testid=comparison-saved]');
const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=chart-throughput-export-png]')]);
await dl.saveAs(`${out}/export.png`);
const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=chart-throughput-export-svg]')]);
await dl2.saveAs(`${out}/export.svg`);
const [dl3] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=summary-export-csv]')]);
await dl3.saveAs(`${out}/export.csv`);

// second run with another parameter
await page.click('[data-testid=nav-experiment]');
await page.fill('[data-testid=fio-bs]', '64k');
await page.click('[data-testid=run-button]');
await page.waitForFunction(() => document.querySelector('[data-testid=comparison-workload]')?.textContent?.includes('64k'), null, { timeout: 120000 });
await page.click('[data-testid=save-button]');
await page.fill('[data-testid=save-name]', 'virtio 64k randread');
await page.click('[data-testid=save-confirm]');
await page.waitForSelector('[data-testid=comparison-saved]');

await page.reload();
await page.click('[data-testid=nav-history]');
await page.waitForSelector('[data-testid^=history-item-]');
await shot('history');

await page.click('[data-testid=nav-diff]');
const opts = await page.$$eval('[data-testid=diff-select-a] option', (os) => os.map((o) => o.value).filter(Boolean));
await page.selectOption('[data-testid=diff-select-a]', opts[1]);
await page.selectOption('[data-testid=diff-select-b]', opts[0]);
await page.click('[data-testid=diff-compute]');
await page.waitForSelector('[data-testid=diff-metrics]');
await shot('diff');

// sweep
await page.click('[data-testid=nav-experiment]');
await page.check('[data-testid=sweep-enabled]');
await page.fill('[data-testid=sweep-key]', 'bs');
await page.fill('[data-testid=sweep-values]', '4k, 16k, 64k, 128k');
await page.click('[data-testid=run-button]');
await page.waitForSelector('[data-testid=chart-sweep]', { timeout: 180000 });
await shot('comparison-sweep');
await page.uncheck('[data-testid=nav-experiment]').catch(() => {});

console.log(logs.join('\n'));
await browser.close();
