import type { ExperimentResult, HardwareProfile, Workload } from '../../../core/index.ts';
import type { FioMeasured } from '../../../core/fio/json.ts';
import type { Args } from '../args.ts';

export async function saveMeasuredRun(_args: Args, _m: FioMeasured, _w: Workload, _p: HardwareProfile, _r: ExperimentResult): Promise<string> {
  throw new Error('not yet');
}
