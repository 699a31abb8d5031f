/** Picks the bridge at startup: window.iommuLab present → IPC (Electron), else HTTP (web mode). */
import { HttpBridge, takeToken } from './http.ts';
import { IpcBridge, preloadApi } from './ipc.ts';
import type { HostBridge } from './types.ts';

export * from './types.ts';

let current: HostBridge | null = null;

export function createBridge(): HostBridge {
  const api = preloadApi();
  if (api) return new IpcBridge(api);
  return new HttpBridge(takeToken());
}

export function bridge(): HostBridge {
  if (!current) current = createBridge();
  return current;
}

/** Tests and the dev harness can inject their own bridge. */
export function setBridge(b: HostBridge): void {
  current = b;
}
