/** The typed host contract over whichever bridge is active. */
import type { OpArgs, OpName, OpResult } from '../../../core/contract.ts';
import { bridge } from './index.ts';

export function host<K extends OpName>(op: K, args: OpArgs<K>): Promise<OpResult<K>> {
  return bridge().call<OpResult<K>>(op, args);
}
