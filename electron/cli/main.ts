import { InputError } from '../../core/errors.ts';
import { parseArgs } from './args.ts';
import type { CliCommand, CliIo } from './command.ts';
import { COMMANDS } from './commands/index.ts';

function help(io: CliIo): number {
  io.out('iommu-lab: simulate DMA-mapping strategies on IOMMU hardware\n\nCommands:\n');
  for (const c of COMMANDS) io.out(`  ${c.usage}\n      ${c.summary}\n`);
  return 0;
}

/** Exit codes: 0 ok, 1 failure inside a run, 2 bad input (one line naming field, value, allowed). */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return help(io);
  // `profile show ID` and `runs show ID` are two-word commands.
  const cmd: CliCommand | undefined = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`command: invalid value "${name}"; allowed: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, new Set(['json', 'markdown', 'help', ...(cmd.booleanFlags ?? [])]));
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    const err = e as Error;
    io.err(`error: ${err?.message ?? String(e)}\n`);
    if (process.env.IOMMU_LAB_DEBUG) io.err(`${err?.stack}\n`);
    return 1;
  }
}

function defaultIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
  };
}
