/** Starts `iommu-lab serve --port 0 --db <temp>` as a child process, as a user would, and stops it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServeProcess {
  url: string;
  token: string;
  /** The page URL with the token, as printed. */
  pageUrl: string;
  dir: string;
  dbPath: string;
  child: ChildProcess;
  stdoutLines(): string[];
  stderr(): string;
  /** POST /api/<op> with the token; the parsed JSON body and status. */
  api(op: string, args?: unknown, opts?: { token?: string | null }): Promise<{ status: number; body: any }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const LISTEN_RE = /^Listening on (http:\/\/127\.0\.0\.1:(\d+)\/)\?token=([A-Za-z0-9_-]+)$/;

export async function startServe(opts: { timeoutMs?: number; extraArgs?: string[]; env?: NodeJS.ProcessEnv; dbPath?: string } = {}): Promise<ServeProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'iommu-lab-e2e-'));
  const dbPath = opts.dbPath ?? path.join(dir, 'e2e.db');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'iommu-lab.mjs'), 'serve', '--port', '0', '--db', dbPath, ...(opts.extraArgs ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));

  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no Listening line in ${opts.timeoutMs ?? 240_000} ms; stderr:\n${err}`)), opts.timeoutMs ?? 240_000);
    const check = (): void => {
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${signal ?? code}) before listening; stderr:\n${err}`));
    });
  });
  const m = LISTEN_RE.exec(first);
  if (!m) throw new Error(`serve's first stdout line is not "Listening on http://127.0.0.1:PORT/?token=TOKEN": ${JSON.stringify(first)}`);
  const [, url, , token] = m;
  let exited: Promise<number | null> | null = null;
  const exitPromise = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  return {
    url,
    token,
    pageUrl: `${url}?token=${token}`,
    dir,
    dbPath,
    child,
    stdoutLines: () => out.split('\n').filter((l) => l !== ''),
    stderr: () => err,
    async api(op, args = {}, o = {}) {
      const t = o.token === undefined ? token : o.token;
      const res = await fetch(`${url}api/${op}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(t ? { Authorization: `Bearer ${t}` } : {}) },
        body: JSON.stringify(args),
      });
      const text = await res.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body };
    },
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      exited ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const code = await exitPromise;
        clearTimeout(timer);
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {
          /* best effort */
        }
        return code;
      })();
      return exited;
    },
  };
}
