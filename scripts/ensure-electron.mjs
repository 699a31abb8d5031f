#!/usr/bin/env node
// Installs ignore npm install scripts (see .npmrc), so Electron's binary is fetched here, on first
// `npm start` / `npm run dist`, by Electron's own installer. It needs the network once.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const dir = dirname(require.resolve('electron/package.json'));
if (!existsSync(join(dir, 'path.txt'))) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    console.error('Electron binary missing and ELECTRON_SKIP_BINARY_DOWNLOAD is set: unset it to download Electron once.');
    process.exit(1);
  }
  console.error('Downloading the Electron binary (first start only)…');
  const r = spawnSync(process.execPath, [join(dir, 'install.js')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
