import type { Args } from './args.ts';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

export interface CliCommand {
  name: string;
  /** One line for `help`. */
  summary: string;
  usage: string;
  /** Flags that take no value. */
  booleanFlags?: string[];
  run(args: Args, io: CliIo): Promise<number> | number;
}
