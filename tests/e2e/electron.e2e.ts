/**
 * The desktop app end to end through Playwright's Electron support. Runs where an Electron binary
 * is installed; elsewhere it reports itself SKIPPED with the reason. The binary is located the way
 * node_modules/electron/index.js does it, but without requiring that module: requiring it when the
 * binary is absent starts a download.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { assert, assertEqual, skip, type Suite } from './harness.ts';
import { ROOT } from './serve-process.ts';

/** The Electron executable, or the reason there is none. */
export function electronBinary(): { path: string } | { reason: string } {
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  if (!existsSync(pkg)) return { reason: 'the electron npm package is not installed' };
  const pathFile = path.join(pkg, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist');
  if (!rel) return { reason: `no Electron binary: ${path.relative(ROOT, pathFile)} is missing (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1)` };
  const exe = path.join(dist, rel);
  if (!existsSync(exe)) return { reason: `no Electron binary at ${path.relative(ROOT, exe)}` };
  return { path: exe };
}

const state: { app?: ElectronApplication; win?: Page; dir?: string } = {};
const tid = (id: string): string => `[data-testid="${id}"]`;

export const electronSuite: Suite = {
  name: 'electron',
  async setup() {
    const bin = electronBinary();
    if ('reason' in bin) skip(bin.reason);
    if (!existsSync(path.join(ROOT, 'out', 'main', 'index.js'))) skip('out/main/index.js is missing (npm run build)');
    state.dir = mkdtempSync(path.join(tmpdir(), 'iommu-lab-electron-'));
    state.app = await _electron.launch({
      executablePath: bin.path,
      args: [path.join(ROOT, 'out', 'main', 'index.js'), '--db', path.join(state.dir, 'e2e.db'), ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      cwd: ROOT,
      env: { ...process.env, XDG_CONFIG_HOME: state.dir, ELECTRON_RENDERER_URL: '' },
      timeout: 60_000,
    });
    state.win = await state.app.firstWindow();
    await state.win.waitForLoadState('domcontentloaded');
  },
  async teardown() {
    await state.app?.close().catch(() => {});
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  },
  tests: [
    {
      name: 'the window is sandboxed and context-isolated: no Node in the page, only window.iommuLab',
      async fn() {
        const w = state.win!;
        const r = await w.evaluate(() => ({
          require: typeof (globalThis as { require?: unknown }).require,
          process: typeof (globalThis as { process?: unknown }).process,
          api: typeof (window as unknown as { iommuLab?: unknown }).iommuLab,
          fn: typeof (window as unknown as { iommuLab: { profilesList?: unknown } }).iommuLab?.profilesList,
          ipc: 'ipcRenderer' in ((window as unknown as { iommuLab?: object }).iommuLab ?? {}),
        }));
        assertEqual(r, { require: 'undefined', process: 'undefined', api: 'object', fn: 'function', ipc: false }, 'page globals');
        // The window's webPreferences themselves are checked on the built bundle by the shell suite.
        const windows = await state.app!.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length);
        assertEqual(windows, 1, 'one window');
      },
    },
    {
      name: 'the host answers through IPC and refuses bad arguments',
      async fn() {
        const w = state.win!;
        const list = await w.evaluate(() => (window as unknown as { iommuLab: { profilesList(a: object): Promise<{ ok: boolean; result: unknown[] }> } }).iommuLab.profilesList({}));
        assert(list.ok && list.result.length >= 3, 'profiles listed');
        const bad = await w.evaluate(() => (window as unknown as { iommuLab: { runsStart(a: object): Promise<{ ok: boolean; error?: { code: string } }> } }).iommuLab.runsStart({ strategies: 'x' }));
        assertEqual([bad.ok, bad.error?.code], [false, 'invalid'], 'bad runs:start');
      },
    },
    {
      name: 'a comparison runs in the app and the views render',
      async fn() {
        const w = state.win!;
        await w.click(tid('nav-experiment'));
        await w.click(tid('strategies-none'));
        for (const s of ['strict', 'lazy', 'swiotlb', 'bounce-pool']) await w.check(tid(`strategy-toggle-${s}`));
        await w.fill(tid('fio-number-ios'), '100000');
        await w.click(tid('run-button'));
        await w.waitForFunction(() => document.querySelectorAll('[data-testid^="summary-col-"]').length === 4, null, { timeout: 120_000 });
        const shots = path.join(ROOT, 'docs', 'screenshots');
        mkdirSync(shots, { recursive: true });
        await w.screenshot({ path: path.join(shots, 'electron-comparison.png') });
      },
    },
    {
      name: 'navigation away and new windows are refused',
      async fn() {
        const w = state.win!;
        const before = w.url();
        await w.evaluate(() => {
          window.open('https://example.com/', '_blank');
          window.location.href = 'https://example.com/';
        });
        await w.waitForTimeout(500);
        assertEqual(w.url(), before, 'URL after trying to navigate');
        assertEqual(state.app!.windows().length, 1, 'windows');
      },
    },
  ],
};
