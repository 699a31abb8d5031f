// Dev-only: lists controls without an accessible name in every view. usage: node renderer/dev/a11y.mjs URL
import { chromium } from 'playwright-core';
const [url] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
await page.goto(url);
let bad = 0;
for (const v of ['profiles', 'experiment', 'comparison', 'history', 'diff']) {
  await page.click(`[data-testid=nav-${v}]`);
  await page.waitForTimeout(800);
  const missing = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      if (el.closest('dialog:not([open])')) continue;
      if (el.type === 'hidden' || el.style.display === 'none') continue;
      const aria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      const label = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label');
      const text = el.tagName === 'BUTTON' && el.textContent.trim();
      const ph = el.getAttribute('title');
      if (!aria && !label && !text && !ph) out.push(el.outerHTML.slice(0, 140));
    }
    return out;
  });
  bad += missing.length;
  console.log(v, missing.length ? missing : 'ok');
}
await browser.close();
process.exit(bad ? 1 : 0);
