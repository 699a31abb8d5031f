#!/usr/bin/env node
// `npm run test:e2e`: end-to-end tests (tests/e2e/run.ts). Last line: `N passed, N failed`;
// exit code 1 when anything failed. IOMMU_LAB_E2E=web|shell|electron (comma list) picks suites.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`the e2e tests need Node.js >= 22.12 (found ${process.versions.node}).\n`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
}
// The suites start `iommu-lab serve` as users do: through the built command line and worker.
const { buildCli } = await import('./build-cli.mjs');
await buildCli();
const { register } = await import('tsx/esm/api');
register();
let code = 1;
try {
  const { main } = await import('../tests/e2e/run.ts');
  code = await main();
} catch (e) {
  process.stderr.write(`e2e runner crashed: ${e?.stack ?? e}\n`);
  process.stdout.write('0 passed, 1 failed\n');
}
process.exit(code);
