// A stand-in for the `electron` module, used to load the BUILT main process (out/main/index.js) and
// preload (out/preload/index.cjs) in plain Node where the Electron binary is absent. It records what
// the app asks of Electron so tests can check windows, handlers, headers and permissions.
import { EventEmitter } from 'node:events';

export const recorded = {
  windows: [],
  handlers: new Map(),
  menus: [],
  headersHandler: null,
  beforeRequest: null,
  permissionRequest: null,
  permissionCheck: null,
  devicePermission: null,
  sandboxEnabled: false,
  appEvents: new EventEmitter(),
  quitCalls: 0,
  exitCalls: [],
  errorBoxes: [],
  sent: [],
  paths: new Map(),
  privilegedSchemes: [],
  protocolHandlers: new Map(),
};

class FakeWebContents extends EventEmitter {
  constructor(win) {
    super();
    this.win = win;
    this.mainFrame = { url: '', parent: null };
    this.windowOpenHandler = null;
  }
  setWindowOpenHandler(h) {
    this.windowOpenHandler = h;
  }
  send(channel, ...args) {
    recorded.sent.push({ channel, args });
  }
  isLoading() {
    return false;
  }
}

export class BrowserWindow extends EventEmitter {
  static all = [];
  static getAllWindows() {
    return BrowserWindow.all.filter((w) => !w.destroyed);
  }
  constructor(options) {
    super();
    this.options = options;
    this.destroyed = false;
    this.webContents = new FakeWebContents(this);
    this.loaded = null;
    BrowserWindow.all.push(this);
    recorded.windows.push(this);
    recorded.appEvents.emit('web-contents-created', {}, this.webContents);
  }
  loadFile(file) {
    this.loaded = { file };
    this.webContents.mainFrame.url = new URL(`file://${file.startsWith('/') ? '' : '/'}${file.replace(/\\/g, '/')}`).href;
    setTimeout(() => {
      this.webContents.emit('did-finish-load');
      this.emit('ready-to-show');
    }, 0);
    return Promise.resolve();
  }
  loadURL(url) {
    this.loaded = { url };
    this.webContents.mainFrame.url = url;
    setTimeout(() => {
      this.webContents.emit('did-finish-load');
      this.emit('ready-to-show');
    }, 0);
    return Promise.resolve();
  }
  show() {}
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  maximize() {}
  setFullScreen() {}
  isMaximized() {
    return false;
  }
  isFullScreen() {
    return false;
  }
  getNormalBounds() {
    return { x: 10, y: 20, width: 1200, height: 800 };
  }
  setBackgroundColor(c) {
    this.background = c;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

const appEmitter = recorded.appEvents;
export const app = {
  isPackaged: false,
  on: (ev, fn) => {
    appEmitter.on(ev, fn);
    return app;
  },
  once: (ev, fn) => {
    appEmitter.once(ev, fn);
    return app;
  },
  enableSandbox: () => {
    recorded.sandboxEnabled = true;
  },
  setName: (n) => {
    app.name = n;
  },
  setPath: (k, v) => recorded.paths.set(k, v),
  getPath: (k) => recorded.paths.get(k) ?? `/tmp/iommu-lab-fake-${k}`,
  getAppPath: () => process.cwd(),
  requestSingleInstanceLock: () => true,
  quit: () => {
    recorded.quitCalls++;
  },
  exit: (code) => {
    recorded.exitCalls.push(code);
  },
  whenReady: () => recorded.ready,
  setAboutPanelOptions: () => {},
};
let markReady;
recorded.ready = new Promise((r) => (markReady = r));
export function fireReady() {
  markReady();
}

export const ipcMain = {
  handle: (channel, fn) => {
    if (recorded.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    recorded.handlers.set(channel, fn);
  },
  removeHandler: (channel) => recorded.handlers.delete(channel),
};

export const dialog = {
  showErrorBox: (title, content) => recorded.errorBoxes.push({ title, content }),
  showSaveDialog: async () => ({ canceled: true }),
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
};

export const Menu = {
  buildFromTemplate: (t) => ({ template: t }),
  setApplicationMenu: (m) => recorded.menus.push(m),
};

export const protocol = {
  registerSchemesAsPrivileged: (schemes) => {
    recorded.privilegedSchemes.push(...schemes);
  },
  handle: (scheme, handler) => {
    recorded.protocolHandlers.set(scheme, handler);
  },
};

export const nativeTheme = Object.assign(new EventEmitter(), { themeSource: 'system', shouldUseDarkColors: false });
export const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] };
export const shell = { showItemInFolder: () => {}, openExternal: async () => {} };
export const session = {
  defaultSession: {
    webRequest: {
      onHeadersReceived: (fn) => {
        recorded.headersHandler = fn;
      },
      onBeforeRequest: (fn) => {
        recorded.beforeRequest = fn;
      },
    },
    setPermissionRequestHandler: (fn) => {
      recorded.permissionRequest = fn;
    },
    setPermissionCheckHandler: (fn) => {
      recorded.permissionCheck = fn;
    },
    setDevicePermissionHandler: (fn) => {
      recorded.devicePermission = fn;
    },
    setDisplayMediaRequestHandler: () => {},
  },
};

// Renderer-side modules (for the preload).
export const contextBridge = {
  exposed: new Map(),
  exposeInMainWorld: (key, api) => contextBridge.exposed.set(key, api),
};
export const ipcRenderer = Object.assign(new EventEmitter(), {
  invocations: [],
  invokeImpl: async () => ({ ok: true, result: null }),
  invoke(channel, ...args) {
    ipcRenderer.invocations.push({ channel, args });
    return ipcRenderer.invokeImpl(channel, ...args);
  },
});

export default { app, BrowserWindow, ipcMain, dialog, Menu, nativeTheme, protocol, screen, shell, session, contextBridge, ipcRenderer };
