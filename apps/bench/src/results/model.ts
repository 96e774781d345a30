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
  /** The process's own CPU time (utime + stime from /proc) over the cell, seconds. */
  cpuSec?: number;
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

/** Acknowledged writes of one phase of the kill test and how many of them are present after the restart. */
export interface DurabilityPhase {
  acked: number;
  present: number;
  lost: number;
  lostPct: number;
}

/** Acknowledged writes vs keys present after a restart (kill test, POST). */
export interface Durability {
  /** Every acknowledged write of the cell (before, during and after the outage): not a durability figure on its own. */
  acked: number;
  present: number;
  lost: number;
  lostPct: number;
  /** Acknowledged before the SIGKILL: what persistence has to keep. */
  beforeKill?: DurabilityPhase;
  /** Acknowledged between the SIGKILL and the restart (should be 0: nothing can be stored then). */
  whileDown?: DurabilityPhase;
  /** Acknowledged after the restart. */
  afterRestart?: DurabilityPhase;
}

/** CPU per request over a cell, from the processes' own CPU time (utime + stime) while it ran. */
export interface CpuPerRequest {
  /** Requests the cell ended (every status). */
  requests: number;
  /** CPU seconds of the app processes (dept-api, every replica) and of the cell's Redis; null when not sampled. */
  appCpuSec: number | null;
  redisCpuSec: number | null;
  /** CPU microseconds per request (= ms per 1000 requests). */
  appUsPerRequest: number | null;
  redisUsPerRequest: number | null;
}

/** Where the load generator and the system under test ran (taskset), or why they were not pinned. */
export interface CorePinning {
  applied: boolean;
  /** CPU list of the load generator (this process), e.g. "1"; null when not pinned. */
  loadGeneratorCpus: string | null;
  /** CPU list of the system under test (dept-api, Redis, MariaDB, proxies), e.g. "0". */
  sutCpus: string | null;
  /** Every process pinned, by name (a restarted process appears again with its new pid). */
  processes: { name: string; pid: number; cpus: string }[];
  note: string;
}

/** A figure measured in each round of an alternated comparison: median, min and max. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** The study's "Sync": keys present on both instances / acknowledged writes. */
export interface SyncResult {
  acked: number;
  onBoth: number;
  onlyA: number;
  onlyB: number;
  syncRatio: number;
}

/** Rows of the HA tables: single Redis, the mirrored pair in each mode, the Dynomite pair. */
export type HaVariant = 'single' | 'mirrored-async' | 'mirrored-sync' | 'dynomite';

/** Acknowledged writes looked up on both nodes of the pair directly (the study's "Sync"). */
export interface AckedSync {
  acked: number;
  /** Present on both nodes with the same value. */
  equalOnBoth: number;
  onlyA: number;
  onlyB: number;
  /** Acknowledged but on neither node. */
  missing: number;
  /** On both, values differ. */
  different: number;
  /** equalOnBoth / acked (1 when nothing was acknowledged). */
  ratio: number;
}

/** syncCheck over both nodes' keyspaces (SCAN, HA marker excluded). */
export interface KeyspaceSync {
  match: string;
  keysA: number;
  keysB: number;
  equal: number;
  onlyA: number;
  onlyB: number;
  different: number;
  syncRatio: number;
  sample: { key: string; kind: string }[];
}

/** bench ha kill: the pair's own figures around the SIGKILL of one node. */
export interface HaKillFigures {
  node: 'a' | 'b';
  killAtSec: number;
  restartAtSec: number | null;
  /** Seconds from the restart until the node's agent reported it ready (in sync); null without agent or never. */
  inSyncAfterRestartSec: number | null;
  /** The agent's own bootstrap duration (REPLICAOF to promotion). */
  bootstrapMs: number | null;
  /** Failed requests (errors of any kind) from the kill until the end of the run. */
  failedAfterKill: number;
  /** Keys on the restarted node at the end of the run (HA marker excluded). */
  keysOnRestartedNode: number | null;
}

export interface CellHa {
  variant: HaVariant;
  agents: boolean;
  /** Which part of a combined read+write run this cell is (ha kill). */
  part?: 'read' | 'write';
  ackedSync?: AckedSync;
  keyspace?: KeyspaceSync;
  /** dept-api's dept_redis_ha_events after the cell (mirrored pair only). */
  clientEvents?: Record<string, number>;
  kill?: HaKillFigures;
}

export type ProbeOutcome = 'reply' | 'error' | 'closed' | 'timeout' | 'connect-failed';

