import { createHash } from 'node:crypto';
import { RENDERER_CSP_DIRECTIVES } from './security.ts';

/**
 * Turns the built renderer's index.html into a strict, hash-based CSP page:
 *
 *   script-src 'sha256-<loader>' 'strict-dynamic'
 *
 * The module <script src> tags Vite emits are replaced by one inline loader script (classic, hashed)
 * that inserts them once the document is parsed; under 'strict-dynamic' the scripts it inserts and
 * everything they import are trusted, and nothing else is: no allow-list of origins, not even 'self',
 * so a file that lands next to the app (or a same-origin response) cannot be run as a script.
 * The same policy goes in the <meta> (file:// in Electron has no headers) and in the HTTP header the
 * web server sends. Used by the Electron renderer build (electron.vite.config.ts) and, on the fly,
 * by the web server for renderer/dist.
 */
export interface StrictHtml {
  html: string;
  /** The policy for the <meta> tag. */
  csp: string;
  /** The policy for the HTTP header (adds the header-only directives). */
  cspHeader: string;
  /** The module scripts the loader inserts, in order. */
  entries: string[];
}

const MODULE_SCRIPT_RE = /<script\b(?=[^>]*\btype\s*=\s*["']module["'])(?=[^>]*\bsrc\s*=\s*["']([^"']+)["'])([^>]*)>\s*<\/script>\s*/gi;
const META_CSP_RE = /<meta\b[^>]*http-equiv\s*=\s*["']Content-Security-Policy["'][^>]*>/i;
const INLINE_SCRIPT_RE = /<script\b(?![^>]*\bsrc\s*=)[^>]*>[\s\S]*?<\/script>/i;

export function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The renderer policy with script-src replaced by the given sources. */
export function cspWithScriptSrc(scriptSrc: string, header = false): string {
  const parts = RENDERER_CSP_DIRECTIVES.map(([k, v]) => `${k} ${k === 'script-src' ? scriptSrc : v}`);
  if (header) parts.push("frame-ancestors 'none'");
  return parts.join('; ');
}

export function strictCspHtml(html: string): StrictHtml {
  if (INLINE_SCRIPT_RE.test(html)) throw new Error('index.html already has an inline script: it cannot be given a strict CSP automatically');
  const entries: Array<{ src: string; crossorigin: boolean }> = [];
  let rest = html.replace(MODULE_SCRIPT_RE, (_m, src: string, attrs: string) => {
    entries.push({ src, crossorigin: /\bcrossorigin\b/i.test(attrs) });
    return '';
  });
  if (entries.length === 0) throw new Error('index.html has no <script type="module" src> to load');
  // Insert after the DOM is parsed, like the deferred module scripts they replace.
  const loader =
    `(function(){var e=${JSON.stringify(entries.map((x) => [x.src, x.crossorigin]))};` +
    'function l(){e.forEach(function(x){var s=document.createElement("script");s.type="module";if(x[1])s.crossOrigin="";s.src=x[0];document.head.appendChild(s);});}' +
    'if(document.readyState==="loading")document.addEventListener("DOMContentLoaded",l);else l();})();';
  const scriptSrc = `${sha256Source(loader)} 'strict-dynamic'`;
  const csp = cspWithScriptSrc(scriptSrc);
  const meta = `<meta http-equiv="Content-Security-Policy" content="${csp.replace(/"/g, '&quot;')}" />`;
  if (META_CSP_RE.test(rest)) rest = rest.replace(META_CSP_RE, meta);
  else rest = rest.replace(/<head([^>]*)>/i, `<head$1>\n    ${meta}`);
  rest = rest.replace(/<\/head>/i, `    <script>${loader}</script>\n  </head>`);
  return { html: rest, csp, cspHeader: cspWithScriptSrc(scriptSrc, true), entries: entries.map((x) => x.src) };
}
