/**
 * Unit tests of the shell's pure parts: the web server (auth, routing, static files, errors), the
 * renderer-URL trust check, window state, file policies. No Electron needed.
 */
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type ApiHost, type Envelope, type WebServer } from '../../electron/server/server.ts';
import { resolveStaticPath } from '../../electron/server/static.ts';
import { devCsp, isTrustedRendererUrl, RENDERER_CSP, RENDERER_CSP_HEADER } from '../../electron/main/security.ts';
import { fitToDisplays, parseWindowState } from '../../electron/main/window-state.ts';
import { APP_INDEX_URL, appProtocolHandler, isAppUrl } from '../../electron/main/app-protocol.ts';
import { sanitizeFileName, hasOpenExtension } from '../../electron/main/files-policy.ts';
import { fileArgs } from '../../electron/main/open-files.ts';
import { sha256Source, strictCspHtml } from '../../electron/main/strict-csp.ts';
import { parsePort } from '../../electron/cli/commands/serve.ts';

const root = mkdtempSync(path.join(tmpdir(), 'iommu-lab-static-'));
const dist = path.join(root, 'dist');
mkdirSync(path.join(dist, 'assets'), { recursive: true });
writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>x</title>');
writeFileSync(path.join(dist, 'assets', 'app-1234.js'), 'console.log(1)');
writeFileSync(path.join(dist, 'assets', 'style.css'), 'body{}');
writeFileSync(path.join(dist, '.hidden'), 'secret');
writeFileSync(path.join(root, 'outside.txt'), 'outside');
try {
  symlinkSync(path.join(root, 'outside.txt'), path.join(dist, 'link.txt'));
} catch {
  /* no symlinks on this FS */
}

const calls: Array<{ op: string; args: unknown }> = [];
const fakeHost: ApiHost = {
  ops: ['profiles:list', 'runs:start', 'export:run'],
  async dispatch(op, args): Promise<Envelope> {
    calls.push({ op, args });
    if (op === 'runs:start') {
      const a = args as { strategies?: unknown };
      if (!Array.isArray(a?.strategies)) return { ok: false, error: { code: 'invalid', message: 'runs:start: strategies: expected array', issues: [{ path: 'strategies', message: 'expected array' }] } };
      return { ok: true, result: { runId: 'r1' } };
    }
    if (op === 'export:run') return { ok: false, error: { code: 'not_found', message: 'no run r9' } };
    return { ok: true, result: [{ id: 'apple-dart-16k' }] };
  },
};

