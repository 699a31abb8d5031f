/// <reference lib="dom" />
/**
 * Preload of the main window (sandboxed, context-isolated). Exposes the host contract as one named
 * function per operation under `window.iommuLab`, plus the shell's file functions. It never exposes
 * ipcRenderer or any Node/Electron object: only plain functions that send fixed channel names.
 *
 * Sandboxed preloads are CommonJS with only `electron`'s renderer modules available, so this file
 * imports nothing heavy: the operation list is injected at build time (electron.vite.config.ts reads
 * OP_NAMES from core/contract.ts) and the naming rule comes from the renderer's pure ops.ts.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { opFunctionName, PRELOAD_GLOBAL } from '../../renderer/src/bridge/ops.ts';
import { CH_OPEN_FILE, CH_SAVE_FILE, EV_MENU, EV_OPEN_FILE, opChannel } from '../main/channels.ts';
import { DROP_EXTENSIONS, MAX_OPEN_FILE_BYTES } from '../main/files-policy.ts';

declare const __IOMMU_LAB_OPS__: readonly string[];

interface OpResponse {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; issues?: Array<{ path: string; message: string }> };
}

export interface OpenedFile {
  name: string;
  text: string;
}

/**
 * One op: sends the raw argument object on the op's channel and resolves with the contract's envelope
 * (`{ok:true, result}` / `{ok:false, error:{code, message, issues}}`, core/contract.ts OpResponse), which
 * the renderer's IpcBridge unwraps. Resolving with the envelope instead of rejecting keeps the error's
 * code and issues: only an Error's message would cross the context bridge.
 */
function opFunction(op: string): (args?: unknown) => Promise<OpResponse> {
  const channel = opChannel(op);
  return async (args?: unknown) => {
    const r = (await ipcRenderer.invoke(channel, args ?? {})) as OpResponse | undefined;
    if (r && typeof r === 'object' && typeof r.ok === 'boolean') return r;
    return { ok: false, error: { code: 'internal', message: `${op}: no answer from the host` } };
  };
}

const api: Record<string, unknown> = {};
for (const op of __IOMMU_LAB_OPS__) api[opFunctionName(op)] = opFunction(op);

// ---- files opened by the menu, the OS or drag and drop --------------------------------------

const fileListeners = new Set<(f: OpenedFile) => void>();
/** Files that arrived before the renderer subscribed (e.g. double-clicked to start the app). */
const pendingFiles: OpenedFile[] = [];

function deliverFile(f: OpenedFile): void {
  if (fileListeners.size === 0) {
    pendingFiles.push(f);
    return;
  }
  for (const cb of fileListeners) {
    try {
      cb({ name: f.name, text: f.text });
    } catch (e) {
      console.error('onOpenFile listener failed', e);
    }
  }
}

ipcRenderer.on(EV_OPEN_FILE, (_e, f: OpenedFile) => {
  if (f && typeof f.name === 'string' && typeof f.text === 'string') deliverFile(f);
});

const menuListeners = new Set<(command: string) => void>();
ipcRenderer.on(EV_MENU, (_e, command: unknown) => {
  if (typeof command !== 'string') return;
  for (const cb of menuListeners) {
    try {
      cb(command);
    } catch (e) {
      console.error('onMenu listener failed', e);
    }
  }
});

// Drag and drop: the renderer handles drops itself (DOM File API, the same in web mode). For a page that
// does not, the preload reads the files and delivers them through onOpenFile — after the event has
// gone through every listener, so a drop the page handled (defaultPrevented) is never delivered twice.
// Dropping never navigates (webPreferences.navigateOnDragDrop is false; will-navigate is refused too).
window.addEventListener('dragover', (e) => {
  if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
});
window.addEventListener('drop', (e) => {
  const files = e.dataTransfer?.files ? Array.from(e.dataTransfer.files) : [];
  if (files.length === 0) return;
  setTimeout(() => {
    if (e.defaultPrevented) return;
    for (const file of files) {
      const lower = file.name.toLowerCase();
      if (!DROP_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
        console.warn(`ignored dropped file ${file.name}: not one of ${DROP_EXTENSIONS.join(', ')}`);
        continue;
      }
      if (file.size > MAX_OPEN_FILE_BYTES) {
        console.warn(`ignored dropped file ${file.name}: larger than ${MAX_OPEN_FILE_BYTES} bytes`);
        continue;
      }
      file.text().then(
        (text) => deliverFile({ name: file.name, text }),
        (err) => console.error(`could not read dropped file ${file.name}`, err),
      );
    }
  }, 0);
});

api.saveFile = (req: { suggestedName: string; mimeType: string; data: string; encoding: 'utf8' | 'base64' }) =>
  ipcRenderer.invoke(CH_SAVE_FILE, {
    suggestedName: String(req?.suggestedName ?? ''),
    mimeType: String(req?.mimeType ?? ''),
    data: String(req?.data ?? ''),
    encoding: req?.encoding === 'base64' ? 'base64' : 'utf8',
  }) as Promise<{ saved: boolean; path?: string }>;

api.openFile = (req?: { title?: string; extensions?: string[] }) =>
  ipcRenderer.invoke(CH_OPEN_FILE, {
    title: typeof req?.title === 'string' ? req.title : undefined,
    extensions: Array.isArray(req?.extensions) ? req.extensions.map(String) : undefined,
  }) as Promise<OpenedFile | null>;

api.onOpenFile = (cb: (f: OpenedFile) => void): (() => void) => {
  if (typeof cb !== 'function') throw new TypeError('onOpenFile needs a function');
  fileListeners.add(cb);
  for (const f of pendingFiles.splice(0)) deliverFile(f);
  return () => {
    fileListeners.delete(cb);
  };
};

api.onMenu = (cb: (command: string) => void): (() => void) => {
  if (typeof cb !== 'function') throw new TypeError('onMenu needs a function');
  menuListeners.add(cb);
  return () => {
    menuListeners.delete(cb);
  };
};

/** True in the desktop app: lets the renderer pick the IPC bridge. */
api.isElectron = true;
api.platform = process.platform;

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, Object.freeze(api));
