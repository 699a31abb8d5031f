import { createReadStream, promises as fsp } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { RENDERER_CSP_HEADER, SECURITY_HEADERS } from '../main/security.ts';
import { strictCspHtml } from '../main/strict-csp.ts';
import { contentTypeFor, resolveStaticPath, statStatic } from './static.ts';

/** One call's answer, as the contract's transports carry it (core/contract.ts: OpResponse). */
export type Envelope =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: string; message: string; issues?: unknown[] } };

/** What the web server needs from the host: the op names and a dispatcher that validates. */
export interface ApiHost {
  readonly ops: readonly string[];
  /** Validates the raw arguments with the op's schema and executes; answers an envelope. */
  dispatch(op: string, rawArgs: unknown): Promise<Envelope>;
}

/** HTTP status of a failed op, by contract error code (core/contract.ts: HTTP_STATUS). */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = { invalid: 400, not_found: 404, conflict: 409, internal: 500 };

export interface WebServerOptions {
  host: ApiHost;
  /** Directory of the built renderer (renderer/dist). */
  rendererDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Defaults to 32 random bytes, hex. */
  token?: string;
  /** Largest request body accepted by the API, bytes (default 320 MiB: export:import takes bundles up to 256 Mi characters). */
  maxBodyBytes?: number;
  /** Called with each request line for debugging (never with the token). */
  log?: (line: string) => void;
  /** Time to receive a request's headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, headers and body (default 120 s: a 320 MiB body at ~3 MB/s). */
  requestTimeoutMs?: number;
  /** Open connections at most (default 128); at the cap the oldest unauthenticated one makes room. */
  maxConnections?: number;
  /** Bodies over this size are received one at a time (default 8 MiB); the next gets 503 meanwhile. */
  largeBodyBytes?: number;
}

/** The web server's limits, stated in the README. */
export const SERVER_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  maxConnections: 128,
  largeBodyBytes: 8 * 1024 * 1024,
  keepAliveTimeoutMs: 5_000,
} as const;

export interface WebServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** The single line the `serve` command prints. */
  readonly banner: string;
  close(): Promise<void>;
}

export const BIND_HOST = '127.0.0.1';
const DEFAULT_MAX_BODY = 320 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function tokenMatches(expected: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  const got = Buffer.from(m[1], 'utf8');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/**
 * The body, read as it streams in and stopped at `limit` (the declared length is checked before a
 * byte is read). With a Content-Length the bytes go straight into one buffer of that size (no
 * chunk list plus a concatenated copy). A refused body is not drained: the caller closes the socket.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, 'too_large', `request body over ${limit} bytes`));
      return;
    }
    const fixed = Number.isFinite(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      req.pause();
      reject(e);
    };
    req.on('data', (c: Buffer) => {
      if (failed) return;
      if (size + c.length > (fixed ? fixed.length : limit)) {
        fail(new HttpError(fixed ? 400 : 413, fixed ? 'invalid' : 'too_large', fixed ? 'request body longer than its Content-Length' : `request body over ${limit} bytes`));
        return;
      }
      if (fixed) c.copy(fixed, size);
      else chunks.push(c);
      size += c.length;
    });
    req.on('end', () => {
      if (failed) return;
      if (fixed && size !== fixed.length) fail(new HttpError(400, 'invalid', 'request body shorter than its Content-Length'));
      else resolve(fixed ?? Buffer.concat(chunks, size));
    });
    req.on('error', fail);
    req.on('close', () => fail(new HttpError(400, 'invalid', 'connection closed before the body was complete')));
  });
}

/** JSON for results: binary payloads (PNG exports) travel as {base64, byteLength}. */
function toJson(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value, (_k, v) => {
    if (v instanceof Uint8Array) return { base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'), byteLength: v.byteLength };
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      const b = Buffer.from((v as { data: number[] }).data);
      return { base64: b.toString('base64'), byteLength: b.length };
    }
    if (typeof v === 'bigint') return Number(v);
    return v;
  });
}

