import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Inputs of the renderer bundle: when any is newer than renderer/dist/index.html, rebuild. */
const SOURCE_ROOTS = ['renderer/src', 'renderer/index.html', 'renderer/vite.web.config.ts', 'renderer/public', 'core'];
const IGNORED = new Set(['node_modules', 'dist', '.vite']);

async function newestMtime(p: string): Promise<number> {
  let st;
  try {
    st = await fs.stat(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of await fs.readdir(p, { withFileTypes: true })) {
    if (IGNORED.has(entry.name) || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, await newestMtime(path.join(p, entry.name)));
  }
  return newest;
}

export interface RendererBuildState {
  distIndex: string;
  /** Why a build is needed, or null when renderer/dist is current. */
  reason: string | null;
  /** False when the renderer's sources are absent (an installed package with only dist/). */
  canBuild: boolean;
}

export async function rendererBuildState(projectRoot: string): Promise<RendererBuildState> {
  const distIndex = path.join(projectRoot, 'renderer', 'dist', 'index.html');
  const config = path.join(projectRoot, 'renderer', 'vite.web.config.ts');
  const canBuild = existsSync(config) && existsSync(path.join(projectRoot, 'renderer', 'index.html'));
  const built = await newestMtime(distIndex);
  if (built === 0) return { distIndex, reason: 'renderer/dist is missing', canBuild };
  if (!canBuild) return { distIndex, reason: null, canBuild };
  let newest = 0;
  for (const r of SOURCE_ROOTS) newest = Math.max(newest, await newestMtime(path.join(projectRoot, r)));
  return { distIndex, reason: newest > built ? 'renderer sources are newer than renderer/dist' : null, canBuild };
}

/**
 * Builds renderer/ to renderer/dist with `vite build --config renderer/vite.web.config.ts` when
 * dist is missing or older than its sources. Vite's output goes to `log` (stderr), never stdout:
 * `serve` prints exactly one line there.
 */
export async function ensureRendererBuilt(projectRoot: string, log: (text: string) => void, force = false): Promise<string> {
  const state = await rendererBuildState(projectRoot);
  const distDir = path.dirname(state.distIndex);
  const reason = force ? 'rebuild requested' : state.reason;
  if (reason === null) return distDir;
  if (!state.canBuild) throw new Error(`${reason} and the renderer sources are not here to build it`);
  log(`Building the web renderer (${reason})…\n`);
  const require = createRequire(path.join(projectRoot, 'package.json'));
  const viteBin = path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build', '--config', 'renderer/vite.web.config.ts', '--logLevel', 'warn'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    child.stdout.on('data', (d: Buffer) => log(d.toString()));
    child.stderr.on('data', (d: Buffer) => log(d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`renderer build failed (vite exited with ${signal ?? code})`)),
    );
  });
  if (!existsSync(state.distIndex)) throw new Error('renderer build finished without renderer/dist/index.html');
  return distDir;
}
