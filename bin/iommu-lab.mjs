#!/usr/bin/env node
// Entry point of the `iommu-lab` command. Checks Node first: the native SQLite binding crashes
// on Node 20 instead of failing cleanly, so refuse early with a message. Then runs the built
// command line (out/cli/main.js, made by scripts/build-cli.mjs; `npm ci` builds it).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`iommu-lab needs Node.js >= 22.12 (found ${process.versions.node}).\n`);
  process.exit(2);
}
const bundle = new URL('../out/cli/main.js', import.meta.url);
let cli;
try {
  cli = await import(bundle.href);
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes(bundle.pathname)) throw e;
  process.stderr.write('iommu-lab: the command line is not built (out/cli/main.js is missing); run `npm run build:cli` (npm ci does it).\n');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
