/**
 * The renderer is served from a custom privileged scheme, `app://iommu-lab/`, instead of file://:
 * a page on file:// may read any other file:// URL the OS lets it, and every file:// URL looked
 * alike to onBeforeRequest. Here only files of the built renderer folder answer (no `..`, no hidden
 * files, no symlinks out), HTML pages get the strict hash-based CSP, and everything else is a 404.
 * No electron import: the handler is a plain Request -> Response function the tests call directly.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RENDERER_CSP_HEADER, SECURITY_HEADERS } from './security.ts';
import { strictCspHtml } from './strict-csp.ts';
import { contentTypeFor, resolveStaticPath, statStatic } from '../server/static.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'iommu-lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** The scheme's privileges (protocol.registerSchemesAsPrivileged, before the app is ready). */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  // standard: relative URLs and 'self' in the CSP work as for https; secure: a secure context.
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const;

/** True for a URL of the app's own files (what onBeforeRequest lets through). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Serves `app://iommu-lab/<path>` from `rendererDir`. */
export function appProtocolHandler(rendererDir: string): (req: Request) => Promise<Response> {
  const root = path.resolve(rendererDir);
  const headers = (type: string, extra: Record<string, string> = {}) => ({ 'Content-Type': type, 'Cache-Control': 'no-cache', ...SECURITY_HEADERS, ...extra });
  const notFound = () => new Response('not found', { status: 404, headers: headers('text/plain; charset=utf-8') });
  return async (req) => {
    let u: URL;
    try {
      u = new URL(req.url);
    } catch {
      return notFound();
    }
    if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound();
    const file = resolveStaticPath(root, u.pathname === '/' ? '/index.html' : u.pathname);
    const found = file === null ? null : await statStatic(root, file);
    if (!found) return notFound();
    const type = contentTypeFor(found.file);
    // The renderer's own files: internal, read whole (the ESLint user-input rule covers cli/host only).
    const body = await fs.readFile(found.file);
    if (type.startsWith('text/html')) {
      let html = body.toString('utf8');
      let csp = RENDERER_CSP_HEADER;
      try {
        const s = strictCspHtml(html);
        html = s.html;
        csp = s.cspHeader;
      } catch {
        // a page without a module entry keeps the base policy
      }
      return new Response(html, { status: 200, headers: headers(type, { 'Content-Security-Policy': csp }) });
    }
    return new Response(body, { status: 200, headers: headers(type) });
  };
}
