/**
 * A tiny sequential test harness for the end-to-end suites (they share one server and one browser,
 * so they run in order). A test passes, fails, or is skipped with a reason (throw `skip(reason)`).
 */
export class Skipped extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Skipped';
  }
}

export function skip(reason: string): never {
  throw new Skipped(reason);
}

export interface TestCase {
  name: string;
  fn: () => Promise<void>;
  /** Tests that must have passed first; if one did not, this one fails without running. */
  needs?: string[];
  timeoutMs?: number;
}

export interface Suite {
  name: string;
  /** Starts what the tests share (server, browser); throwing Skipped skips the whole suite. */
  setup?: () => Promise<void>;
  teardown?: () => Promise<void>;
  tests: TestCase[];
}

export interface Outcome {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  ms: number;
  detail?: string;
}

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError(message);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new AssertionError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export async function runSuites(suites: Suite[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const suite of suites) {
    log(`\n# ${suite.name}`);
    let setupError: unknown = null;
    const t0 = Date.now();
    try {
      await suite.setup?.();
    } catch (e) {
      setupError = e;
    }
    const passed = new Set<string>();
    for (const test of suite.tests) {
      const name = `${suite.name}: ${test.name}`;
      const started = Date.now();
      let status: Outcome['status'];
      let detail: string | undefined;
      if (setupError instanceof Skipped) {
        status = 'skipped';
        detail = setupError.message;
      } else if (setupError) {
        status = 'failed';
        detail = `setup failed: ${(setupError as Error)?.stack ?? String(setupError)}`;
      } else if (test.needs?.some((n) => !passed.has(n))) {
        status = 'failed';
        detail = `not run: needs ${test.needs.filter((n) => !passed.has(n)).join(', ')}`;
      } else {
        try {
          await withTimeout(test.fn(), test.timeoutMs ?? 120_000, name);
          status = 'passed';
          passed.add(test.name);
        } catch (e) {
          if (e instanceof Skipped) {
            status = 'skipped';
            detail = e.message;
          } else {
            status = 'failed';
            detail = e instanceof AssertionError ? `${e.message}` : ((e as Error)?.stack ?? String(e));
          }
        }
      }
      const ms = Date.now() - started;
      outcomes.push({ name, status, ms, detail });
      const tag = status === 'passed' ? 'PASS' : status === 'failed' ? 'FAIL' : 'SKIPPED';
      log(`${tag} ${name} (${ms} ms)${detail && status !== 'failed' ? ` — ${detail}` : ''}`);
      if (status === 'failed' && detail) log(detail.split('\n').map((l) => `    ${l}`).join('\n'));
    }
    try {
      await suite.teardown?.();
    } catch (e) {
      log(`warning: teardown of ${suite.name} failed: ${(e as Error)?.message ?? e}`);
    }
    if (setupError && !(setupError instanceof Skipped) && suite.tests.length === 0) {
      outcomes.push({ name: `${suite.name}: setup`, status: 'failed', ms: Date.now() - t0, detail: String(setupError) });
    }
  }
  return outcomes;
}
