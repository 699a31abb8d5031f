/** Electron: named functions exposed by the preload under window.iommuLab (see ops.ts). */
import { opFunctionName, PRELOAD_GLOBAL } from './ops.ts';
import { HostError, unwrapEnvelope, type HostBridge, type OpenedFile, type SaveEncoding, type SaveResult } from './types.ts';

type Fn = (...args: unknown[]) => unknown;
export type PreloadApi = Record<string, Fn | undefined>;

export function preloadApi(): PreloadApi | undefined {
  return (window as unknown as Record<string, PreloadApi | undefined>)[PRELOAD_GLOBAL];
}

/** Strips Electron's "Error invoking remote method 'x': Error: " prefix so users read the host's line. */
export function cleanIpcMessage(msg: string): string {
  return msg.replace(/^Error invoking remote method '[^']*':\s*/, '').replace(/^(?:[A-Za-z]*Error):\s*/, '');
}

export class IpcBridge implements HostBridge {
  readonly kind = 'ipc' as const;
  private readonly api: PreloadApi;

  constructor(api: PreloadApi) {
    this.api = api;
  }

  private fn(name: string, op: string): Fn {
    const f = this.api[name];
    if (typeof f !== 'function') throw new HostError(op, `the app's preload does not provide ${PRELOAD_GLOBAL}.${name} (for ${op}); update the app`, { code: 'transport' });
    return f;
  }

  async call<T = unknown>(op: string, args?: unknown): Promise<T> {
    const f = this.fn(opFunctionName(op), op);
    try {
      // Plain JSON clone: reactive proxies cannot cross contextBridge.
      const r = await f(args === undefined ? {} : JSON.parse(JSON.stringify(args)));
      return unwrapEnvelope<T>(op, r);
    } catch (e) {
      if (e instanceof HostError) throw e;
      const ee = e as { code?: unknown; issues?: unknown; message?: unknown };
      const code = typeof ee?.code === 'string' ? ee.code : undefined;
      throw new HostError(op, cleanIpcMessage(e instanceof Error ? e.message : String(e)), {
        code,
        issues: Array.isArray(ee?.issues) ? (ee.issues as Array<{ path: string; message: string }>) : undefined,
      });
    }
  }

  async saveFile(suggestedName: string, mimeType: string, data: string, encoding: SaveEncoding = 'utf8'): Promise<SaveResult> {
    const r = (await this.fn('saveFile', 'saveFile')({ suggestedName, mimeType, data, encoding })) as SaveResult | undefined;
    return r ?? { saved: false };
  }

  async openFile(extensions: string[], title?: string): Promise<OpenedFile | null> {
    const r = (await this.fn('openFile', 'openFile')({ extensions, title })) as OpenedFile | null | undefined;
    return r ?? null;
  }

  onOpenFile(cb: (f: OpenedFile) => void): () => void {
    const f = this.api.onOpenFile;
    if (typeof f !== 'function') return () => {};
    const off = f(cb);
    return typeof off === 'function' ? (off as () => void) : () => {};
  }

  onMenu(cb: (command: string) => void): () => void {
    const f = this.api.onMenu;
    if (typeof f !== 'function') return () => {};
    const off = f(cb);
    return typeof off === 'function' ? (off as () => void) : () => {};
  }
}
