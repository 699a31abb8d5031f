/** Web mode: POST /api/<op> with the JSON argument and `Authorization: Bearer <token>`. */
import { downloadBlob, pickFile } from './files.ts';
import { opHttpPath } from './ops.ts';
import { HostError, hostErrorFromData, unwrapEnvelope, type HostBridge, type OpenedFile, type SaveEncoding, type SaveResult } from './types.ts';

const TOKEN_KEY = 'iommu-lab.token';

/**
 * The token from `?token=` on first load, kept in sessionStorage so a reload works; the query is
 * then removed from the address bar (it stays out of screenshots and history).
 */
export function takeToken(loc: Location = window.location, store: Storage = window.sessionStorage): string | null {
  const params = new URLSearchParams(loc.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    store.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const q = params.toString();
    try {
      window.history.replaceState(window.history.state, '', `${loc.pathname}${q ? `?${q}` : ''}${loc.hash}`);
    } catch {
      /* file:// or sandboxed: keep the URL */
    }
    return fromUrl;
  }
  return store.getItem(TOKEN_KEY);
}

/** Reads a host error body: `{ok:false, error:{code,message,issues}}`, `{error:"..."}`, `{message}` or text. */
export function errorFromBody(op: string, status: number, body: unknown, text: string): HostError {
  // A refused token: the server's own wording ("missing or wrong token (Authorization: Bearer …)")
  // adds nothing for someone in a browser, so say what happened and what to do, once.
  if (status === 401 || status === 403) {
    return new HostError(op, 'the access token is missing or wrong (the server may have been restarted: each start prints a new one). Open the URL printed by "iommu-lab serve" (it ends in ?token=…)', { code: 'unauthorized', status });
  }
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const e = b.error;
    if (e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string') return hostErrorFromData(op, e as Record<string, unknown>, status);
    const m = typeof e === 'string' ? e : typeof b.message === 'string' ? b.message : undefined;
    if (m) return new HostError(op, m, { status });
  }
  const msg = text.trim().split('\n')[0] || `HTTP ${status}`;
  return new HostError(op, msg, { status });
}

export class HttpBridge implements HostBridge {
  readonly kind = 'http' as const;
  private readonly base: string;
  private readonly token: string | null;

  constructor(token: string | null, base = '') {
    this.token = token;
    this.base = base;
  }

  async call<T = unknown>(op: string, args?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${opHttpPath(op)}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
        },
        body: JSON.stringify(args ?? {}),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (e) {
      throw new HostError(op, `cannot reach the IOMMU Lab server (${e instanceof Error ? e.message : String(e)}); is "iommu-lab serve" still running?`);
    }
    const text = await res.text();
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (!res.ok) throw errorFromBody(op, res.status, body, text);
    if (body === undefined && text) throw new HostError(op, `the server answered ${op} with something that is not JSON`, { status: res.status });
    return unwrapEnvelope<T>(op, body, res.status);
  }

  async saveFile(suggestedName: string, mimeType: string, data: string, encoding: SaveEncoding = 'utf8'): Promise<SaveResult> {
    downloadBlob(suggestedName, mimeType, data, encoding);
    return { saved: true, path: suggestedName };
  }

  openFile(extensions: string[]): Promise<OpenedFile | null> {
    return pickFile(extensions);
  }

  onOpenFile(): () => void {
    return () => {};
  }

  onMenu(): () => void {
    return () => {};
  }
}
