import type { CliCommand } from '../command.ts';
import { coreCommands } from './core.ts';

/**
 * Every command of the CLI. Each module exports its commands; add new modules here.
 * core.ts: run, validate, bench, profiles, profile, strategies (the simulation core).
 */
export const COMMANDS: CliCommand[] = [...coreCommands];
