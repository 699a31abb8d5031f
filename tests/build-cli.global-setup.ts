/**
 * Vitest global setup: builds the command line (out/cli) once per test run, so the CLI tests
 * (tests/cli-harness.ts) and the worker pool run the same built JavaScript users run.
 */
export default async function setup(): Promise<void> {
  // @ts-expect-error the build script is plain JavaScript without declarations
  const { buildCli } = (await import('../scripts/build-cli.mjs')) as { buildCli: (o: { quiet: boolean }) => Promise<unknown> };
  await buildCli({ quiet: true });
}
