/**
 * Naming agreement between the renderer and the Electron preload (pure, no imports).
 *
 * The preload exposes ONE object on `window.iommuLab` (contextBridge.exposeInMainWorld) with
 * one function per host-contract op, named by `opFunctionName`:
 *
 *   'profiles:list'   → iommuLab.profilesList(args)
 *   'runs:start'      → iommuLab.runsStart(args)
 *   'engine:catalog'  → iommuLab.engineCatalog(args)
 *   'export:run'      → iommuLab.exportRun(args)
 *   'sweeps:start'    → iommuLab.sweepsStart(args)
 *
 * i.e. drop the colon, camel-case each `:`/`-`/`_`/`.` separated word after the first. Every op
 * function takes the op's single argument object (or undefined) and returns a Promise of the
 * op's result; a failed op rejects with an Error whose message is the one-line host error.
 *
 * Besides the ops, the preload exposes (names fixed here):
 *   saveFile({ suggestedName, mimeType, data, encoding: 'utf8' | 'base64' })
 *        → Promise<{ saved: boolean; path?: string }>   (native Save As dialog)
 *   openFile({ title?, extensions: string[] })
 *        → Promise<{ name: string; text: string } | null>  (native Open dialog, UTF-8 text files)
 *   onOpenFile(cb: (file: { name: string; text: string }) => void) → () => void
 *        (a file opened from the menu, by drag and drop on the window, or from the OS)
 *   onMenu(cb: (command: string) => void) → () => void
 *        (menu commands: 'nav:profiles' | 'nav:experiment' | 'nav:comparison' | 'nav:history' | 'nav:diff' | 'nav:calibrate' | 'run' | 'cancel'
 *         | 'export:chart-png' | 'export:chart-svg' | 'export:table-csv' | 'export:table-md' | 'export:bundle'
 *         | 'profile:new' | 'profile:import'; unknown commands are ignored)
 *
 * Web mode uses the op names as they are: POST /api/<op> (e.g. /api/runs:start).
 */

/** 'runs:start' → 'runsStart', 'profiles:import-json' → 'profilesImportJson'. */
export function opFunctionName(op: string): string {
  const words = op.split(/[:\-_.]+/).filter(Boolean);
  return words
    .map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
}

/** The non-op functions of the preload namespace. */
export const PRELOAD_EXTRAS = ['saveFile', 'openFile', 'onOpenFile', 'onMenu'] as const;

/** The namespace on window. */
export const PRELOAD_GLOBAL = 'iommuLab';

/** HTTP path of an op in web mode. */
export function opHttpPath(op: string): string {
  return `/api/${op}`;
}
