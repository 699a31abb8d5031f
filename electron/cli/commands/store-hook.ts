/**
 * `run --save`: the run store behind core.ts's save hook (commands/index.ts installs it). The run goes through the host
 * service (worker pool, saved as it runs); stdout gets the new run id alone, progress goes to stderr
 * on a terminal. Flags: --name N, --tag T (repeatable or comma-separated), --notes TEXT,
 * --replications K, --db PATH. Ctrl-C cancels and keeps what finished.
 */
import { workloadText } from '../../../core/index.ts';
import { MAX_REPLICATIONS } from '../../../core/contract.ts';
import { hasFlag } from '../args.ts';
import type { SaveHook } from './core.ts';
import { checkRunBudget, plainProgress } from './core.ts';
import { openService, parseIntFlag, progressLine, tagsFlag, textFlag, withContractErrors } from './store.ts';

export const saveRun: SaveHook = (args, io, input) => withContractErrors(io, async () => {
  const replications = parseIntFlag(args, 'replications', 1, MAX_REPLICATIONS, 1);
  // Refused before the database is opened (or created): nothing is written.
  checkRunBudget(args, input.workload, input.strategies.length, replications);
  const meta = { name: textFlag(args, 'name'), tags: tagsFlag(args), notes: textFlag(args, 'notes') };
  const host = openService(args);
  const onInt = () => {
    io.err('\ncancelling (finished results are kept)...\n');
    for (const id of active) void host.dispatch('runs:cancel', { runId: id });
  };
  const active: string[] = [];
  process.on('SIGINT', onInt);
  try {
    const { runId } = await host.call('runs:start', {
      profile: input.profile, strategies: input.strategies, workload: workloadText(input.workload), seed: input.seed,
      replications, ...meta, saved: true, force: hasFlag(args, 'force'),
    });
    active.push(runId);
    const plain = plainProgress(io, `run ${runId}`);
    const s = await host.waitRun(runId, io.isTTY ? (st) => io.err(progressLine(`run ${runId}`, st.fraction, st.etaSeconds, st.current ?? '')) : (st) => plain(st.fraction, `${st.tasksDone}/${st.tasksTotal} tasks`));
    if (io.isTTY) io.err('\r'.padEnd(79) + '\r');
    if (hasFlag(args, 'json')) io.out(JSON.stringify({ runId, status: s.status, error: s.error }) + '\n');
    else io.out(`${runId}\n`);
    if (s.status !== 'done') io.err(`run ${runId} ${s.status}${s.error ? `: ${s.error}` : ''}\n`);
    return s.status === 'done' ? 0 : 1;
  } finally {
    process.off('SIGINT', onInt);
    await host.close();
  }
});
