import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function coreErrors(code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: 'core/engine/example.ts' });
  return r.messages.map((m) => m.message);
}

describe('core/ purity rule', () => {
  it('rejects host, UI and wall-clock dependencies in core/', async () => {
    expect((await coreErrors("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).join()).toMatch(/no node:\* modules/);
    expect((await coreErrors("import Database from 'better-sqlite3';\nexport const x = Database;\n")).join()).toMatch(/database belongs to the host/);
    expect((await coreErrors("import { app } from 'electron';\nexport const x = app;\n")).join()).toMatch(/no electron/);
    expect((await coreErrors("import { ref } from 'vue';\nexport const x = ref;\n")).join()).toMatch(/no UI/);
    expect((await coreErrors('export const x = Math.random();\n')).join()).toMatch(/seeded PRNG/);
    expect((await coreErrors('export const x = Date.now();\n')).join()).toMatch(/wall clock/);
    expect((await coreErrors('export const x = document.title;\n')).join()).toMatch(/no DOM/);
  });
  it('accepts pure TypeScript', async () => {
    expect(await coreErrors("import { z } from 'zod';\nexport const s = z.number();\n")).toEqual([]);
  });
});