/**
 * The web mode: serves the built renderer and the host contract at POST /api/<op>, on 127.0.0.1
 * only. The API needs `Authorization: Bearer <token>`; static files do not (they hold no data).
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const tokenBuf = Buffer.from(token, 'utf8');
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const ops = new Set(opts.host.ops);
  const rendererDir = path.resolve(opts.rendererDir);
  let port = opts.port;

  const send = (res: http.ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...SECURITY_HEADERS, ...extra });
    res.end(body);
  };
  const sendJson = (res: http.ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void =>
    send(res, status, body, 'application/json; charset=utf-8', { 'Cache-Control': 'no-store', ...extra });
  const sendError = (req: http.IncomingMessage, res: http.ServerResponse, e: unknown): void => {
    const status = e instanceof HttpError ? e.status : 500;
    const code = e instanceof HttpError ? e.code : 'internal';
    const message = e instanceof Error ? e.message : String(e);
    const extra: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
    // A request refused before its body was read: answer, then close instead of draining the body
    // (an unauthenticated 1 GiB upload used to be read to the end).
    const unread = !req.complete;
    if (unread) extra.Connection = 'close';
    if (!res.headersSent) {
      sendJson(res, status, JSON.stringify({ ok: false, error: { code, message } }), extra);
      if (unread) res.on('finish', () => req.socket.destroySoon());
    } else res.destroy();
  };

  /** DNS-rebinding guard: only our own host names may address the server. */
  const hostAllowed = (h: string | undefined): boolean => h === `${BIND_HOST}:${port}` || h === `localhost:${port}`;

  const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, rawOp: string): Promise<void> => {
    if (!tokenMatches(tokenBuf, req.headers.authorization)) throw new HttpError(401, 'unauthorized', 'missing or wrong token (Authorization: Bearer <token>)');
    const info = conns.get(req.socket);
    if (info) info.authed = true;
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'the API takes POST');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${BIND_HOST}:${port}` && origin !== `http://localhost:${port}`) {
      throw new HttpError(403, 'forbidden', `origin ${origin} may not call the API`);
    }
    let op: string;
    try {
      op = decodeURIComponent(rawOp);
    } catch {
      throw new HttpError(404, 'not_found', 'malformed operation name');
    }
    if (!ops.has(op)) throw new HttpError(404, 'not_found', `unknown operation "${op}"`);
    const type = String(req.headers['content-type'] ?? 'application/json');
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'unsupported_media_type', 'the API takes application/json');
    // Large bodies one at a time: two concurrent 250 MB imports used to take RSS to 2 GB.
    const declared = Number(req.headers['content-length'] ?? NaN);
    const large = !(Number.isFinite(declared) && declared <= largeBody);
    if (large && largeInFlight) throw new HttpError(503, 'busy', 'another large request is being received; retry when it is done');
    let body: Buffer;
    if (large) largeInFlight = true;
    try {
      body = await readBody(req, maxBody);
    } finally {
      if (large) largeInFlight = false;
    }
    let args: unknown = undefined;
    if (body.length > 0) {
      try {
        args = JSON.parse(body.toString('utf8'));
        // Let the raw bytes go before the (possibly long) operation runs.
        body = Buffer.alloc(0);
      } catch (e) {
        throw new HttpError(400, 'invalid', `request body is not JSON: ${(e as Error).message}`);
      }
    }
    const answer = await opts.host.dispatch(op, args);
    // Failed ops keep the contract's envelope ({ok:false, error:{code, message, issues}}) with the
    // status of their code: 400 for validation, 404, 409, 500.
    const status = answer.ok ? 200 : (STATUS_BY_CODE[answer.error.code] ?? 500);
    sendJson(res, status, toJson(answer));
  };

  const handleStatic = async (req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', 'static files take GET');
    const file = resolveStaticPath(rendererDir, pathname);
    if (file === null) throw new HttpError(404, 'not_found', 'not found');
    let found = await statStatic(rendererDir, file);
    // Single-page app: a path without an extension falls back to index.html.
    if (!found && path.extname(file) === '') found = await statStatic(rendererDir, path.join(rendererDir, 'index.html'));
    if (!found) throw new HttpError(404, 'not_found', 'not found');
    const type = contentTypeFor(found.file);
    if (type.startsWith('text/html')) {
      // Pages get the strict hash-based CSP, in their <meta> and in the header.
      const page = await strictPage(found.file, found.mtimeMs);
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': Buffer.byteLength(page.html),
        'Cache-Control': 'no-store',
        ...SECURITY_HEADERS,
        'Content-Security-Policy': page.cspHeader,
      });
      res.end(req.method === 'HEAD' ? undefined : page.html);
      return;
    }
    const cache = found.file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': found.size, 'Cache-Control': cache, ...SECURITY_HEADERS });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  const pages = new Map<string, { mtimeMs: number; html: string; cspHeader: string }>();
  const strictPage = async (file: string, mtimeMs: number): Promise<{ html: string; cspHeader: string }> => {
    const hit = pages.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit;
    const raw = await fsp.readFile(file, 'utf8');
    let page: { html: string; cspHeader: string };
    try {
      const s = strictCspHtml(raw);
      page = { html: s.html, cspHeader: s.cspHeader };
    } catch (e) {
      // An HTML file without a module entry (or with its own inline script): the base policy.
      opts.log?.(`strict CSP not applied to ${path.basename(file)}: ${(e as Error).message}`);
      page = { html: raw, cspHeader: RENDERER_CSP_HEADER };
    }
    pages.set(file, { mtimeMs, ...page });
    return page;
  };

  const headersTimeout = opts.headersTimeoutMs ?? SERVER_LIMITS.headersTimeoutMs;
  const requestTimeout = opts.requestTimeoutMs ?? SERVER_LIMITS.requestTimeoutMs;
  const maxConns = opts.maxConnections ?? SERVER_LIMITS.maxConnections;
  const largeBody = opts.largeBodyBytes ?? SERVER_LIMITS.largeBodyBytes;
  let largeInFlight = false;
  /** Open sockets, oldest first, and whether one has shown the token. */
  const conns = new Map<import('node:net').Socket, { authed: boolean }>();

  const server = http.createServer({
    headersTimeout,
    // The whole request (headers + body) must arrive within this; the answer may take longer.
    requestTimeout,
    // Node checks the two timeouts on this interval (default 30 s).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))),
    keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
  }, (req, res) => {
    const started = Date.now();
    void (async () => {
      try {
        if (!hostAllowed(req.headers.host)) throw new HttpError(421, 'wrong_host', 'this server only answers to 127.0.0.1 and localhost');
        const url = new URL(req.url ?? '/', `http://${BIND_HOST}:${port}`);
        const m = /^\/api\/([^/]+)$/.exec(url.pathname);
        if (m) await handleApi(req, res, m[1]);
        else if (url.pathname.startsWith('/api/') || url.pathname === '/api') throw new HttpError(404, 'not_found', 'unknown API path');
        else await handleStatic(req, res, url.pathname);
      } catch (e) {
        sendError(req, res, e);
      } finally {
        opts.log?.(`${req.method} ${(req.url ?? '').replace(/([?&]token=)[^&]*/, '$1…')} ${res.statusCode} ${Date.now() - started}ms`);
      }
    })();
  });
  // An idle keep-alive socket or a stalled response (a client that stops reading) goes after this long.
  server.timeout = requestTimeout;
  // The connection cap: at the cap, the oldest connection that never showed the token is closed to
  // make room (slow or idle sockets cannot starve real requests); when all are authenticated the new one is refused.
  server.on('connection', (socket) => {
    if (conns.size >= maxConns) {
      let victim: import('node:net').Socket | null = null;
      for (const [s, info] of conns) {
        if (!info.authed) {
          victim = s;
          break;
        }
      }
      if (!victim) {
        socket.destroy();
        return;
      }
      conns.delete(victim);
      victim.destroy();
    }
    conns.set(socket, { authed: false });
    socket.on('close', () => conns.delete(socket));
    // A socket that never sends a byte is not covered by headersTimeout: it gets the same deadline.
    const silent = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, headersTimeout);
    silent.unref();
    socket.once('data', () => clearTimeout(silent));
    socket.on('close', () => clearTimeout(silent));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${opts.port} is in use on ${BIND_HOST}; choose another with --port N (0 picks a free one)`) : e);
    };
    server.once('error', onError);
    server.listen(opts.port, BIND_HOST, () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${BIND_HOST}:${port}/`;

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    token,
    banner: `Listening on ${url}?token=${token}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      return closing;
    },
  };
}
