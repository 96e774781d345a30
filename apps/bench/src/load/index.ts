// The load executor bench's CLI calls after it has started the stack. It knows nothing of the
// stack: it gets base URLs (127.0.0.0/8 only) and, optionally, a sampler watching named pids.
export { runCell, MAX_CELL_SEC } from './executor';
export type { CellProgress, RunCellOptions } from './executor';
export { Sampler, LOAD_GENERATOR_BOUND_MILLICORES, clockTicksPerSec, readContextSwitches, readCpuTicks, readProcessAgeSec, readRssBytes } from './sampler';
export type { SampledProcess, SampledRedis, SamplerOptions } from './sampler';
export { analyseKill, RECOVERED_SHARE } from './kill-analysis';
export { parseLoadTargets, LoadTargetError } from './targets';
export type { LoadTarget } from './targets';
export { LatencyHistogram } from './histogram';
export { cpuPerRequest } from './cpu';
export { Pinning, activePinning, withPinning } from './pinning';
