/**
 * Where the database lives: the per-user application data folder under the product name, the same
 * folder Electron's app.getPath('userData') gives (Linux $XDG_CONFIG_HOME or ~/.config, macOS
 * ~/Library/Application Support, Windows %APPDATA%), so the app and the CLI share one database.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PRODUCT_NAME = 'IOMMU Lab';
export const DB_FILE_NAME = 'runs.db';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), PRODUCT_NAME);
}

/** Default database path; IOMMU_LAB_DB overrides it (handy for scripts and tests), --db PATH beats both. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.IOMMU_LAB_DB || join(userDataDir(env), DB_FILE_NAME);
}

/**
 * The package's root folder (the one holding package.json) above a module, found by walking up:
 * the same answer from the sources (electron/cli/commands/) and from the built CLI (out/cli/).
 */
export function packageRoot(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}
