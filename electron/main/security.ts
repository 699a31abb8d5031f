/**
 * Security policy shared by the Electron shell and the web mode. Pure (no electron import), so the
 * local web server and the unit tests use the same definitions as the app.
 */

/**
 * The Content-Security-Policy of the renderer. The same policy is in a <meta> of renderer/index.html
 * (for file:// loads, where there are no response headers) and is sent as a header by the Electron
 * session and by the web server. `frame-ancestors` only works as a header, so it is added there.
 */
export const RENDERER_CSP_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  // ECharts and Vue style bindings set inline styles.
  ['style-src', "'self' 'unsafe-inline'"],
  // Chart exports are data: and blob: URLs.
  ['img-src', "'self' data: blob:"],
  ['font-src', "'self'"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

/** The policy as it appears in the renderer's <meta> tag. */
export const RENDERER_CSP = RENDERER_CSP_DIRECTIVES.map(([k, v]) => `${k} ${v}`).join('; ');

/** The policy sent as an HTTP header: the meta policy plus the header-only directives. */
export const RENDERER_CSP_HEADER = `${RENDERER_CSP}; frame-ancestors 'none'`;

/**
 * The dev-server variant (electron-vite dev): Vite's client needs a websocket to its own origin for
 * hot reload. Only used when ELECTRON_RENDERER_URL is set, never in a packaged app.
 */
export function devCsp(devUrl: string): string {
  const u = new URL(devUrl);
  const ws = `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}`;
  return RENDERER_CSP_DIRECTIVES.map(([k, v]) => (k === 'connect-src' ? `${k} ${v} ${ws}` : `${k} ${v}`)).join('; ');
}

/** Security headers sent with every response of the renderer (Electron session and web server). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/**
 * Where the app's own renderer is loaded from: the packaged index.html (a file:// URL) or, in
 * development, the Vite dev server.
 */
export interface TrustedOrigin {
  /** app://iommu-lab/index.html: the built renderer served by the app's privileged scheme (app-protocol.ts). */
  appUrl?: string;
  /** file:// URL of the built renderer's index.html (kept for callers that still load a file). */
  fileUrl?: string;
  /** http://localhost:5173-style URL of the dev server (`electron-vite dev`). */
  devUrl?: string;
}

/**
 * True when `url` is a page of our own renderer: the exact index.html file (any hash or query),
 * or the dev server's origin. Anything else — other files, other hosts, about:blank, data:, a
 * navigated frame — is refused.
 */
export function isTrustedRendererUrl(url: string | undefined | null, trusted: TrustedOrigin): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (trusted.appUrl && u.protocol !== 'file:' && u.protocol !== 'http:' && u.protocol !== 'https:') {
    const a = new URL(trusted.appUrl);
    // Any page path of our own origin is the single-page app (index.html, its hash routes).
    return u.protocol === a.protocol && u.host === a.host && (u.pathname === a.pathname || u.pathname === '/');
  }
  if (trusted.fileUrl && u.protocol === 'file:') {
    const f = new URL(trusted.fileUrl);
    // Compare decoded paths so %20 vs space cannot matter; host must be empty (no UNC shares).
    return u.host === f.host && safeDecode(u.pathname) === safeDecode(f.pathname);
  }
  if (trusted.devUrl && (u.protocol === 'http:' || u.protocol === 'https:')) {
    return u.origin === new URL(trusted.devUrl).origin;
  }
  return false;
}

function safeDecode(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}
