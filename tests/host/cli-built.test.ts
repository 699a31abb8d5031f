/** The command line as shipped: the built bundle in out/cli (vitest's global setup builds it). */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, 'out', 'cli');

/** Files a module pulls in at load time: static imports of sibling chunks, followed transitively. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(OUT, file), 'utf8');
    for (const m of code.matchAll(/^\s*(?:import|export)\s[^;()]*?from\s+"\.\/([^"]+)"|^\s*import\s+"\.\/([^"]+)"/gm)) visit(m[1] ?? m[2]);
  };
  visit(entry);
  return seen;
}

describe('the built command line', () => {
  it('has the CLI and the worker entry, and loads no chart renderer at start', () => {
    expect(existsSync(join(OUT, 'main.js'))).toBe(true);
    expect(existsSync(join(OUT, 'sim-worker.js'))).toBe(true);
    const loaded = staticClosure('main.js');
    expect(loaded.size).toBeGreaterThan(1);
    for (const f of loaded) {
      const code = readFileSync(join(OUT, f), 'utf8');
      expect(code, f).not.toMatch(/@resvg\/resvg-js|renderToSVGString/);
    }
    // ...while the renderer is there, behind a dynamic import.
    const all = readFileSync(join(OUT, [...loaded].find((f) => /import\("\.\/render-/.test(readFileSync(join(OUT, f), 'utf8')))!), 'utf8');
    expect(all).toMatch(/import\("\.\/render-[^"]+\.js"\)/);
  });

  it('loads the web server only for serve: node:http is not imported at start', () => {
    // Importing node:http as an ES module builds its facade, which loads undici: about a quarter
    // of help's start-up CPU before serve's imports moved behind a dynamic import.
    for (const f of staticClosure('main.js')) {
      expect(readFileSync(join(OUT, f), 'utf8'), f).not.toMatch(/from\s*"(?:node:)?https?"|import\s*"(?:node:)?https?"/);
    }
  });

  it('says how to build it when the bundle is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iommu-lab-nobuild-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'iommu-lab.mjs'), join(dir, 'bin', 'iommu-lab.mjs'));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'iommu-lab.mjs'), 'help'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['iommu-lab: the command line is not built (out/cli/main.js is missing); run `npm run build:cli` (npm ci does it).']);
  });

  it('runs through bin/iommu-lab.mjs', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'iommu-lab.mjs'), 'profiles', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((p: { id: string }) => p.id)).toContain('vtd');
  });
});
