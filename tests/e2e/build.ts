/** Builds the Electron bundles (electron-vite build → out/) when missing or older than their sources. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './serve-process.ts';

const OUTPUTS = ['out/main/index.js', 'out/main/sim-worker.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
const INPUTS = ['electron', 'core', 'renderer/src', 'renderer/index.html', 'electron.vite.config.ts', 'package.json', 'migrations'];

function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let n = 0;
  for (const e of readdirSync(p)) {
    if (e === 'node_modules' || e === 'dist') continue;
    n = Math.max(n, newest(path.join(p, e)));
  }
  return n;
}

export function electronBuildStale(): string | null {
  const outs = OUTPUTS.map((o) => path.join(ROOT, o));
  const missing = outs.find((o) => !existsSync(o));
  if (missing) return `${path.relative(ROOT, missing)} is missing`;
  const oldest = Math.min(...outs.map((o) => statSync(o).mtimeMs));
  const src = Math.max(...INPUTS.map((i) => newest(path.join(ROOT, i))));
  return src > oldest ? 'sources are newer than out/' : null;
}

export async function ensureElectronBuild(log: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const why = electronBuildStale();
  if (!why) return;
  log(`building the Electron bundles (${why}): electron-vite build\n`);
  const bin = path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  let output = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`electron-vite build failed (${code}):\n${output.slice(-4000)}`);
}
