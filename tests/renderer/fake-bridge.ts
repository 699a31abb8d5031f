import type { HostBridge } from '../../renderer/src/bridge/types.ts';
import { HostError } from '../../renderer/src/bridge/types.ts';

export type Handler = (args: any) => unknown;

/** A HostBridge answering from handlers, recording each call as [op, args]. */
export function fakeBridge(handlers: Record<string, Handler>, calls: Array<[string, unknown]> = []): HostBridge {
  return {
    kind: 'http',
    async call<T>(op: string, args?: unknown): Promise<T> {
      calls.push([op, args]);
      const h = handlers[op];
      if (!h) throw new HostError(op, `no fake for ${op}`);
      return (await h(args)) as T;
    },
    async saveFile() {
      return { saved: true };
    },
    async openFile() {
      return null;
    },
    onOpenFile: () => () => {},
    onMenu: () => () => {},
  };
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
