#!/usr/bin/env node
// Entry point of the `iommu-lab` command. Checks Node first: the native SQLite binding crashes
// on Node 20 instead of failing cleanly, so refuse early with a message.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`iommu-lab needs Node.js >= 22.12 (found ${process.versions.node}).\n`);
  process.exit(2);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../electron/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