let server: WebServer;
beforeAll(async () => {
  server = await startWebServer({ host: fakeHost, rendererDir: dist, port: 0, token: 'tok-123', maxBodyBytes: 1024 });
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const api = (op: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}api/${op}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer tok-123', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('web server', () => {
  it('binds 127.0.0.1 and prints the banner line', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.banner).toBe(`Listening on ${server.url}?token=tok-123`);
  });

  it('refuses the API without the token, or with a wrong one', async () => {
    const r1 = await fetch(`${server.url}api/profiles:list`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(r1.status).toBe(401);
    expect((await r1.json()).error.code).toBe('unauthorized');
    const r2 = await api('profiles:list', {}, { Authorization: 'Bearer nope' });
    expect(r2.status).toBe(401);
    const r3 = await fetch(`${server.url}api/profiles:list?token=tok-123`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(r3.status).toBe(401); // the token in the query is for the page only
    expect(calls.length).toBe(0);
  });

  it('answers an op with the contract envelope', async () => {
    const r = await api('profiles:list', {});
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await r.json()).toEqual({ ok: true, result: [{ id: 'apple-dart-16k' }] });
    const r2 = await api('runs%3Astart', { strategies: ['strict'] });
    expect(await r2.json()).toEqual({ ok: true, result: { runId: 'r1' } });
  });

  it('maps validation errors to 400 with code, message and issues', async () => {
    const r = await api('runs:start', { strategies: 'strict' });
    expect(r.status).toBe(400);
    const b = await r.json();
    expect(b.error).toEqual({ code: 'invalid', message: expect.stringContaining('strategies'), issues: [{ path: 'strategies', message: 'expected array' }] });
    const r2 = await api('export:run', {});
    expect(r2.status).toBe(404);
  });

  it('refuses bad JSON, unknown ops, wrong methods, big bodies and foreign origins', async () => {
    expect((await api('profiles:list', '{nope')).status).toBe(400);
    expect((await api('nothing:here', {})).status).toBe(404);
    expect((await api('profiles:list', { pad: 'x'.repeat(2000) })).status).toBe(413);
    const get = await fetch(`${server.url}api/profiles:list`, { headers: { Authorization: 'Bearer tok-123' } });
    expect(get.status).toBe(405);
    expect((await api('profiles:list', {}, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await api('profiles:list', {}, { 'Content-Type': 'text/plain' })).status).toBe(415);
  });

  it('serves the renderer with content types, CSP on HTML, no token needed', async () => {
    const r = await fetch(`${server.url}?token=tok-123`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(RENDERER_CSP_HEADER);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    const js = await fetch(`${server.url}assets/app-1234.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}assets/style.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    // SPA fallback for extension-less paths, 404 for missing files
    expect((await fetch(`${server.url}history`)).status).toBe(200);
    expect((await fetch(`${server.url}assets/missing.js`)).status).toBe(404);
  });

  it('never serves files outside the renderer, hidden files or symlinks out', async () => {
    for (const p of ['..%2foutside.txt', '%2e%2e/outside.txt', 'assets/..%2f..%2foutside.txt', '.hidden', 'link.txt', '%00', '..%5coutside.txt']) {
      const r = await fetch(`${server.url}${p}`);
      expect([400, 404]).toContain(r.status);
      expect(await r.text()).not.toContain('outside');
    }
  });

  it('refuses other Host headers (DNS rebinding)', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/', headers: { Host: `evil.example:${server.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('static path resolution', () => {
  it('keeps paths inside the root', () => {
    expect(resolveStaticPath('/srv/app', '/assets/a.js')).toBe(path.resolve('/srv/app/assets/a.js'));
    expect(resolveStaticPath('/srv/app', '/../etc/passwd')).toBeNull();
    expect(resolveStaticPath('/srv/app', '/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveStaticPath('/srv/app', '/a/%E0%A4%A')).toBeNull();
    expect(resolveStaticPath('/srv/app', '/.git/config')).toBeNull();
  });
});

describe('renderer trust and CSP', () => {
  const file = { fileUrl: 'file:///opt/IOMMU%20Lab/resources/app.asar/out/renderer/index.html' };
  it('trusts only our own index.html or the dev server', () => {
    expect(isTrustedRendererUrl('file:///opt/IOMMU%20Lab/resources/app.asar/out/renderer/index.html#/history', file)).toBe(true);
    expect(isTrustedRendererUrl('file:///opt/IOMMU Lab/resources/app.asar/out/renderer/index.html', file)).toBe(true);
    expect(isTrustedRendererUrl('file:///tmp/evil.html', file)).toBe(false);
    expect(isTrustedRendererUrl('file://server/opt/IOMMU%20Lab/resources/app.asar/out/renderer/index.html', file)).toBe(false);
    expect(isTrustedRendererUrl('https://example.com/', file)).toBe(false);
    expect(isTrustedRendererUrl('about:blank', file)).toBe(false);
    expect(isTrustedRendererUrl(undefined, file)).toBe(false);
    const dev = { devUrl: 'http://localhost:5173/' };
    expect(isTrustedRendererUrl('http://localhost:5173/index.html', dev)).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isTrustedRendererUrl('file:///tmp/evil.html', dev)).toBe(false);
  });
  it('trusts the app:// index page only, and onBeforeRequest lets only app:// files through', () => {
    const app = { appUrl: APP_INDEX_URL };
    expect(isTrustedRendererUrl('app://iommu-lab/index.html#/history', app)).toBe(true);
    expect(isTrustedRendererUrl('app://iommu-lab/', app)).toBe(true);
    expect(isTrustedRendererUrl('app://iommu-lab/assets/x.html', app)).toBe(false);
    expect(isTrustedRendererUrl('app://other/index.html', app)).toBe(false);
    expect(isTrustedRendererUrl('file:///tmp/index.html', app)).toBe(false);
    expect(isAppUrl('app://iommu-lab/assets/index.js')).toBe(true);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('app://evil/x.js')).toBe(false);
  });
  it('app:// serves the renderer folder only, HTML with a CSP', async () => {
    const serve = appProtocolHandler(dist);
    const index = await serve(new Request('app://iommu-lab/index.html'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(/script-src/);
    expect((await serve(new Request('app://iommu-lab/assets/style.css'))).headers.get('content-type')).toMatch(/text\/css/);
    for (const u of ['app://iommu-lab/..%2f..%2fetc%2fpasswd', 'app://iommu-lab/.hidden', 'app://other/index.html', 'app://iommu-lab/missing.js']) {
      expect((await serve(new Request(u))).status, u).toBe(404);
    }
    expect((await serve(new Request('app://iommu-lab/index.html', { method: 'POST', body: 'x' }))).status).toBe(404);
  });
  it('has the agreed policy and the renderer <meta> carries it', async () => {
    expect(RENDERER_CSP).toContain("default-src 'self'");
    expect(RENDERER_CSP).toContain("script-src 'self';");
    expect(RENDERER_CSP).not.toContain('unsafe-eval');
    expect(RENDERER_CSP_HEADER).toContain("frame-ancestors 'none'");
    expect(devCsp('http://localhost:5173')).toContain('ws://localhost:5173');
    const { readFileSync } = await import('node:fs');
    const html = readFileSync(path.resolve(__dirname, '../../renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(RENDERER_CSP);
  });
});

describe('strict CSP for the built renderer', () => {
  const vite = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta http-equiv="Content-Security-Policy" content="${RENDERER_CSP}" />
    <title>IOMMU Lab</title>
    <script type="module" crossorigin src="./assets/index-AbC123.js"></script>
    <link rel="modulepreload" crossorigin href="./assets/vendor-x.js">
    <link rel="stylesheet" crossorigin href="./assets/index-D.css">
  </head>
  <body><div id="app"></div></body>
</html>`;
  it('replaces the module script by a hashed loader and script-src by hash + strict-dynamic', () => {
    const r = strictCspHtml(vite);
    expect(r.entries).toEqual(['./assets/index-AbC123.js']);
    expect(r.html).not.toMatch(/<script type="module"/);
    const loader = /<script>([\s\S]*?)<\/script>/.exec(r.html)![1];
    expect(r.csp).toContain(`script-src ${sha256Source(loader)} 'strict-dynamic'`);
    expect(r.csp).not.toContain("script-src 'self'");
    expect(r.html).toContain(`content="${r.csp}"`);
    expect(r.cspHeader).toBe(`${r.csp}; frame-ancestors 'none'`);
    expect(r.html.match(/Content-Security-Policy/g)!.length).toBe(1);
    expect(loader).toContain('./assets/index-AbC123.js');
    expect(loader).toContain('DOMContentLoaded');
  });
  it('refuses pages it cannot make strict', () => {
    expect(() => strictCspHtml('<html><head></head><body></body></html>')).toThrow(/no <script/);
    expect(() => strictCspHtml('<html><head><script>alert(1)</script><script type="module" src="a.js"></script></head></html>')).toThrow(/inline script/);
  });
});

describe('window state and files', () => {
  it('parses saved state defensively', () => {
    expect(parseWindowState('garbage').width).toBe(1360);
    expect(parseWindowState('{"width":10,"height":99999,"x":5,"y":6,"maximized":true}')).toEqual({ width: 900, height: 16384, x: 5, y: 6, maximized: true, fullScreen: false });
  });
  it('drops a position that is off every display', () => {
    const s = { x: 5000, y: 5000, width: 1000, height: 800, maximized: false, fullScreen: false };
    expect(fitToDisplays(s, [{ x: 0, y: 0, width: 1920, height: 1080 }]).x).toBeUndefined();
    expect(fitToDisplays(s, [{ x: 4000, y: 4900, width: 1920, height: 1080 }]).x).toBe(5000);
  });
  it('sanitizes names and picks file arguments', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('a<b>:c.csv')).toBe('a_b__c.csv');
    expect(sanitizeFileName('...')).toBe('export');
    expect(hasOpenExtension('job.FIO')).toBe(true);
    expect(hasOpenExtension('x.exe')).toBe(false);
    expect(fileArgs(['--db', 'x.db', 'prof.json', '-v', 'a.fio', 'b.txt'], '/w')).toEqual([path.resolve('/w/prof.json'), path.resolve('/w/a.fio')]);
  });
  it('parses --port', () => {
    expect(parsePort(undefined)).toBe(5178);
    expect(parsePort('0')).toBe(0);
    expect(() => parsePort('70000')).toThrow(/--port/);
    expect(() => parsePort('abc')).toThrow(/--port/);
  });
});
