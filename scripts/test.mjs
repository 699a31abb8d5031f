#!/usr/bin/env node
// The README's test command: lint, type-check, unit/property/integration tests, the Electron
// build, browser end-to-end tests and the security audit. Prints `N passed, N failed` last.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`npm test needs Node.js >= 22.12 (found ${process.versions.node}).`);
  process.exit(1);
}

const only = process.argv.slice(2);
const tmp = mkdtempSync(join(tmpdir(), 'iommu-lab-test-'));
const vitestJson = join(tmp, 'vitest.json');
const bin = (name) => join('node_modules', '.bin', name);

const steps = [
  { name: 'lint', cmd: [bin('eslint'), '.'] },
  { name: 'typecheck:core', cmd: [bin('tsc'), '-p', 'tsconfig.core.json', '--noEmit'] },
  { name: 'typecheck:node', cmd: [bin('tsc'), '-p', 'tsconfig.node.json', '--noEmit'] },
  { name: 'typecheck:web', cmd: [bin('vue-tsc'), '-p', 'tsconfig.web.json', '--noEmit'] },
  { name: 'unit', cmd: [bin('vitest'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`], counts: 'vitest' },
  { name: 'build', cmd: [bin('electron-vite'), 'build'] },
  { name: 'e2e', cmd: ['node', 'scripts/e2e.mjs'], counts: 'plain', when: () => existsSync('scripts/e2e.mjs') },
  { name: 'audit', cmd: ['node', 'scripts/audit.mjs'], when: () => existsSync('scripts/audit.mjs') },
];

let passed = 0;
let failed = 0;
let skipped = 0;
const summary = [];
for (const step of steps) {
  if (only.length && !only.includes(step.name)) continue;
  if (step.when && !step.when()) {
    summary.push(`${step.name}: skipped (not present)`);
    continue;
  }
  const t0 = Date.now();
  console.log(`\n=== ${step.name}: ${step.cmd.join(' ')}`);
  const r = spawnSync(step.cmd[0], step.cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  process.stdout.write(r.stdout ?? '');
  const ok = r.status === 0;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (step.counts === 'vitest' && existsSync(vitestJson)) {
    const j = JSON.parse(readFileSync(vitestJson, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests + (ok || j.numFailedTests > 0 ? 0 : 1);
    skipped += j.numPendingTests + j.numTodoTests;
    summary.push(`${step.name}: ${j.numPassedTests} passed, ${j.numFailedTests} failed (${secs}s)`);
    // The default reporter's failure block scrolls far above the summary in a long CI log; repeat
    // each failure's name and first message lines here so the log's tail says what broke.
    for (const file of j.testResults ?? []) {
      const path = file.name.replace(`${process.cwd()}/`, '');
      for (const t of file.assertionResults ?? []) {
        if (t.status !== 'failed') continue;
        summary.push(`  FAILED ${path} > ${t.fullName}`);
        const message = (t.failureMessages ?? []).join('\n').split('\n')
          .filter((line) => !/node_modules\/|\(<anonymous>\)/.test(line)).slice(0, 12);
        for (const line of message) summary.push(`    ${line}`);
      }
      if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) {
        summary.push(`  FAILED ${path}: ${String(file.message ?? '').split('\n')[0]}`);
      }
    }
  } else if (step.counts === 'plain') {
    const m = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/m.exec(r.stdout ?? '');
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]) + (ok || Number(m[2]) > 0 ? 0 : 1);
      skipped += Number(m[3] ?? 0);
      summary.push(`${step.name}: ${m[1]} passed, ${m[2]} failed${m[3] ? `, ${m[3]} skipped` : ''} (${secs}s)`);
      for (const line of (r.stdout ?? '').split('\n')) if (line.startsWith('FAIL ')) summary.push(`  ${line}`);
    } else {
      if (ok) passed++;
      else failed++;
      summary.push(`${step.name}: ${ok ? 'ok' : 'FAILED'} (${secs}s)`);
    }
  } else {
    if (ok) passed++;
    else failed++;
    summary.push(`${step.name}: ${ok ? 'ok' : `FAILED (exit ${r.status})`} (${secs}s)`);
  }
}
console.log('\n=== summary');
for (const line of summary) console.log(line);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
