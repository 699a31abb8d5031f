/** Saving exports through the bridge, with a status line for the UI. */
import { bridge } from '../bridge/index.ts';
import { errorMessage } from '../bridge/types.ts';
import { ref } from 'vue';

/** The last export's outcome, shown in the status bar. */
export const lastExport = ref<{ ok: boolean; text: string; at: number } | null>(null);

export async function saveText(name: string, mimeType: string, text: string): Promise<boolean> {
  return saveData(name, mimeType, text, 'utf8');
}

export async function saveData(name: string, mimeType: string, data: string, encoding: 'utf8' | 'base64'): Promise<boolean> {
  try {
    const r = await bridge().saveFile(name, mimeType, data, encoding);
    lastExport.value = { ok: true, text: r.saved ? `Saved ${r.path ?? name}` : 'Export cancelled', at: Date.now() };
    return r.saved;
  } catch (e) {
    lastExport.value = { ok: false, text: `Export of ${name} failed: ${errorMessage(e)}`, at: Date.now() };
    return false;
  }
}

/** An ExportFile from export:run / export:diff / export:sweep. */
export async function saveExportFile(f: { filename: string; mimeType: string; encoding: 'utf8' | 'base64'; data: string }): Promise<boolean> {
  return saveData(f.filename, f.mimeType, f.data, f.encoding);
}
