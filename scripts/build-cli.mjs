#!/usr/bin/env node
// Builds the command line as users run it: out/cli/main.js (bin/iommu-lab.mjs imports it) and
// out/cli/sim-worker.js (the worker pool's thread entry, found beside the bundle by pool.ts).
// TypeScript is compiled here, at build time (`npm ci` runs it through `prepare`); nothing is
// transpiled when a user runs a command. Dynamic import()s stay lazy chunks (the chart renderer,
// the run store's host service), so a command loads only what it uses.
// Usage: node scripts/build-cli.mjs [--quiet]
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Two levels below the package root, like electron/host/: paths the host resolves from its own
// module (../../migrations) hold in the bundle as in the sources.
export const CLI_OUT = join(ROOT, 'out', 'cli');

export async function buildCli({ quiet = false } = {}) {
  const t0 = performance.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'electron/cli/main.ts', 'sim-worker': 'electron/host/sim-worker.ts', 'export-worker': 'electron/host/export-worker.ts', 'bench-worker': 'electron/cli/bench-worker.ts' },
    outdir: CLI_OUT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // Native addons stay in node_modules; pure-JS dependencies (zod, echarts) are bundled: one
    // file loads faster than hundreds of modules, and echarts lands in the lazy chart chunk.
    external: ['better-sqlite3', '@resvg/resvg-js'],
    // Syntax minification only (names and whitespace stay, for stack traces): it writes the
    // engine's constants (core/engine/constants.ts) into the code as literals, where module
    // variables cost a context load and a type check at every use on the per-IO path.
    minifySyntax: true,
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    write: false,
  });
  // Replace files atomically and only when changed, then drop stale chunks: a test run or a
  // command running while another build happens never reads a half-written or missing file.
  mkdirSync(CLI_OUT, { recursive: true });
  const keep = new Set();
  for (const f of result.outputFiles) {
    keep.add(f.path);
    if (existsSync(f.path) && readFileSync(f.path).equals(f.contents)) continue;
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  for (const name of readdirSync(CLI_OUT)) {
    const path = join(CLI_OUT, name);
    if (!keep.has(path) && /\.js(\.map)?$/.test(name)) rmSync(path, { force: true });
  }
  if (!quiet) {
    const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
    process.stderr.write(`built out/cli (${Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length} files, ${Math.round(bytes / 1024)} KiB) in ${Math.round(performance.now() - t0)} ms\n`);
  }
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli({ quiet: process.argv.includes('--quiet') });
}
