// Loads the BUILT Electron main process (out/main/index.js) and preload (out/preload/index.cjs) in
// plain Node with `electron` replaced by tests/e2e/fake-electron.mjs, drives them like Electron
// would, and prints one JSON line: {"checks":[{"name","ok","detail"}]}. Run by the e2e runner with
//   node --import ./tests/e2e/register-fake-electron.mjs tests/e2e/main-process-check.mjs OUT_DIR DB_PATH
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import * as fake from './fake-electron.mjs';

const [outDir, dbPath] = process.argv.slice(2);
const checks = [];
const check = (name, ok, detail = '') => checks.push({ name, ok: Boolean(ok), detail: String(detail) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const { recorded } = fake;

async function mainProcess() {
  process.argv.push('--db', dbPath);
  await import(pathToFileURL(path.join(outDir, 'main', 'index.js')).href);
  check('sandbox enabled for every renderer (app.enableSandbox)', recorded.sandboxEnabled);
  fake.fireReady();
  for (let i = 0; i < 100 && recorded.windows.length === 0; i++) await sleep(20);
  const win = recorded.windows[0];
  check('a window is created when the app is ready', win, `${recorded.windows.length} windows; error boxes: ${JSON.stringify(recorded.errorBoxes)}`);
  if (!win) return;
  const wp = win.options.webPreferences ?? {};
  check('webPreferences: contextIsolation, sandbox, no nodeIntegration, webSecurity',
    wp.contextIsolation === true && wp.sandbox === true && wp.nodeIntegration === false && wp.webSecurity === true
      && wp.nodeIntegrationInWorker === false && wp.nodeIntegrationInSubFrames === false && wp.allowRunningInsecureContent === false
      && wp.webviewTag === false && wp.experimentalFeatures === false,
    JSON.stringify(wp));
  check('preload is the built CommonJS preload', typeof wp.preload === 'string' && wp.preload.endsWith(path.join('preload', 'index.cjs')) && existsSync(wp.preload), wp.preload);
  check('the window loads the renderer from the privileged app:// scheme, not file://', win.loaded?.url === 'app://iommu-lab/index.html', JSON.stringify(win.loaded));
  const scheme = recorded.privilegedSchemes.find((s) => s.scheme === 'app');
  check('app:// is registered as a standard, secure scheme before ready', scheme?.privileges?.standard === true && scheme?.privileges?.secure === true, JSON.stringify(recorded.privilegedSchemes));
  const serve = recorded.protocolHandlers.get('app');
  if (serve) {
    const index = await serve(new Request('app://iommu-lab/index.html'));
    const html = await index.text();
    const traversal = await serve(new Request('app://iommu-lab/..%2f..%2fpackage.json'));
    const otherHost = await serve(new Request('app://elsewhere/index.html'));
    const hidden = await serve(new Request('app://iommu-lab/.env'));
    check('app:// serves the built index.html with the strict CSP, and nothing outside the renderer folder',
      index.status === 200 && /<div id="app"|<script/.test(html) && /script-src/.test(index.headers.get('content-security-policy') ?? '')
        && traversal.status === 404 && otherHost.status === 404 && hidden.status === 404,
      `${index.status} ${traversal.status} ${otherHost.status} ${hidden.status}`);
  } else check('app:// has a protocol.handle handler', false, [...recorded.protocolHandlers.keys()].join(','));

  // IPC: one handler per op, sender checked, arguments validated by the host.
  const channels = [...recorded.handlers.keys()];
  const opChannels = channels.filter((c) => c.startsWith('iommu-lab:op:'));
  const { OP_NAMES } = JSON.parse(process.env.IOMMU_LAB_E2E_OPS ?? '{"OP_NAMES":[]}');
  check('one ipcMain.handle per contract op (+ saveFile, openFile)',
    OP_NAMES.length > 0 && OP_NAMES.every((op) => recorded.handlers.has(`iommu-lab:op:${op}`)) && opChannels.length === OP_NAMES.length && channels.length === OP_NAMES.length + 2,
    `${opChannels.length} op channels for ${OP_NAMES.length} ops; all: ${channels.length}`);
  const wc = win.webContents;
  const trustedEvent = { sender: wc, senderFrame: wc.mainFrame };
  const call = (op, args, ev = trustedEvent) => recorded.handlers.get(`iommu-lab:op:${op}`)(ev, args);
  const list = await call('profiles:list', {});
  check('a trusted call answers the contract envelope', list?.ok === true && Array.isArray(list.result) && list.result.length >= 3, JSON.stringify(list).slice(0, 200));
  const bad = await call('runs:start', { profileId: 'vtd', strategies: 'strict', workload: 'fio:bs=4k' });
  check('bad arguments are refused by the contract schema', bad?.ok === false && bad.error.code === 'invalid' && bad.error.issues?.some((i) => i.path === 'strategies'), JSON.stringify(bad));
  const refusals = [];
  for (const [what, ev] of [
    ['another page', { sender: wc, senderFrame: { url: 'file:///tmp/evil.html', parent: null } }],
    ['a sub-frame', { sender: wc, senderFrame: { url: wc.mainFrame.url, parent: wc.mainFrame } }],
    ['a remote origin', { sender: wc, senderFrame: { url: 'https://example.com/', parent: null } }],
    ['another web contents', { sender: {}, senderFrame: wc.mainFrame }],
    ['no frame', { sender: wc, senderFrame: null }],
  ]) {
    try {
      await call('profiles:list', {}, ev);
      refusals.push(`${what}: answered`);
    } catch {
      /* refused: good */
    }
  }
  check('calls from any other sender are refused', refusals.length === 0, refusals.join('; '));

  // A real simulation through the bundled worker (out/main/sim-worker.js) and the store.
  const started = await call('runs:start', { profileId: 'vtd', strategies: ['strict', 'lazy'], workload: 'fio:rw=randread,bs=4k,iodepth=8,numjobs=1,number_ios=20000' });
  let status = null;
  if (started?.ok) {
    for (let i = 0; i < 600; i++) {
      const s = await call('runs:status', { runId: started.result.runId });
      status = s.ok ? s.result : s;
      if (s.ok && s.result.status !== 'running') break;
      await sleep(100);
    }
  }
  check('a run goes through the bundled worker pool to done', started?.ok && status?.status === 'done', JSON.stringify({ started, status }).slice(0, 400));

  // CSP and headers.
  let headers = null;
  recorded.headersHandler?.({ url: 'http://localhost/', responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['1'] } }, (r) => (headers = r.responseHeaders));
  const cspKeys = headers ? Object.keys(headers).filter((k) => k.toLowerCase() === 'content-security-policy') : [];
  check('responses get our CSP (replacing any other) and security headers',
    cspKeys.length === 1 && /default-src 'self'; script-src 'self'/.test(headers[cspKeys[0]][0]) && headers['X-Content-Type-Options']?.[0] === 'nosniff' && headers['X-Other']?.[0] === '1',
    JSON.stringify(headers));
  let granted = null;
  recorded.permissionRequest?.(wc, 'media', (g) => (granted = g), {});
  const checkAnswer = recorded.permissionCheck?.(wc, 'notifications', 'file://', {});
  check('permission requests and checks are denied', granted === false && checkAnswer === false && recorded.devicePermission?.({}) === false, `${granted} ${checkAnswer}`);
  let cancelRemote = null;
  let cancelFile = null;
  let cancelOtherFile = null;
  recorded.beforeRequest?.({ url: 'https://example.com/x.js' }, (r) => (cancelRemote = r.cancel));
  recorded.beforeRequest?.({ url: wc.mainFrame.url }, (r) => (cancelFile = r.cancel));
  recorded.beforeRequest?.({ url: 'file:///etc/passwd' }, (r) => (cancelOtherFile = r.cancel));
  check('network requests and file:// reads other than the app\'s own files are cancelled', cancelRemote === true && cancelFile === false && cancelOtherFile === true, `${cancelRemote} ${cancelFile} ${cancelOtherFile}`);

  // Navigation, new windows, webviews.
  const navEvent = () => {
    const e = { prevented: false, preventDefault() { this.prevented = true; } };
    return e;
  };
  const away = navEvent();
  wc.emit('will-navigate', away, 'https://example.com/');
  const file = navEvent();
  wc.emit('will-navigate', file, 'file:///etc/passwd');
  const self = navEvent();
  wc.emit('will-navigate', self, wc.mainFrame.url);
  const webview = navEvent();
  wc.emit('will-attach-webview', webview, {}, {});
  const opened = wc.windowOpenHandler?.({ url: 'https://example.com/' });
  check('navigation away, new windows and webviews are denied', away.prevented && file.prevented && !self.prevented && webview.prevented && opened?.action === 'deny',
    JSON.stringify({ away: away.prevented, file: file.prevented, self: self.prevented, webview: webview.prevented, opened }));

  // Menu.
  const menu = recorded.menus[0]?.template ?? [];
  const labels = menu.map((m) => m.label ?? m.role);
  const fileMenu = menu.find((m) => m.label === '&File');
  const open = fileMenu?.submenu?.find((i) => i.label === 'Open…');
  check('native menu: File (Open… Ctrl+O), Edit, Run, Export, View, Window, Help', open?.accelerator === 'CmdOrCtrl+O'
    && ['&File', 'editMenu', '&Run', 'E&xport', '&View', 'windowMenu', 'help'].every((l) => labels.includes(l)), JSON.stringify(labels));
  const exportMenu = menu.find((m) => m.label === 'E&xport');
  exportMenu?.submenu?.[0]?.click?.();
  const sent = recorded.sent.find((s) => s.channel === 'iommu-lab:event:menu');
  check('menu commands reach the renderer as named events', sent?.args?.[0] === 'export:chart-png', JSON.stringify(recorded.sent.slice(-3)));

  // Quit closes the host (workers, database) before exiting.
  const quitEvent = navEvent();
  fake.app.quit.bind(fake.app);
  recorded.appEvents.emit('will-quit', quitEvent);
  for (let i = 0; i < 200 && recorded.quitCalls === 0; i++) await sleep(20);
  check('quitting waits for the host to close, then quits', quitEvent.prevented && recorded.quitCalls >= 1, `${quitEvent.prevented} ${recorded.quitCalls}`);
}

function preload() {
  const code = readFileSync(path.join(outDir, 'preload', 'index.cjs'), 'utf8');
  const listeners = {};
  const windowObj = { addEventListener: (t, fn) => ((listeners[t] ??= []).push(fn)) };
  const sandbox = {
    require: (m) => {
      if (m === 'electron') return fake;
      throw new Error(`the sandboxed preload may only require electron, not ${m}`);
    },
    module: { exports: {} },
    exports: {},
    window: windowObj,
    process: { platform: process.platform },
    console,
    setTimeout,
  };
  vm.runInNewContext(code, sandbox, { filename: 'index.cjs' });
  const exposed = fake.contextBridge.exposed;
  const api = exposed.get('iommuLab');
  check('the preload exposes exactly one namespace, iommuLab', exposed.size === 1 && api, [...exposed.keys()].join(','));
  if (!api) return;
  const { OP_NAMES } = JSON.parse(process.env.IOMMU_LAB_E2E_OPS ?? '{"OP_NAMES":[]}');
  const fnName = (op) => op.split(/[:\-_.]+/).filter(Boolean).map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1))).join('');
  const expected = [...OP_NAMES.map(fnName), 'saveFile', 'openFile', 'onOpenFile', 'onMenu'];
  const missing = expected.filter((n) => typeof api[n] !== 'function');
  check('one named function per contract op, plus saveFile/openFile/onOpenFile/onMenu', missing.length === 0, `missing: ${missing.join(', ')}`);
  const leaked = Object.keys(api).filter((k) => ['ipcRenderer', 'ipc', 'invoke', 'send', 'sendSync', 'on', 'require', 'electron', 'contextBridge', 'webUtils'].includes(k));
  const values = Object.values(api);
  check('ipcRenderer and Electron objects are never exposed', leaked.length === 0 && !values.includes(fake.ipcRenderer) && Object.isFrozen(api), leaked.join(','));
  return (async () => {
    fake.ipcRenderer.invokeImpl = async (channel, args) => ({ ok: true, result: { channel, args } });
    const r = await api.runsStart({ profileId: 'vtd' });
    check('runsStart sends its arguments on iommu-lab:op:runs:start and answers the envelope',
      r?.ok === true && r.result.channel === 'iommu-lab:op:runs:start' && r.result.args.profileId === 'vtd', JSON.stringify(r));
    fake.ipcRenderer.invokeImpl = async () => undefined;
    const none = await api.profilesList();
    check('a missing answer becomes an error envelope, not undefined', none?.ok === false && none.error.code === 'internal', JSON.stringify(none));
    // Files from the menu arrive before anyone listens: queued, then delivered.
    fake.ipcRenderer.emit('iommu-lab:event:open-file', {}, { name: 'job.fio', text: '[job]\nrw=read\n' });
    const got = [];
    const off = api.onOpenFile((f) => got.push(f.name));
    fake.ipcRenderer.emit('iommu-lab:event:open-file', {}, { name: 'p.json', text: '{}' });
    off();
    fake.ipcRenderer.emit('iommu-lab:event:open-file', {}, { name: 'late.json', text: '{}' });
    check('onOpenFile delivers queued and new files, and unsubscribes', JSON.stringify(got) === '["job.fio","p.json"]', JSON.stringify(got));
    const cmds = [];
    api.onMenu((c) => cmds.push(c));
    fake.ipcRenderer.emit('iommu-lab:event:menu', {}, 'nav:history');
    check('onMenu delivers menu commands', cmds[0] === 'nav:history', JSON.stringify(cmds));
    check('drops are handled without navigation (dragover/drop listeners)', (listeners.dragover?.length ?? 0) > 0 && (listeners.drop?.length ?? 0) > 0, Object.keys(listeners).join(','));
  })();
}

try {
  await preload();
} catch (e) {
  check('the preload loads in a sandbox-like context', false, e?.stack ?? e);
}
try {
  await mainProcess();
} catch (e) {
  check('the main process loads and runs', false, e?.stack ?? e);
}
process.stdout.write(`${JSON.stringify({ checks })}\n`);
// Workers may linger if a check failed before quitting.
setTimeout(() => process.exit(0), 200).unref();
