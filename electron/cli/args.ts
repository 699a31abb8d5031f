import { InputError } from '../../core/errors.ts';

/** Parsed `--flag value`, `--flag=value`, boolean `--flag` and positionals. */
export interface Args {
  positionals: string[];
  flags: Map<string, string[]>;
  /** Flags given without the value they need (last on the line, or followed by another --flag). */
  missing?: string[];
}

/** True for a token that is a flag rather than a value (`--x`; `-` and `-1` are values). */
function looksLikeFlag(token: string): boolean {
  return token.startsWith('--') && token.length > 2;
}

export function parseArgs(argv: string[], booleanFlags: ReadonlySet<string>): Args {
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  const missing: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      let value: string;
      if (eq >= 0) value = a.slice(eq + 1);
      else if (booleanFlags.has(name)) value = 'true';
      else if (i + 1 >= argv.length || looksLikeFlag(argv[i + 1])) {
        // Reported by checkFlags, after unknown flags: `run ... --jsn` is an unknown flag, not a
        // flag missing its value, and `--name --tag T` must not name the run "--tag".
        missing.push(name);
        value = '';
      } else value = argv[++i];
      const list = flags.get(name) ?? [];
      list.push(value);
      flags.set(name, list);
    } else positionals.push(a);
  }
  return { positionals, flags, missing };
}

export function flag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function flagAll(args: Args, name: string): string[] {
  return args.flags.get(name) ?? [];
}

export function requireFlag(args: Args, name: string, allowed: string): string {
  const v = flag(args, name);
  if (v === undefined || v === '') throw new InputError(`--${name}`, '(missing)', allowed);
  return v;
}

export function hasFlag(args: Args, name: string): boolean {
  return args.flags.has(name) && flag(args, name) !== 'false';
}

/** Rejects flags a command does not know, naming them, then flags given without their value. */
export function checkFlags(args: Args, known: readonly string[], command: string): void {
  for (const name of args.flags.keys()) {
    if (!known.includes(name)) throw new InputError(`${command} flag`, `--${name}`, known.map((k) => `--${k}`).join(', ') || 'no flags');
  }
  const m = args.missing?.[0];
  if (m !== undefined) throw new InputError(`--${m}`, '(missing)', 'a value after the flag');
}

/** Rejects positional arguments beyond the `max` a command takes (they used to be ignored silently). */
export function checkPositionals(args: Args, max: number, command: string, allowed = 'no positional arguments (options are --flags)'): void {
  if (args.positionals.length > max) throw new InputError(`${command} argument`, args.positionals[max], allowed);
}
