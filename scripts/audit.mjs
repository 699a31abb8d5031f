#!/usr/bin/env node
// Security audit of the Electron app with electronegativity (@doyensec/electronegativity), run by the
// test command. Audits electron/ (main, preload, host, server sources) together with the BUILT
// renderer and preload (electron-vite build → out/renderer, out/preload), in one scan so the global
// checks (CSP, navigation limits, permission handler) see the whole app.
//
// electronegativity exits 0 even when it finds something: this script reads its SARIF report and
// fails on ANY finding, and on any file it could not parse (an unparsed file is an unaudited file).
// Excluded: AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK — it downloads Electron's release list from the
// network (the one network check; the issue allows excluding it) — and ELECTRON_VERSION_JSON_CHECK,
// which is not a check of the app but the version record that network check consumes.
//
// Output: one line per finding, then `audit: N findings, N parse errors (FILES files)`; exit 1 on any.
// The report is kept at out/audit/electronegativity.sarif.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// The network check, and the check that only feeds it the Electron version from package.json (the
// network check consumes and removes that record when it runs; without it the record would show as a
// "finding"). The version is given explicitly instead (electronVersionOverride).
const EXCLUDED = ['AvailableSecurityFixesGlobalCheck', 'ElectronVersionJSONCheck'];

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`the audit needs Node.js >= 22.12 (found ${process.versions.node})`);
  process.exit(2);
}

function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let n = 0;
  for (const e of readdirSync(p)) if (e !== 'node_modules' && e !== 'dist') n = Math.max(n, newest(path.join(p, e)));
  return n;
}

// 1. The built renderer and preload: (re)build when missing or older than their sources.
const outputs = ['out/renderer/index.html', 'out/preload/index.cjs', 'out/main/index.js'].map((o) => path.join(ROOT, o));
const built = outputs.every((o) => existsSync(o)) ? Math.min(...outputs.map((o) => statSync(o).mtimeMs)) : 0;
const sources = Math.max(...['electron', 'core', 'renderer/src', 'renderer/index.html', 'electron.vite.config.ts'].map((p) => newest(path.join(ROOT, p))));
if (built === 0 || sources > built) {
  console.log('audit: building the app first (electron-vite build)');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
  if (r.status !== 0) {
    console.error(`${r.stdout}\n${r.stderr}\naudit: the build failed`);
    process.exit(1);
  }
}

// 2. One input tree: electron/ sources + the built renderer and preload + package.json (Electron version).
const stage = mkdtempSync(path.join(tmpdir(), 'iommu-lab-audit-'));
cpSync(path.join(ROOT, 'electron'), path.join(stage, 'electron'), { recursive: true, filter: (src) => !/\.test\.ts$/.test(src) });
cpSync(path.join(ROOT, 'out', 'renderer'), path.join(stage, 'built', 'renderer'), { recursive: true, filter: (src) => !src.endsWith('.map') });
cpSync(path.join(ROOT, 'out', 'preload'), path.join(stage, 'built', 'preload'), { recursive: true });
cpSync(path.join(ROOT, 'package.json'), path.join(stage, 'package.json'));
const electronVersion = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')).version;

const reportDir = path.join(ROOT, 'out', 'audit');
mkdirSync(reportDir, { recursive: true });
const report = path.join(reportDir, 'electronegativity.sarif');
rmSync(report, { force: true });

// 3. The scan. Same options as `electronegativity -i <stage> -o <report>.sarif -x <excluded> -e <version> -r`;
// called through its module API because the CLI prints nothing (not even parse errors) when -o is given.
const run = require('@doyensec/electronegativity');
let result;
const quiet = console.log;
try {
  console.log = (...a) => {
    // electronegativity tries to fetch updated translations and says so when offline: not a finding.
    if (!/Could not retrieve updated translations/.test(String(a[0]))) quiet(...a);
  };
  result = await run({
    input: stage,
    output: report,
    isSarif: true,
    excludeFromScan: EXCLUDED,
    isRelative: true,
    electronVersion,
    electronVersionOverride: electronVersion,
  });
} finally {
  console.log = quiet;
}

// 4. Read the report (electronegativity writes it asynchronously): any finding fails.
let sarif = null;
for (let i = 0; i < 200 && sarif === null; i++) {
  try {
    sarif = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}
if (!sarif) {
  console.error(`audit: electronegativity wrote no readable report at ${report}`);
  process.exit(1);
}
const findings = sarif.runs.flatMap((r) => r.results ?? []);
if (findings.length !== result.issues.length) {
  console.error(`audit: the report lists ${findings.length} findings, the scan returned ${result.issues.length}`);
  process.exit(1);
}
for (const f of findings) {
  const loc = f.locations?.[0]?.physicalLocation;
  const file = loc?.artifactLocation?.uri ?? '?';
  console.log(`FINDING ${f.ruleId} ${file}:${loc?.region?.startLine ?? '?'} — ${f.message?.text ?? ''}`);
}
const parseErrors = (result?.errors ?? []).filter((e) => !e.tolerable);
for (const e of parseErrors) console.log(`PARSE ERROR ${path.relative(stage, e.file)} — ${e.message}`);
const files = (function count(d) {
  let n = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) n += e.isDirectory() ? count(path.join(d, e.name)) : /\.(ts|js|cjs|mjs|html|json)$/.test(e.name) ? 1 : 0;
  return n;
})(stage);
rmSync(stage, { recursive: true, force: true });
console.log(`audit: electronegativity ${require('@doyensec/electronegativity/package.json').version}, Electron ${electronVersion}, ${result.globalChecks} global + ${result.atomicChecks} atomic checks (excluded: ${EXCLUDED.join(', ')})`);
console.log(`audit: ${findings.length} findings, ${parseErrors.length} parse errors (${files} files; report ${path.relative(ROOT, report)})`);
process.exit(findings.length === 0 && parseErrors.length === 0 && files > 0 ? 0 : 1);
