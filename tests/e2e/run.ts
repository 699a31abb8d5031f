/**
 * The end-to-end runner (scripts/e2e.mjs → here). Suites: the built Electron shell under a simulated
 * Electron API, the web mode in Chromium, the desktop app in Electron (skipped without its binary).
 * Prints one line per test, the UI timings, and as its last line `N passed, N failed` (with
 * `, N skipped` appended when a suite was skipped, e.g. Electron without its binary).
 * Exit code 0 only when nothing failed. Filter suites with IOMMU_LAB_E2E=web,shell,electron.
 */
import { runSuites, type Suite } from './harness.ts';
import { shellSuite } from './shell.e2e.ts';
import { timings, webSuite } from './web.e2e.ts';
import { electronSuite } from './electron.e2e.ts';
import { inputsSuite } from './inputs.e2e.ts';
import { answerSuite } from './answer.e2e.ts';

const ALL: Record<string, Suite> = { shell: shellSuite, web: webSuite, inputs: inputsSuite, answer: answerSuite, electron: electronSuite };

export async function main(): Promise<number> {
  const wanted = (process.env.IOMMU_LAB_E2E ?? 'shell,web,inputs,answer,electron').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !ALL[w]);
  if (unknown.length) {
    process.stderr.write(`IOMMU_LAB_E2E: unknown suite(s) ${unknown.join(', ')}; known: ${Object.keys(ALL).join(', ')}\n`);
    return 2;
  }
  const started = Date.now();
  const outcomes = await runSuites(wanted.map((w) => ALL[w]));
  if (Object.keys(timings).length) {
    process.stdout.write('\nUI timings (web mode, headless Chromium):\n');
    for (const [k, v] of Object.entries(timings)) process.stdout.write(`  ${k}: ${v}\n`);
  }
  const passed = outcomes.filter((o) => o.status === 'passed').length;
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const skipped = outcomes.filter((o) => o.status === 'skipped');
  process.stdout.write(`\ne2e finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (skipped.length) {
    const reasons = [...new Set(skipped.map((s) => s.detail ?? ''))];
    process.stdout.write(`SKIPPED ${skipped.length}: ${reasons.join('; ')}\n`);
  }
  // scripts/test.mjs reads this last line (an optional ", N skipped" is part of its format).
  process.stdout.write(`${passed} passed, ${failed} failed${skipped.length ? `, ${skipped.length} skipped` : ''}\n`);
  return failed > 0 ? 1 : 0;
}
