/** Browser-side file helpers shared by both bridges (no Node APIs). */
import type { OpenedFile, SaveEncoding } from './types.ts';

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Download through a blob link (web mode). */
export function downloadBlob(name: string, mimeType: string, data: string, encoding: SaveEncoding = 'utf8'): void {
  const part: BlobPart = encoding === 'base64' ? (base64ToBytes(data) as Uint8Array<ArrayBuffer>) : data;
  const blob = new Blob([part], { type: mimeType });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** <input type=file> picker (web mode; also usable in Electron). */
export function pickFile(extensions: string[]): Promise<OpenedFile | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = extensions.map((e) => (e.startsWith('.') ? e : `.${e}`)).join(',');
    input.style.display = 'none';
    let settled = false;
    const done = (v: OpenedFile | null) => {
      if (settled) return;
      settled = true;
      input.remove();
      resolve(v);
    };
    input.addEventListener('change', async () => {
      const f = input.files?.[0];
      if (!f) return done(null);
      done({ name: f.name, text: await f.text() });
    });
    input.addEventListener('cancel', () => done(null));
    document.body.appendChild(input);
    input.click();
  });
}

/** A dropped or picked File as text. */
export async function readFileAsText(f: File): Promise<OpenedFile> {
  return { name: f.name, text: await f.text() };
}
