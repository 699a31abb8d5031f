/**
 * Electron main process: one window, the native menu, the host service (run store + simulation
 * worker pool, electron/host) wired to the renderer through one IPC handler per contract operation.
 * Kept thin: everything the app does goes through the same `dispatch` the web mode and CLI use.
 */
import { app, BrowserWindow, dialog, Menu, nativeTheme, protocol, screen, session, shell, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolHandler, isAppUrl } from './app-protocol.ts';
import { OP_NAMES } from '../../core/contract.ts';
import { createHostService, type HostService } from '../host/service.ts';
import { PRODUCT_NAME, userDataDir } from '../host/paths.ts';
import { registerIpc, openWithDialog, type Envelope } from './ipc.ts';
import { buildMenu } from './menu.ts';
import { fileArgs, readUserFile } from './open-files.ts';
import { EV_MENU, EV_OPEN_FILE } from './channels.ts';
import { devCsp, isTrustedRendererUrl, RENDERER_CSP_HEADER, SECURITY_HEADERS, type TrustedOrigin } from './security.ts';
import { fitToDisplays, loadWindowState, MIN_SIZE, saveWindowState, type WindowState } from './window-state.ts';
import { tuneV8ForEngine } from '../host/v8-tuning.ts';

// Before any simulation is compiled, here or in the worker pool's threads.
tuneV8ForEngine();

const here = path.dirname(fileURLToPath(import.meta.url));
const RENDERER_HTML = path.join(here, '..', 'renderer', 'index.html');
const PRELOAD = path.join(here, '..', 'preload', 'index.cjs');
/** The simulation worker, built beside this file as its own entry (electron.vite.config.ts). */
const SIM_WORKER = path.join(here, 'sim-worker.js');
/** Exports, imports and PNG rendering, off the main thread (electron/host/export-worker.ts). */
const EXPORT_WORKER = path.join(here, 'export-worker.js');
/** Schema migrations, packaged beside out/ (electron-builder.yml `files`). */
const MIGRATIONS = path.join(here, '..', '..', 'migrations');
/** Dev server URL from `electron-vite dev`; ignored in a packaged app so no environment can redirect it. */
const DEV_URL = !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : undefined;
const DEV_ORIGIN = DEV_URL ? new URL(DEV_URL).origin : undefined;
const TRUSTED: TrustedOrigin = DEV_URL ? { devUrl: DEV_URL } : { appUrl: APP_INDEX_URL };

/** `--db PATH` (also `--db=PATH`) overrides the database location, as in the CLI. */
function dbArg(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--db' && argv[i + 1]) return path.resolve(argv[i + 1]);
    if (argv[i].startsWith('--db=')) return path.resolve(argv[i].slice(5));
  }
  return undefined;
}

// The renderer is served from app://iommu-lab/ (app-protocol.ts), registered before the app is ready.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
// Every renderer is sandboxed, whatever its webPreferences say.
app.enableSandbox();
app.setName(PRODUCT_NAME);
// The same folder the CLI's default database lives in (electron/host/paths.ts), on every platform.
app.setPath('userData', userDataDir());

let mainWindow: BrowserWindow | null = null;
const pendingPaths: string[] = [];
const lastDir = { value: '' };

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  let host: HostService | null = null;
  const dispatch = async (op: string, rawArgs: unknown): Promise<Envelope> => {
    if (!host) return { ok: false, error: { code: 'internal', message: 'the run store is not open' } };
    return host.dispatch(op, rawArgs);
  };

  // Files handed to us by the OS: macOS open-file (may come before ready), argv elsewhere.
  app.on('open-file', (event, file) => {
    event.preventDefault();
    openPaths([file]);
  });
  pendingPaths.push(...fileArgs(process.argv.slice(app.isPackaged ? 1 : 2), process.cwd()));

  app.on('second-instance', (_e, argv, cwd) => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
    openPaths(fileArgs(argv.slice(1), cwd));
  });

  hardenAllWebContents();

  app.whenReady().then(() => {
    try {
      // Explicit worker and migrations paths: no environment variable can point the packaged app elsewhere.
      host = createHostService({ dbPath: dbArg(process.argv), workerUrl: pathToFileURL(SIM_WORKER), exportWorkerUrl: pathToFileURL(EXPORT_WORKER), migrationsDir: MIGRATIONS, warmWorkers: true });
    } catch (e) {
      // A database from a newer version, an unreadable file...: say so and leave it untouched.
      dialog.showErrorBox('IOMMU Lab cannot open its run database', (e as Error)?.message ?? String(e));
      app.exit(1);
      return;
    }
    lastDir.value = app.getPath('documents');
    nativeTheme.themeSource = 'system';
    protocol.handle(APP_SCHEME, appProtocolHandler(path.dirname(RENDERER_HTML)));
    installSessionPolicy();
    registerIpc({ ops: OP_NAMES, dispatch, window: () => mainWindow, trusted: TRUSTED, lastDir });
    Menu.setApplicationMenu(
      buildMenu({
        open: () => void menuOpen(),
        command: (name) => mainWindow?.webContents.send(EV_MENU, name),
        showDatabase: () => {
          if (host) shell.showItemInFolder(host.dbPath);
        },
      }),
    );
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Close the store and stop the workers before exiting (runs still going are marked interrupted
  // by the store the next time it opens, if the close does not get that far).
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closed = true;
    Promise.resolve()
      .then(() => host?.close())
      .catch((e: unknown) => console.error('closing the host failed', e))
      .finally(() => app.quit());
  });
}

