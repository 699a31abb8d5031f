/**
 * The engine's public surface. Everything here is synchronous, deterministic and pure: the same
 * input and seed give byte-identical JSON on any host (worker, CLI, renderer, tests).
 */
export * from './types.ts';
export { InputError, SimulationCancelled, SimulationInvariantError } from './errors.ts';
export { parseSize, formatBytes } from './units.ts';
export { STRATEGIES, strategyDef, parseStrategy, parseStrategyList, strategyText } from './strategies.ts';
export type { StrategyDef, StrategyParamDef } from './strategies.ts';
export {
  parseWorkload, parseFioOptions, parseFioJobFile, parseDmaBench, parseAccel, workloadText,
  defaultFio, defaultDmaBench, defaultAccel, WORKLOAD_KINDS, understandFioOptions,
} from './workload.ts';
export { parseFioJobText, parseFioCommandLine, fioSectionsFromJson, fioOptionName, defaultFioJob } from './fio/jobfile.ts';
export type { FioParsed, FioUnderstanding, FioJobUnderstood, FioOptionUse, FioParseOptions } from './fio/jobfile.ts';
export { BUILT_IN_PROFILES } from './profiles/builtin.ts';
export { profileSchema, validateProfile, parseProfile, builtInProfile } from './profiles/schema.ts';
export type { ProfileIssue, ProfileValidation } from './profiles/schema.ts';
export { ENGINE_VERSION, runExperiment, simulateStrategy } from './engine/run.ts';
export type { RunOptions } from './engine/run.ts';