/** bench ha commands: what one command answers through one path. */
export interface CommandProbe {
  path: string;
  command: string;
  outcome: ProbeOutcome;
  /** The reply or error, shortened. */
  detail: string;
  ms: number;
}

/** bench ha kill --bootstrap: one dataset size. */
export interface BootstrapPoint {
  keys: number;
  /** How the source node was filled: DEBUG POPULATE or pipelined SETs. */
  fill: string;
  fillMs: number;
  /** The agent's bootstrap duration (REPLICAOF until promoted and marked). */
  bootstrapMs: number | null;
  /** From starting the empty node until its agent reported ready. */
  readyAfterRestartMs: number | null;
  keysAfter: number;
  syncRatio: number;
  usedMemoryBytes: number | null;
}

export interface SyncCheckRecord {
  a: string;
  b: string;
  durationMs: number;
  report: KeyspaceSync;
}

export interface HaRunResults {
  commands?: CommandProbe[];
  bootstrap?: BootstrapPoint[];
  syncChecks?: SyncCheckRecord[];
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
  /** HA runs (bench ha write / ha kill): the variant and the pair's own figures. */
  ha?: CellHa;
  /** stress: whether the CPU limit on Redis could be applied, and how. */
  limits?: { applied: boolean; note: string };
  /** Set when the run was stopped early (Ctrl-C) or a stop timer fired. */
  interrupted?: boolean;
  /** CPU per request of the app and its Redis over the cell. */
  cpuPerRequest?: CpuPerRequest;
  /** 1-based round of an alternated comparison (ha write, ha kill): the variants run interleaved, one cell each per round. */
  round?: number;
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

/** The api-overhead workloads: cached GET at 10 and 1000 rows, and the Redis write (POST /api/departmentRedises). */
export type OverheadWorkload = 'get10' | 'get1000' | 'post';

/**
 * One autocannon measure of the api-overhead run (issue 10): a bare handler or dept-api, one
 * workload, one round. `bare-2` is the run's control: a second bare-server process running the
 * same code as `bare` (absent in older runs).
 */
export interface ApiOverheadMeasurement {
  workload: OverheadWorkload;
  target: 'bare' | 'dept-api' | 'bare-2';
  rows: number;
  /** 1-based; the servers alternate within a round, which goes first changes by round. */
  round: number;
  /** 1 to 3: where this target ran in its round (in its round's first slice when sliced). */
  order: number;
  /** Slices summed into this measure (absent in older runs: 1). */
  slices?: number;
  url: string;
  durationSec: number;
  requests: number;
  ok: number;
  errors: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  /** utime + stime of the server process (/proc/<pid>/stat) from the start to the end of the load. */
  serverCpuSec: number;
  /** serverCpuSec / ok answers, in µs. */
  cpuUsPerRequest: number;
  /** The Redis process's own CPU over the same window, per ok answer, in µs. */
  redisCpuUsPerRequest: number;
  /** Sampled once a second: the server's mean and peak CPU, its peak RSS, Redis's and the load generator's mean CPU. */
  meanMillicores: number;
  peakMillicores: number;
  peakRssBytes: number;
  redisMeanMillicores: number;
  loadGeneratorMeanMillicores: number;
  /**
   * The load generator's core was >= 90 % busy (the load generator's own CPU, plus Redis's where
   * Redis shares that core): the throughput may be that core's limit rather than the server's.
   */
  loadGeneratorBound: boolean;
}

/** The median, smallest and largest of a series (rounds). */

/**
 * "met" only when the whole spread is on the right side of the target, "missed" when all of it is
 * on the wrong side, otherwise "not resolved": the noise of this host does not decide it.
 */
export type OverheadVerdict = 'met' | 'missed' | 'not resolved';

/** dept-api against the floor for one workload: each side's spread, and the ratios paired by round. */
export interface OverheadComparison {
  workload: OverheadWorkload;
  /** What was measured, e.g. "GET /v1/departments, 10 rows, cached". */
  label: string;
  bare: { tps: Spread; cpuUsPerRequest: Spread };
  dept: { tps: Spread; cpuUsPerRequest: Spread };
  /** dept-api / bare within each round, over the rounds. */
  tpsRatio: Spread;
  cpuRatio: Spread;
  /**
   * dept-api / bare-2 (the control, a second bare process) within each round (absent in older
   * runs). The floor is two processes: a verdict holds only when it holds against both.
   */
  vsControl?: { tpsRatio: Spread; cpuRatio: Spread };
  /** Absent when the workload is reported without a target. */
  targets: { tpsRatioMin?: number; cpuRatioMax?: number };
  /**
   * Judged on the ratios against bare and, where measured, against bare-2 together: "met" only
   * when every one of them is on the target's side.
   */
  verdicts: { tps?: OverheadVerdict; cpu?: OverheadVerdict };
  /**
   * Measures of this workload, of any server, during which the load generator was bound (absent in
   * older runs). A bound load generator caps every server alike and pulls the throughput ratio
   * towards 1, so with any, the throughput verdict is at best "not resolved".
   */
  loadGeneratorBound?: number;
}

/** Two bare-server processes against each other for one workload: bare-2 / bare, paired by round. */
export interface OverheadControl {
  workload: OverheadWorkload;
  tpsRatio: Spread;
  cpuRatio: Spread;
}

/**
 * Where api-overhead puts the Redis both servers read: on the servers' core (the issue's own
 * measure) or on the load generator's, so the core under test runs the API alone.
 */
export type RedisPlacement = 'servers' | 'load-generator';

/** Which cores the servers (bare, dept-api), their Redis and the load generator ran on. */
export interface OverheadPinning {
  applied: boolean;
  /** taskset CPU lists, e.g. "0"; the host's full list when not applied. */
  serverCpus: string;
  loadGeneratorCpus: string;
  /** The CPU list Redis ran on (absent in older runs: the servers'). */
  redisCpus?: string;
  /** Which side's core Redis shared (absent in older runs: the servers'). */
  redisWith?: RedisPlacement;
  /** Why pinning was not applied, or how. */
  note: string;
}

/**
 * What dept-api (NestJS) costs over the least code that does the same work: a bare Fastify +
 * ioredis handler serving the same cached bytes (GET, 10 and 1000 rows) and doing the same
 * HMSET + HKEYS + SADD (POST), the same connections and duration, rounds alternated, servers and the
 * load generator pinned to different cores where the host allows.
 */
export interface ApiOverhead {
  /**
   * What sent the load (absent in older runs: autocannon, in the bench process): by default wrk, a
   * separate C process, as issue 10 measured.
   */
  loadGenerator?: 'wrk' | 'autocannon';
  connections: number;
  durationSec: number;
  rounds: number;
  /** Seconds each side served each workload, unmeasured, before its first round (absent in older runs). */
  warmupSec?: number;
  /**
   * Slices per round (absent in older runs: 1): each side's round is `slices` runs of
   * durationSec / slices, the two sides alternating slice by slice, summed into one measure.
   */
  slices?: number;
  /**
   * True when both sides served every workload once, unmeasured, before the first measure (absent
   * in older runs: each workload was warmed up only right before its own rounds).
   */
  everyWorkloadFirst?: boolean;
  /**
   * The node flags every server ran with (absent in older runs: none). dept-api's own
   * (DEPT_API_NODE_FLAGS), given to the bare servers too, so the floor runs on the same runtime.
   */
  nodeFlags?: string[];
  /** Slices of every warm-up, the servers served in turns (absent in older runs: one after the other). */
  warmUpSlices?: number;
  /**
   * The dept-api process the run measured, when the run started: seconds since it started and CPU
   * seconds it had spent (absent in older runs). A process that has served a lot costs more per
   * request, so the run restarts the stack's instance first (`restarted`), and records the age and
   * CPU of the process it replaced.
   */
  deptBefore?: { ageSec: number; cpuSec: number; restarted?: boolean; replacedAgeSec?: number; replacedCpuSec?: number };
  redisKey: string;
  pinning: OverheadPinning;
  measurements: ApiOverheadMeasurement[];
  comparisons: OverheadComparison[];
  /**
   * The control (absent in older runs): bare-2 / bare within each round, two processes of the same
   * code measured the same way. Its spread is what this host and method cannot tell apart: a
   * dept-api / bare ratio within it of a target cannot be decided here.
   */
  control?: OverheadControl[];
  /** dept-api's own 1000-row TPS over its 10-row TPS, paired by round (how the list size costs). */
  rows1000Vs10: Spread | null;
}

export interface HostInfo {
  cpus: number;
  cpuModel: string;
  memBytes: number;
  node: string;
  platform: string;
}

/** bench api-layers: the routes of one dept-api process, outermost layer first, and the bare floor. */
export type ApiLayerTarget = 'bare' | 'bare-hook' | 'nest' | 'service' | 'cache' | 'validation' | 'repository' | 'executor' | 'client' | 'parser';
/** The cached GET /v1/departments (10 rows) or POST /api/departmentRedises. */
export type ApiLayerWorkload = 'get' | 'post';

/** One route's round: its slices summed (CPU is the serving process's utime + stime over them). */
export interface ApiLayerMeasurement {
  workload: ApiLayerWorkload;
  target: ApiLayerTarget;
  round: number;
  durationSec: number;
  ok: number;
  errors: number;
  tps: number;
  cpuUsPerRequest: number;
  redisCpuUsPerRequest: number;
  loadGeneratorMeanMillicores: number;
  /**
   * Times the server's main thread was preempted (nonvoluntary_ctxt_switches in /proc) and Redis
   * went to sleep (its voluntary ones), per answer: with both on one core, Redis runs as soon as a
   * command reaches it, and each wake-up is a context switch on the server's core.
   */
  serverPreemptionsPerRequest: number;
  redisSleepsPerRequest: number;
}

/** One route over the rounds. */
export interface ApiLayerSummary {
  workload: ApiLayerWorkload;
  target: ApiLayerTarget;
  path: string;
  /** What a request to it runs. */
  what: string;
  tps: Spread;
  cpuUsPerRequest: Spread;
  serverPreemptionsPerRequest: Spread;
  redisSleepsPerRequest: Spread;
}

/** What one layer costs: the CPU per request of `outer` minus that of `inner`, paired by round (µs). */
export interface ApiLayerStep {
  workload: ApiLayerWorkload;
  outer: ApiLayerTarget;
  inner: ApiLayerTarget;
  layer: string;
  cpuUs: Spread;
  /** outer / inner throughput, paired by round. */
  tpsRatio: Spread;
}

/** bench api-layers (issue 10, what each layer costs): one dept-api process entered at each layer. */
export interface ApiLayers {
  loadGenerator: 'wrk';
  rows: number;
  connections: number;
  durationSec: number;
  rounds: number;
  slices: number;
  warmupSec: number;
  nodeFlags: string[];
  redisKey: string;
  pinning: OverheadPinning;
  measurements: ApiLayerMeasurement[];
  targets: ApiLayerSummary[];
  steps: ApiLayerStep[];
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
  /** Present when the run measured the API's own overhead (bench api-overhead). */
  apiOverhead?: ApiOverhead;
  /** Present when the run measured what each of dept-api's layers costs (bench api-layers). */
  apiLayers?: ApiLayers;
  /** HA runs without a load cell of their own (ha commands, bootstrap sizes, sync-check). */
  ha?: HaRunResults;
  /** Present when the run measured how cost grows with size (bench scale). */
  scale?: ScaleResults;
  /** Which cores the load generator and the system under test ran on. */
  pinning?: CorePinning;
  notes: string[];
}

/** One GET cell of bench scale: dept-api (cached or MariaDB) or the redis-benchmark floor. */
export interface ScaleGetPoint {
  /** dept-api-cached: GET /v1/departments; dept-api-mariadb: GET /v1/departmentsNoCache; redis-benchmark: GET of a value of bodyBytes. */
  target: 'dept-api-cached' | 'dept-api-mariadb' | 'redis-benchmark';
  rows: number;
  /** Bytes of the answer body (the cached list) at this row count. */
  bodyBytes: number;
  durationSec: number;
  requests: number;
  errors: number;
  tps: number;
  /** Bytes read per second: autocannon's bytes (headers included) for dept-api, rps x value size for redis-benchmark. */
  bytesPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** CPU time of each process over the cell (/proc utime + stime), per request, in microseconds; null when not sampled. */
  cpuUsPerRequest: { app: number | null; redis: number | null; mariadb: number | null; loadGenerator: number | null };
  /** redis-benchmark only: the command, port left out. */
  command?: string;
}

/** One dataset size of bench scale's bootstrap: the agent's copy and Redis's own full sync. */
export interface ScaleBootstrapPoint {
  keys: number;
  usedMemoryBytes: number | null;
  /** The agent's bootstrap (bench ha kill's bootstrapBySize): REPLICAOF until promoted and marked. */
  agentBootstrapMs: number | null;
  agentReadyAfterRestartMs: number | null;
  agentSyncRatio: number;
  /** The floor: an empty redis-server REPLICAOF a filled one, until master_link_status:up and not loading. */
  redisFullSyncMs: number | null;
  redisFullSyncKeys: number;
  fill: string;
}

export interface ScaleResults {
  connections: number;
  durationSec: number;
  redisBenchmarkRequests: number;
  /** Which cores the load generator and the servers ran on (taskset), or why not pinned. */
  pinning: { applied: boolean; loadGenerator: string; servers: string; note: string };
  get: ScaleGetPoint[];
  bootstrap: ScaleBootstrapPoint[];
}
