/**
 * `iommu-lab strategies | head -1`: the reader closes the pipe before the command has written
 * everything. The command used to die with an unhandled EPIPE stack trace and exit 1.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/iommu-lab.mjs', import.meta.url));

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Close the read end at once, as `head` does after its first line: every write then fails with EPIPE.
    p.stdout.destroy();
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, err }));
  });
}

describe('output into a closed pipe', () => {
  it('exits 0 quietly instead of crashing with EPIPE', async () => {
    for (const args of [['help'], ['strategies', '--json'], ['run', '--profile', 'vtd', '--strategy', 'strict,lazy', '--workload', 'fio:number_ios=500']]) {
      const r = await runWithClosedStdout(args);
      expect(r.err, args.join(' ')).not.toMatch(/EPIPE|Unhandled|at /);
      expect(r.code, args.join(' ')).toBe(0);
    }
  }, 60_000);
});
