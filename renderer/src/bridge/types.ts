/** The one interface the renderer talks to the host through (IPC in Electron, HTTP in web mode). */

export interface OpenedFile {
  name: string;
  text: string;
}

export interface SaveResult {
  saved: boolean;
  path?: string;
}

export type SaveEncoding = 'utf8' | 'base64';

export interface HostBridge {
  readonly kind: 'ipc' | 'http';
  /** Calls one host-contract op with its argument object; rejects with HostError. */
  call<T = unknown>(op: string, args?: unknown): Promise<T>;
  /** Saves a file (web: download through a blob link; Electron: Save As dialog). */
  saveFile(suggestedName: string, mimeType: string, data: string, encoding?: SaveEncoding): Promise<SaveResult>;
  /** Lets the user pick a text file (web: <input type=file>; Electron: Open dialog). null if cancelled. */
  openFile(extensions: string[], title?: string): Promise<OpenedFile | null>;
  /** Files opened from outside the page (Electron menu / OS); web mode never calls it. */
  onOpenFile(cb: (f: OpenedFile) => void): () => void;
  /** Native menu commands; web mode never calls it. */
  onMenu(cb: (command: string) => void): () => void;
}

export interface HostIssue {
  path: string;
  message: string;
}

/**
 * An op failed: `message` is one line for the user; `code` is the contract's error code
 * (invalid, not_found, conflict, internal, or transport); `issues` name bad fields.
 */
export class HostError extends Error {
  readonly op: string;
  readonly code: string;
  readonly status?: number;
  readonly issues?: HostIssue[];
  constructor(op: string, message: string, opts: { code?: string; status?: number; issues?: HostIssue[] } = {}) {
    super(message);
    this.name = 'HostError';
    this.op = op;
    this.code = opts.code ?? 'transport';
    this.status = opts.status;
    if (opts.issues?.length) this.issues = opts.issues;
  }
}

interface ErrorData {
  code?: unknown;
  message?: unknown;
  issues?: unknown;
}

function asIssues(x: unknown): HostIssue[] | undefined {
  if (!Array.isArray(x)) return undefined;
  return x
    .filter((i): i is HostIssue => !!i && typeof i === 'object' && typeof (i as HostIssue).message === 'string')
    .map((i) => ({ path: String(i.path ?? '(root)'), message: i.message }));
}

/** A contract error object `{code, message, issues?}` as a HostError. */
export function hostErrorFromData(op: string, d: ErrorData, status?: number): HostError {
  return new HostError(op, typeof d.message === 'string' ? d.message : `${op} failed`, {
    code: typeof d.code === 'string' ? d.code : undefined,
    status,
    issues: asIssues(d.issues),
  });
}

const ERROR_CODES = ['invalid', 'not_found', 'conflict', 'internal'];

/**
 * Unwraps the contract's transport envelope `{ ok: true, result }` / `{ ok: false, error: {code, message} }`.
 * Anything else is returned as it is (a transport that already unwrapped). Careful: results such as
 * profiles:validate's `{ ok: false, issues }` are not envelopes and pass through.
 */
export function unwrapEnvelope<T>(op: string, body: unknown, status?: number): T {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const keys = Object.keys(b);
    if (b.ok === true && 'result' in b && keys.length === 2) return b.result as T;
    if (b.ok === false && b.error && typeof b.error === 'object' && ERROR_CODES.includes(String((b.error as ErrorData).code))) {
      throw hostErrorFromData(op, b.error as ErrorData, status);
    }
  }
  return body as T;
}

/** The error message of anything thrown, for display. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
