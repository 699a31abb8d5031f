/**
 * Bad input named precisely: the field, the value and what is allowed. Every boundary (CLI,
 * IPC, HTTP) turns this into one line for the user and exit code 2 / a 400.
 */
export class InputError extends Error {
  readonly field: string;
  readonly value: string;
  readonly allowed: string;
  constructor(field: string, value: unknown, allowed: string) {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    super(`${field}: invalid value ${JSON.stringify(shown ?? String(value))}; allowed: ${allowed}`);
    this.name = 'InputError';
    this.field = field;
    this.value = shown ?? String(value);
    this.allowed = allowed;
  }
}

/** Thrown out of the engine when the caller's isCancelled() answers true. */
export class SimulationCancelled extends Error {
  constructor() {
    super('simulation cancelled');
    this.name = 'SimulationCancelled';
  }
}

/** An internal invariant broke: never swallowed, always reported with the run. */
export class SimulationInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationInvariantError';
  }
}
