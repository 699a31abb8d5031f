import { InputError } from '../../core/errors.ts';
import { escapeForTerminal } from '../../core/sanitize.ts';
import { parseArgs } from './args.ts';
import type { CliCommand, CliIo } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { tuneV8ForEngine } from '../host/v8-tuning.ts';

function help(io: CliIo): number {
  io.out('iommu-lab: simulate DMA-mapping strategies on IOMMU hardware\n\nCommands:\n');
  for (const c of COMMANDS) io.out(`  ${c.usage}\n      ${c.summary}\n`);
  return 0;
}

function commandHelp(c: CliCommand, io: CliIo): number {
  io.out(`usage: iommu-lab ${c.usage}\n\n${c.summary}\n`);
  return 0;
}

/** Exit codes: 0 ok, 1 failure inside a run, 2 bad input (one line naming field, value, allowed). */
export async function main(argv: string[], rawIo: CliIo = defaultIo()): Promise<number> {
  tuneV8ForEngine();
  // Names, tags and notes (typed or imported) may hold escape sequences: printed escaped, never executed.
  const io: CliIo = { ...rawIo, out: (t) => rawIo.out(escapeForTerminal(t)), err: (t) => rawIo.err(escapeForTerminal(t, { keepCR: true })) };
  const [name, ...rest] = argv;
  if (name === 'help' && rest.length === 1) {
    // `help run`: the usage of one command.
    const c = COMMANDS.find((x) => x.name === rest[0]);
    if (c) return commandHelp(c, io);
  }
  if (!name || name === 'help' || name === '--help' || name === '-h') return help(io);
  // `profile show ID` and `runs show ID` are two-word commands.
  const cmd: CliCommand | undefined = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`command: invalid value "${name}"; allowed: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, new Set(['json', 'markdown', 'help', ...(cmd.booleanFlags ?? [])]));
    // `run --help` / `run -h` print the command's usage (they used to be refused as unknown flags, exit 2).
    if (args.flags.has('help') || args.positionals.includes('-h')) return commandHelp(cmd, io);
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    // A database that cannot be used (damaged, deleted, read-only, not creatable, too new): one line, exit 2.
    if ((e as Error)?.name === 'DatabaseUnusableError' || (e as Error)?.name === 'DatabaseTooNewError') {
      io.err(`${(e as Error).message.split('\n')[0]}\n`);
      return 2;
    }
    const err = e as Error;
    io.err(`error: ${err?.message ?? String(e)}\n`);
    if (process.env.IOMMU_LAB_DEBUG) io.err(`${err?.stack}\n`);
    return 1;
  }
}

/**
 * A writer for stdout/stderr that survives a reader going away: `iommu-lab runs | head -1` closes
 * the pipe early, and Node then raises EPIPE as an unhandled 'error' event (a stack trace, exit 1).
 * After EPIPE the writer drops further output quietly; the command still finishes normally
 * (a `run --save` or `sweep --save` keeps writing its results to the database).
 */
export function pipeSafeWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      closed = true;
      return;
    }
    throw e;
  });
  return (text: string) => {
    if (closed || stream.destroyed) return;
    try {
      stream.write(text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
      closed = true;
    }
  };
}

function defaultIo(): CliIo {
  return {
    out: pipeSafeWriter(process.stdout),
    err: pipeSafeWriter(process.stderr),
    isTTY: Boolean(process.stdout.isTTY),
  };
}
