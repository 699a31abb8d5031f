/**
 * The BUILT Electron main process and preload (out/), driven in plain Node with `electron` replaced by
 * a recording fake (tests/e2e/fake-electron.mjs): this runs everywhere, binary or not, and checks the
 * security settings, the IPC wiring with its sender checks, the bundled simulation worker, headers,
 * permissions, navigation, the menu and the preload's exposed API.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OP_NAMES } from '../../core/contract.ts';
import { assert, type Suite, type TestCase } from './harness.ts';
import { ensureElectronBuild } from './build.ts';
import { ROOT } from './serve-process.ts';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const results = new Map<string, Check>();

/** The checks main-process-check.mjs reports, in order (a missing one fails). */
const CHECKS = [
  'the preload exposes exactly one namespace, iommuLab',
  'one named function per contract op, plus saveFile/openFile/onOpenFile/onMenu',
  'ipcRenderer and Electron objects are never exposed',
  'runsStart sends its arguments on iommu-lab:op:runs:start and answers the envelope',
  'a missing answer becomes an error envelope, not undefined',
  'onOpenFile delivers queued and new files, and unsubscribes',
  'onMenu delivers menu commands',
  'drops are handled without navigation (dragover/drop listeners)',
  'sandbox enabled for every renderer (app.enableSandbox)',
  'a window is created when the app is ready',
  'webPreferences: contextIsolation, sandbox, no nodeIntegration, webSecurity',
  'preload is the built CommonJS preload',
  'the window loads the renderer from the privileged app:// scheme, not file://',
  'app:// is registered as a standard, secure scheme before ready',
  'app:// serves the built index.html with the strict CSP, and nothing outside the renderer folder',
  'one ipcMain.handle per contract op (+ saveFile, openFile)',
  'a trusted call answers the contract envelope',
  'bad arguments are refused by the contract schema',
  'calls from any other sender are refused',
  'a run goes through the bundled worker pool to done',
  'responses get our CSP (replacing any other) and security headers',
  'permission requests and checks are denied',
  "network requests and file:// reads other than the app's own files are cancelled",
  'navigation away, new windows and webviews are denied',
  'native menu: File (Open… Ctrl+O), Edit, Run, Export, View, Window, Help',
  'menu commands reach the renderer as named events',
  'quitting waits for the host to close, then quits',
];

let extra: Check[] = [];

export const shellSuite: Suite = {
  name: 'electron-shell (built bundles, simulated Electron API)',
  async setup() {
    await ensureElectronBuild();
    const dir = mkdtempSync(path.join(tmpdir(), 'iommu-lab-shell-'));
    try {
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', './tests/e2e/register-fake-electron.mjs', 'tests/e2e/main-process-check.mjs', path.join(ROOT, 'out'), path.join(dir, 'shell.db')],
          { cwd: ROOT, env: { ...process.env, XDG_CONFIG_HOME: dir, IOMMU_LAB_E2E_OPS: JSON.stringify({ OP_NAMES }), ELECTRON_RENDERER_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
        child.on('error', reject);
        child.on('exit', (code) => {
          clearTimeout(timer);
          const line = stdout.split('\n').find((l) => l.startsWith('{"checks"'));
          if (!line) reject(new Error(`main-process-check printed no result (exit ${code}):\n${stdout.slice(-2000)}\n${stderr.slice(-3000)}`));
          else resolve(line);
        });
      });
      const parsed = JSON.parse(out) as { checks: Check[] };
      for (const c of parsed.checks) results.set(c.name, c);
      extra = parsed.checks.filter((c) => !CHECKS.includes(c.name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  tests: [
    ...CHECKS.map(
      (name): TestCase => ({
        name,
        async fn() {
          const c = results.get(name);
          assert(c, 'not reported (an earlier step failed)');
          assert(c.ok, c.detail);
        },
      }),
    ),
    {
      name: 'no unexpected failures',
      async fn() {
        const bad = extra.filter((c) => !c.ok);
        assert(bad.length === 0, bad.map((c) => `${c.name}: ${c.detail}`).join('\n'));
      },
    },
  ],
};
