/**
 * electron-vite build of the desktop app (`npm run build`, `npm start` = electron-vite dev):
 *   out/main/      main process (ESM, package.json is "type": "module") + the simulation worker entry
 *   out/preload/   index.cjs — sandboxed preloads must be CommonJS and self-contained
 *   out/renderer/  the Vue app (renderer/index.html)
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import type { Plugin } from 'vite';
import { OP_NAMES } from './core/contract.ts';
import { strictCspHtml } from './electron/main/strict-csp.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const r = (p: string): string => resolve(root, p);

/**
 * The packaged renderer gets a strict, hash-based CSP (electron/main/strict-csp.ts): the module entry
 * is loaded by a hashed inline loader and script-src is `'sha256-…' 'strict-dynamic'`, no 'self'.
 * Build only: the dev server keeps the source policy (its client scripts change on every edit).
 */
function strictCsp(): Plugin {
  return {
    name: 'iommu-lab:strict-csp',
    apply: 'build',
    enforce: 'post',
    transformIndexHtml: { order: 'post', handler: (html) => strictCspHtml(html).html },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: r('out/main'),
      // better-sqlite3 and @resvg/resvg-js are native: never bundled (externalizeDeps keeps every
      // production dependency external; electron-builder ships them, unpacked from the asar).
      externalizeDeps: true,
      rolldownOptions: {
        // The simulation worker is its own entry, out/main/sim-worker.js, beside index.js: the main
        // process passes that path to the host's worker pool (electron/main/index.ts: SIM_WORKER).
        input: { index: r('electron/main/index.ts'), 'sim-worker': r('electron/host/sim-worker.ts'), 'export-worker': r('electron/host/export-worker.ts') },
        external: ['better-sqlite3', '@resvg/resvg-js'],
        output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
      sourcemap: false,
    },
  },
  preload: {
    define: {
      __IOMMU_LAB_OPS__: JSON.stringify(OP_NAMES),
    },
    build: {
      outDir: r('out/preload'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: r('electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
      sourcemap: false,
    },
  },
  renderer: {
    root: r('renderer'),
    plugins: [vue(), strictCsp()],
    build: {
      outDir: r('out/renderer'),
      emptyOutDir: true,
      rolldownOptions: { input: { index: r('renderer/index.html') } },
      chunkSizeWarningLimit: 1500,
    },
    server: { host: '127.0.0.1', strictPort: false },
  },
});