/** Navigation, new windows, webviews and permissions: denied for every web contents we ever create. */
function hardenAllWebContents(): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      // Only a reload of our own page is a navigation we allow.
      if (!isTrustedRendererUrl(url, TRUSTED)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isTrustedRendererUrl(url, TRUSTED)) event.preventDefault();
    });
    contents.on('will-frame-navigate', (event) => {
      if (!event.isMainFrame || !isTrustedRendererUrl(event.url, TRUSTED)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

/** Our headers by lower-case name: the CSP plus SECURITY_HEADERS. Replaces whatever the response had. */
function responseSecurityHeaders(csp: string): Map<string, [string, string]> {
  const m = new Map<string, [string, string]>();
  for (const [k, v] of Object.entries({ 'Content-Security-Policy': csp, ...SECURITY_HEADERS })) m.set(k.toLowerCase(), [k, v]);
  return m;
}

/** CSP and security headers on every response, and no permission (camera, notifications, ...) ever granted. */
function installSessionPolicy(): void {
  const ses = session.defaultSession;
  const policy = responseSecurityHeaders(DEV_URL ? devCsp(DEV_URL) : RENDERER_CSP_HEADER);
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(details.responseHeaders ?? {})) {
      if (!policy.has(k.toLowerCase())) headers[k] = v;
    }
    for (const [k, v] of policy.values()) headers[k] = [v];
    callback({ responseHeaders: headers });
  });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_req, callback) => callback({}));
  // Nothing here talks to the network or reads other files: refuse any request that is not one of
  // the app's own files (app://iommu-lab/...), in-page data/blob URLs, devtools, or the dev server.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const u = details.url;
    const ok = isAppUrl(u) || u.startsWith('devtools:') || u.startsWith('data:') || u.startsWith('blob:')
      || (DEV_ORIGIN !== undefined && (u.startsWith(`${DEV_ORIGIN}/`) || u.startsWith(`${DEV_ORIGIN.replace(/^http/, 'ws')}/`)));
    callback({ cancel: !ok });
  });
}

function createWindow(): void {
  const stateFile = path.join(app.getPath('userData'), 'window-state.json');
  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const state: WindowState = fitToDisplays(loadWindowState(stateFile), displays);

  const win = new BrowserWindow({
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'IOMMU Lab',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#ffffff',
    webPreferences: {
      // Reviewed: a sandboxed, context-isolated preload (electron/preload) that exposes named functions
      // sending fixed channels, never ipcRenderer; every channel checks its sender in ipc.ts.
      preload: PRELOAD, /* eng-disable PRELOAD_JS_CHECK */
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // Middle-click must not open links in new windows.
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  mainWindow = win;
  if (state.maximized) win.maximize();
  if (state.fullScreen) win.setFullScreen(true);

  const onTheme = (): void => {
    if (!win.isDestroyed()) win.setBackgroundColor(nativeTheme.shouldUseDarkColors ? '#16181d' : '#ffffff');
  };
  nativeTheme.on('updated', onTheme);

  let saveTimer: NodeJS.Timeout | null = null;
  const persist = (): void => {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    void saveWindowState(stateFile, { ...b, maximized: win.isMaximized(), fullScreen: win.isFullScreen() }).catch(() => {});
  };
  const persistSoon = (): void => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(persist, 500);
  };
  win.on('resize', persistSoon);
  win.on('move', persistSoon);
  win.on('maximize', persistSoon);
  win.on('unmaximize', persistSoon);
  win.on('close', () => {
    if (saveTimer) clearTimeout(saveTimer);
    persist();
  });
  win.on('closed', () => {
    nativeTheme.off('updated', onTheme);
    if (mainWindow === win) mainWindow = null;
  });

  win.once('ready-to-show', () => win.show());
  win.webContents.once('did-finish-load', () => openPaths([]));

  if (DEV_URL) void win.loadURL(DEV_URL);
  else void win.loadURL(APP_INDEX_URL);
}

/** Reads files (OS, argv, second instance) and forwards their text to the renderer's onOpenFile. */
function openPaths(paths: string[]): void {
  pendingPaths.push(...paths);
  const win = mainWindow;
  if (!win || win.webContents.isLoading()) return;
  for (const p of pendingPaths.splice(0)) {
    readUserFile(p).then(
      (f) => win.webContents.send(EV_OPEN_FILE, f),
      (e: unknown) => console.error(`cannot open ${p}: ${(e as Error).message}`),
    );
  }
}

async function menuOpen(): Promise<void> {
  const win = mainWindow;
  if (!win) return;
  try {
    const files = await openWithDialog(win, { title: 'Open profile, run bundle or fio job file', multi: true }, lastDir);
    for (const f of files) win.webContents.send(EV_OPEN_FILE, f);
  } catch (e) {
    console.error('open failed', e);
  }
}
