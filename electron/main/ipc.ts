import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CH_OPEN_FILE, CH_SAVE_FILE, opChannel } from './channels.ts';
import { isTrustedRendererUrl, type TrustedOrigin } from './security.ts';
import { MAX_SAVE_BYTES, OPEN_EXTENSIONS, sanitizeFileName, saveFilters } from './files-policy.ts';
import { readUserFile, type OpenedFile } from './open-files.ts';

/** What a transport returns for one call (core/contract.ts: OpResponse). */
export type Envelope = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; issues?: unknown[] } };

export interface IpcDeps {
  ops: readonly string[];
  /** Validates (contract schemas) and executes; never throws, answers an envelope. */
  dispatch(op: string, rawArgs: unknown): Promise<Envelope>;
  /** The one window allowed to call; null while none is open. */
  window(): BrowserWindow | null;
  trusted: TrustedOrigin;
  /** Remembered directory of the last Save As / Open. */
  lastDir: { value: string };
}

/**
 * Only our own window's main frame, showing our own renderer (the packaged file or the dev server),
 * may call the host. Frames that navigated elsewhere, sub-frames, other windows and webviews are refused.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow | null, trusted: TrustedOrigin): boolean {
  if (!win || win.isDestroyed()) return false;
  const wc: WebContents = win.webContents;
  if (event.sender !== wc) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null || frame !== wc.mainFrame) return false;
  return isTrustedRendererUrl(frame.url, trusted);
}

const saveArgs = z.strictObject({
  suggestedName: z.string().max(255),
  mimeType: z.string().max(120),
  data: z.string().max(Math.ceil((MAX_SAVE_BYTES * 4) / 3) + 4),
  encoding: z.enum(['utf8', 'base64']),
});

const openArgs = z.strictObject({
  title: z.string().max(200).optional(),
  extensions: z.array(z.string().regex(/^[A-Za-z0-9]{1,10}$/)).max(20).optional(),
});

function refused(channel: string): Error {
  return new Error(`${channel}: refused (the sender is not the IOMMU Lab window)`);
}

export async function saveWithDialog(win: BrowserWindow, args: unknown, lastDir: { value: string }): Promise<{ saved: boolean; path?: string }> {
  const a = saveArgs.parse(args);
  const name = sanitizeFileName(a.suggestedName);
  const r = await dialog.showSaveDialog(win, {
    title: 'Save As',
    defaultPath: path.join(lastDir.value, name),
    filters: saveFilters(name, a.mimeType),
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  });
  if (r.canceled || !r.filePath) return { saved: false };
  const bytes = Buffer.from(a.data, a.encoding);
  if (bytes.length > MAX_SAVE_BYTES) throw new Error(`refusing to write more than ${MAX_SAVE_BYTES} bytes`);
  await fs.writeFile(r.filePath, bytes);
  lastDir.value = path.dirname(r.filePath);
  return { saved: true, path: r.filePath };
}

export async function openWithDialog(
  win: BrowserWindow,
  opts: { title?: string; extensions?: string[]; multi?: boolean },
  lastDir: { value: string },
): Promise<OpenedFile[]> {
  const exts = opts.extensions && opts.extensions.length ? opts.extensions.map((e) => e.toLowerCase()) : [...OPEN_EXTENSIONS];
  const r = await dialog.showOpenDialog(win, {
    title: opts.title ?? 'Open',
    defaultPath: lastDir.value,
    filters: [
      { name: 'IOMMU Lab files', extensions: exts },
      ...(opts.extensions ? [] : [
        { name: 'Profiles and run bundles (JSON)', extensions: ['json'] },
        { name: 'fio job files', extensions: ['fio', 'job', 'ini'] },
      ]),
      { name: 'All files', extensions: ['*'] },
    ],
    properties: opts.multi ? ['openFile', 'multiSelections'] : ['openFile'],
  });
  if (r.canceled || r.filePaths.length === 0) return [];
  lastDir.value = path.dirname(r.filePaths[0]);
  const files: OpenedFile[] = [];
  for (const p of r.filePaths) files.push(await readUserFile(p, { anyExtension: true }));
  return files;
}

/** One ipcMain.handle per contract op, plus Save As and Open. Every handler checks its sender. */
export function registerIpc(deps: IpcDeps): () => void {
  const channels: string[] = [];
  for (const op of deps.ops) {
    const channel = opChannel(op);
    channels.push(channel);
    ipcMain.handle(channel, async (event, rawArgs: unknown) => {
      if (!isTrustedSender(event, deps.window(), deps.trusted)) throw refused(op);
      // The host validates rawArgs against the op's zod schema before doing anything.
      return deps.dispatch(op, rawArgs);
    });
  }
  ipcMain.handle(CH_SAVE_FILE, async (event, args: unknown) => {
    const win = deps.window();
    if (!win || !isTrustedSender(event, win, deps.trusted)) throw refused('saveFile');
    return saveWithDialog(win, args, deps.lastDir);
  });
  channels.push(CH_SAVE_FILE);
  ipcMain.handle(CH_OPEN_FILE, async (event, args: unknown) => {
    const win = deps.window();
    if (!win || !isTrustedSender(event, win, deps.trusted)) throw refused('openFile');
    const a = openArgs.parse(args ?? {});
    const files = await openWithDialog(win, { title: a.title, extensions: a.extensions }, deps.lastDir);
    return files[0] ?? null;
  });
  channels.push(CH_OPEN_FILE);
  return () => {
    for (const c of channels) ipcMain.removeHandler(c);
  };
}
