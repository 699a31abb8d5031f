#!/usr/bin/env node
// Import cycles among the project's own modules (static imports, re-exports and dynamic import()s
// of relative paths). Modules import downward only: a cycle is printed as a chain and exits 1.
// Usage: node scripts/import-cycles.mjs [dir ...]   (default: core electron renderer/src)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', 'dist', 'out']);
const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function files(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|vue)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Edges of one file; `import type` edges are kept out: they vanish at compile time. */
export function importsOf(file, text) {
  const out = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(IMPORT_RE)) {
    if (/^\s*;?\s*(import|export)\s+type\s/.test(m[0])) continue;
    const spec = m[1] ?? m[2];
    const target = resolve(dirname(file), spec);
    out.push(target);
  }
  return out;
}

export function findCycles(dirs) {
  const all = dirs.flatMap((d) => files(resolve(ROOT, d)));
  const known = new Set(all);
  const graph = new Map(all.map((f) => [f, importsOf(f, readFileSync(f, 'utf8')).filter((t) => known.has(t))]));
  const state = new Map();
  const stack = [];
  const cycles = [];
  const visit = (f) => {
    state.set(f, 1);
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 1) cycles.push([...stack.slice(stack.indexOf(t)), t].map((x) => relative(ROOT, x)));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of all) if (!state.has(f)) visit(f);
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dirs = process.argv.slice(2);
  const cycles = findCycles(dirs.length ? dirs : ['core', 'electron', 'renderer/src']);
  for (const c of cycles) console.log(`import cycle: ${c.join(' -> ')}`);
  if (cycles.length === 0) console.log('no import cycles');
  process.exit(cycles.length ? 1 : 0);
}
