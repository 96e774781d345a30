// The shape of results/<run-id>/results.json. results.schema.json says the same in JSON Schema
// and is what writeReport validates against; report.spec.ts keeps the two in step by validating
// results built by the real executor.
import type { Cell, Profile } from '@app/scenarios';

export const RESULTS_SCHEMA_VERSION = 1;

/** Counts over the whole cell. */
export interface Totals {
  /** Every request that ended: answers of any status plus timeouts and connection errors. */
  requests: number;
  /** Expected status and a body that passed its check. */
  ok: number;
  /** Statuses the study counted as answers (409 duplicates under the random generator). */
  answered: number;
  errors: number;
  /** errors / requests x 100. */
  errorPct: number;
  /** The study's TPS: (ok + answered) / durationSec. */
  tps: number;
  okTps: number;
  /** Highest (ok + answered) of any whole second of the timeline. */
  peakTps: number;
  bytesRead: number;
}

export interface ErrorBreakdown {
  /** Unexpected HTTP statuses. */
  byStatus: Record<string, number>;
  /** Answered (non-error) statuses, apart. */
  answeredByStatus: Record<string, number>;
  timeouts: number;
  /** Socket errors by code (ECONNREFUSED, ECONNRESET, ...). */
  connection: Record<string, number>;
  /** Failed body checks by reason. */
  checkFailed: Record<string, number>;
  /** How many quick and full body checks ran (full checks of large bodies are sampled). */
  checksRun: { quick: number; full: number };
}

export interface LatencyMs {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** One whole second of a cell; t = seconds since the cell started (0 = first second). */
export interface TimelinePoint {
  t: number;
  ok: number;
  answered: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  connection: number;
  checkFailed: number;
}

export type ProcessRole = 'app' | 'redis' | 'mariadb' | 'proxy' | 'load-generator' | 'other';

export interface ProcessPoint {
  /** Seconds since the cell started. */
  t: number;
  millicores: number;
  rssBytes: number;
}

export interface ProcessUsage {
  name: string;
  role: ProcessRole;
  pid: number;
  peakMillicores: number;
  meanMillicores: number;
  peakRssBytes: number;
  series: ProcessPoint[];
}

export interface RedisPoint {
  t: number;
  /** false while INFO did not answer (the instance was down, e.g. during the kill test). */
  up: boolean;
  usedMemory: number | null;
  usedMemoryRss: number | null;
  opsPerSec: number | null;
}

export interface RedisUsage {
  name: string;
  port: number;
  peakUsedMemory: number;
  peakUsedMemoryRss: number;
  series: RedisPoint[];
}

export interface Resources {
  intervalMs: number;
  processes: ProcessUsage[];
  redis: RedisUsage[];
  /** Highest per-second sum over the app (dept-api) processes: the study's "max cpu". */
  appPeakMillicores: number | null;
  /** The load generator's mean over the cell; >= 900 m (90 % of a core) marks the cell as bound by it. */
  loadGenerator: { meanMillicores: number; peakMillicores: number; bound: boolean };
}

export interface KillAnalysis {
  killAtSec: number;
  restartAtSec: number | null;
  /** Mean TPS over the seconds before the kill (the first 2 s of warm-up left out). */
  baselineTps: number;
  /** Lowest TPS between the kill and recovery. */
  minTps: number;
  dipAtSec: number;
  /** (1 - minTps / baselineTps) x 100. */
  dipPct: number;
  /** Seconds from the kill until TPS is back at 90 % of baseline; null if it never came back. */
  recoverySec: number | null;
}

/** Acknowledged writes vs keys present after a restart (kill test, POST). */
export interface Durability {
  acked: number;
  present: number;
  lost: number;
  lostPct: number;
}

/** The study's "Sync": keys present on both instances / acknowledged writes. */
export interface SyncResult {
  acked: number;
  onBoth: number;
  onlyA: number;
  onlyB: number;
  syncRatio: number;
}

export interface CellResult {
  cell: Cell;
  executor: 'autocannon' | 'k6';
  /** e.g. "autocannon 9.0.0". */
  loadGenerator: string;
  baseUrls: string[];
  startedAt: string;
  runTag: string;
  seed: number;
  /** Measured wall time of the load, seconds. */
  durationSec: number;
  totals: Totals;
  errors: ErrorBreakdown;
  latencyMs: LatencyMs;
  timeline: TimelinePoint[];
  resources: Resources;
  kill?: KillAnalysis;
  durability?: Durability;
  sync?: SyncResult;
  /** stress: whether the CPU limit on Redis could be applied, and how. */
  limits?: { applied: boolean; note: string };
  /** Set when the run was stopped early (Ctrl-C) or a stop timer fired. */
  interrupted?: boolean;
  notes: string[];
}

export interface RedisBenchmarkTest {
  rps: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** One redis-benchmark run (`-q -t get,set,lpush,lpop`, or --csv) against one target. */
export interface RedisBenchmarkResult {
  /** Row label in the study's table, e.g. "redis", "redis-aof", "redis-always", "dynomite". */
  target: string;
  command: string;
  tests: Record<string, RedisBenchmarkTest>;
}

export interface HostInfo {
  cpus: number;
  cpuModel: string;
  memBytes: number;
  node: string;
  platform: string;
}

export interface RunResults {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  runId: string;
  profile: Profile;
  /** The command that produced the run, so every figure can be rerun. */
  command: string;
  startedAt: string;
  finishedAt: string;
  host: HostInfo;
  cells: CellResult[];
  redisBenchmark: RedisBenchmarkResult[];
  notes: string[];
}
