#!/usr/bin/env node
// Entry point of the `iommu-lab` command. Checks Node first: the native SQLite binding crashes
// on Node 20 instead of failing cleanly, so refuse early with a message. Then runs the built
// command line (out/cli/main.js, made by scripts/build-cli.mjs; `npm ci` builds it).
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`iommu-lab needs Node.js >= 22.12 (found ${process.versions.node}).\n`);
  process.exit(2);
}
const bundle = new URL('../out/cli/main.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('iommu-lab: the command line is not built (out/cli/main.js is missing); run `npm run build:cli` (npm ci does it).\n');
  process.exit(1);
}
const { main } = await import(bundle.href);
process.exitCode = await main(process.argv.slice(2));
