// issue 10's measure: how much of a request's cost is dept-api (NestJS on Fastify) rather than
// HTTP + Redis. The same autocannon load against a bare Fastify + ioredis process
// (bare-server.ts) and against dept-redis (one process each): the cached GET at 10 and 1000 rows
// (both send the same cached bytes) and the Redis write POST /api/departmentRedises (both send
// HMSET + HKEYS + SADD). Sizes: PROFILES[profile].apiOverhead.
//
// Method (issue 10): the servers and their Redis on one core and the load generator (wrk, or with
// `--load-generator autocannon` this process) on another, where the host has two and taskset works
// (`--redis-with load-generator` puts Redis beside the load generator); the servers alternate within each round,
// and which goes first changes by slice and by round, so drift on a shared host hits all alike; CPU
// per request is each server's own utime + stime over its measure, divided by its answers; ratios
// are dept-api / bare within a round, reported as median, min and max over the rounds. A ratio is
// "met" only when its whole spread is on the right side of its target, "missed" when all of it is on
// the wrong side, otherwise "not resolved".
// The control: a second bare-server process (bare-2) is measured beside them in the same way, and
// bare-2 / bare is reported like dept-api / bare. Two processes of the same code differ on a shared
// host (docs/bench-runs.md): the control's spread is the run's own measure of what it cannot resolve.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CacheKeys } from '@app/departments';
import { PROFILES, SCENARIOS, scenarioFor } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import { DEPT_API_NODE_FLAGS, findBinary, freePort } from '@app/procs';
import type { ApiOverhead, ApiOverheadMeasurement, OverheadComparison, OverheadControl, OverheadPinning, OverheadVerdict, OverheadWorkload, RedisPlacement, Spread } from '../results';
import { LOAD_GENERATOR_BOUND_MILLICORES, Sampler, clockTicksPerSec, readCpuTicks, readProcessAgeSec, runCell } from '../load';
import { StackError } from '../stack';
import { onAbort } from '../cli/abort';
import { runOnStack } from './frame';
import { Lab } from './lab';
import { runWrk } from './wrk';
import type { OverheadLoadGenerator, SliceLoad } from './wrk';

const run = promisify(execFile);

/** issue 10's targets: dept-api / bare, throughput at least, CPU per request at most. 1000 rows: reported only. */
export const OVERHEAD_TARGETS: Record<OverheadWorkload, { tpsRatioMin?: number; cpuRatioMax?: number }> = {
  get10: { tpsRatioMin: 0.9, cpuRatioMax: 1.25 },
  get1000: {},
  post: { tpsRatioMin: 0.8, cpuRatioMax: 1.4 },
};
/**
 * Where Redis runs by default: on the servers' core, as issue 10 measured (servers and Redis on
 * one core, wrk on the other), the method its targets were set in. `--redis-with load-generator`
 * puts Redis beside the load generator instead, so the servers' core runs the API alone: each
 * request's round trip to Redis then no longer switches that core between two processes, and
 * Redis's own CPU no longer counts in the throughput (docs/bench-runs.md, "Where Redis runs").
 */
export const DEFAULT_REDIS_PLACEMENT: RedisPlacement = 'servers';
export const REDIS_PLACEMENTS: readonly RedisPlacement[] = ['load-generator', 'servers'];

const LABELS: Record<OverheadWorkload, string> = {
  get10: 'GET /v1/departments, 10 rows, cached',
  get1000: 'GET /v1/departments, 1000 rows, cached',
  post: 'POST /api/departmentRedises (HMSET + HKEYS + SADD)',
};

const BARE_MAIN = join(__dirname, 'bare-server.js');

/** Starts the bare server and resolves once it prints "ready"; it exits when our stdin pipe closes. */
export function startBare(port: number, redisPort: number, cpus: string | null, withHook = false): Promise<ChildProcess> {
  if (!existsSync(BARE_MAIN)) throw new StackError(`${BARE_MAIN} is missing: run \`npm run build\` first`);
  // The floor runs on the same runtime as dept-api: its node flags too.
  return spawnReady(withHook ? 'bare-server (hook)' : 'bare-server', [...DEPT_API_NODE_FLAGS, BARE_MAIN, String(port), String(redisPort), ...(withHook ? ['hook'] : [])], cpus, 15_000);
}

/** A node process (pinned to `cpus` with taskset when given) once it prints "ready" on stdout. */
export async function spawnReady(name: string, args: string[], cpus: string | null, timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const opts = { stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'], ...(env ? { env } : {}) };
  const child = cpus ? spawn('taskset', ['-c', cpus, process.execPath, ...args], opts) : spawn(process.execPath, args, opts);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs / 1000} s: ${err.trim()}`)), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) at start: ${err.trim()}`));
    });
  });
  return child;
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
    child.kill('SIGTERM');
  });
}

/** The middle value (the mean of the two middle ones for an even count); undefined when empty. */
export function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Median, min and max, rounded to 3 decimals; null when empty. */
export function spreadOf(values: number[]): Spread | null {
  if (!values.length) return null;
  return { median: round3(median(values)!), min: round3(Math.min(...values)), max: round3(Math.max(...values)), n: values.length };
}

/** At-least targets: met when even the smallest ratio reaches it, missed when even the largest does not. */
export function verdictAtLeast(s: Spread, target: number): OverheadVerdict {
  return s.min >= target ? 'met' : s.max < target ? 'missed' : 'not resolved';
}

/** At-most targets: met when even the largest ratio stays within it, missed when even the smallest exceeds it. */
export function verdictAtMost(s: Spread, target: number): OverheadVerdict {
  return s.max <= target ? 'met' : s.min > target ? 'missed' : 'not resolved';
}

type Pair = readonly [ApiOverheadMeasurement, ApiOverheadMeasurement];

/** One server's measures of one workload, in round order. */
const measuresOf = (measurements: ApiOverheadMeasurement[], workload: OverheadWorkload, target: ApiOverheadMeasurement['target']) =>
  measurements.filter((m) => m.workload === workload && m.target === target);

/** Each measure of `a` with the one of `b` from the same round (b with answers and CPU). */
function pairByRound(a: ApiOverheadMeasurement[], b: ApiOverheadMeasurement[]): Pair[] {
  return a.map((x) => [x, b.find((y) => y.round === x.round)] as const).filter((p): p is Pair => !!p[1] && p[1].tps > 0 && p[1].cpuUsPerRequest > 0);
}

const ratios = (pairs: Pair[]) => ({ tpsRatio: spreadOf(pairs.map(([a, b]) => a.tps / b.tps))!, cpuRatio: spreadOf(pairs.map(([a, b]) => a.cpuUsPerRequest / b.cpuUsPerRequest))! });

/** The spreads taken together: the smallest min and the largest max (the median of the first). */
const union = (s: Spread, t?: Spread): Spread => (t ? { ...s, min: Math.min(s.min, t.min), max: Math.max(s.max, t.max) } : s);

/**
 * dept-api against the floor for one workload, the ratios paired by round: against bare, and
 * against bare-2 (the control) where the run has it. The verdicts take both: the floor is two
 * processes of the same code, and which one is cheaper is the host's doing.
 */
export function compare(workload: OverheadWorkload, measurements: ApiOverheadMeasurement[]): OverheadComparison | null {
  const of = (t: ApiOverheadMeasurement['target']) => measuresOf(measurements, workload, t);
  const bare = of('bare');
  const dept = of('dept-api');
  const pairs = pairByRound(dept, bare);
  if (!pairs.length) return null;
  const { tpsRatio, cpuRatio } = ratios(pairs);
  const controlPairs = pairByRound(dept, of('bare-2'));
  const vsControl = controlPairs.length ? ratios(controlPairs) : undefined;
  const targets = { ...OVERHEAD_TARGETS[workload] };
  const verdicts: OverheadComparison['verdicts'] = {};
  // A bound load generator caps every server alike: the throughput ratio then says little.
  const bound = measurements.filter((m) => m.workload === workload && m.loadGeneratorBound).length;
  if (targets.tpsRatioMin !== undefined) {
    const v = verdictAtLeast(union(tpsRatio, vsControl?.tpsRatio), targets.tpsRatioMin);
    verdicts.tps = bound && v === 'met' ? 'not resolved' : v;
  }
  if (targets.cpuRatioMax !== undefined) verdicts.cpu = verdictAtMost(union(cpuRatio, vsControl?.cpuRatio), targets.cpuRatioMax);
  const side = (ms: ApiOverheadMeasurement[]) => ({ tps: spreadOf(ms.map((m) => m.tps))!, cpuUsPerRequest: spreadOf(ms.map((m) => m.cpuUsPerRequest))! });
  return { workload, label: LABELS[workload], bare: side(bare), dept: side(dept), tpsRatio, cpuRatio, ...(vsControl ? { vsControl } : {}), targets, verdicts, loadGeneratorBound: bound };
}

/** The control for one workload: bare-2 / bare, paired by round; null without a bare-2 measure. */
export function control(workload: OverheadWorkload, measurements: ApiOverheadMeasurement[]): OverheadControl | null {
  const pairs = pairByRound(measuresOf(measurements, workload, 'bare-2'), measuresOf(measurements, workload, 'bare'));
  return pairs.length ? { workload, ...ratios(pairs) } : null;
}

/**
 * The order the servers run in, for slice `slice` (0-based) of round `round` (1-based), `slices`
 * per round. Consecutive slices alternate the cyclic order and its reverse, each rotated: over six
 * slices of three servers every server runs first, second and last twice, and right after each of
 * the others twice. A plain rotation kept the cyclic order, so one server always ran right after
 * dept-api. (bare-2, which had that place in the first control runs, stayed dearer than bare once
 * the order was balanced; its place in the warm-up was the cause: warmUpOrder below.)
 */
export function rotation<T>(sides: readonly T[], round: number, slice: number, slices: number): T[] {
  const g = (round - 1) * slices + slice;
  const base = g % 2 === 0 ? [...sides] : [...sides].reverse();
  const k = Math.floor(g / 2) % sides.length;
  return [...base.slice(k), ...base.slice(0, k)];
}

/** Slices of each warm-up: six, so that over them each of three servers warms up in each place. */
export const WARM_UP_SLICES = 6;

/**
 * The order of the servers in each warm-up slice: the rotation of a round of WARM_UP_SLICES
 * slices. A warm-up served in turns, not one server after the other: with the servers warmed up
 * one after the other (bare, dept-api, bare-2), bare-2, warmed last, was the dearer bare process
 * in every round of six runs, and with that order reversed in an ad hoc run bare became the dearer
 * (docs/bench-runs.md, "Two processes of the same code differ").
 */
export function warmUpOrder<T>(sides: readonly T[]): T[][] {
  return Array.from({ length: WARM_UP_SLICES }, (_, slice) => rotation(sides, 1, slice, WARM_UP_SLICES));
}

// ---------------------------------------------------------------- pinning

/** A process's CPU list as taskset prints it ("0,1" or "0-3"); null when taskset is missing or refuses. */
async function cpuListOf(pid: number): Promise<string | null> {
  try {
    const { stdout } = await run('taskset', ['-pc', String(pid)], { timeout: 5000 });
    return /:\s*([\d,-]+)\s*$/.exec(stdout.trim())?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Every thread of the process onto `cpus`; false when taskset refused. */
async function setCpuList(pid: number, cpus: string): Promise<boolean> {
  try {
    await run('taskset', ['-a', '-pc', cpus, String(pid)], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export function expandCpuList(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

/**
 * Servers on the first CPU this process may use, the load generator (this process) on the second,
 * Redis on one of the two (`redisWith`); every pinned process gets its former CPU list back at the
 * end. Not applied on a single CPU or without taskset: then the report says so and everything
 * shares the host's CPUs.
 */
export class Pinning {
  private readonly restore: Array<[number, string]> = [];
  constructor(readonly info: OverheadPinning) {}

  /** `servers`: how the note names the servers (api-layers has other ones than api-overhead). */
  static async plan(redisWith: RedisPlacement, loadGenerator: OverheadLoadGenerator, servers = 'both bare-server processes, dept-api'): Promise<Pinning> {
    const lg = loadGenerator === 'wrk' ? 'wrk, started by the bench process' : 'autocannon in the bench process';
    const own = await cpuListOf(process.pid);
    if (own === null) return new Pinning({ applied: false, serverCpus: 'all', loadGeneratorCpus: 'all', redisCpus: 'all', redisWith, note: 'taskset is missing or not permitted here: servers, Redis and load generator share every CPU' });
    const cpus = expandCpuList(own);
    if (cpus.length < 2) return new Pinning({ applied: false, serverCpus: own, loadGeneratorCpus: own, redisCpus: own, redisWith, note: `only one CPU (${own}) available: servers, Redis and load generator share it` });
    const [server, load] = [String(cpus[0]), String(cpus[1])];
    const redis = redisWith === 'servers' ? server : load;
    return new Pinning({
      applied: true,
      serverCpus: server,
      loadGeneratorCpus: load,
      redisCpus: redis,
      redisWith,
      note:
        redisWith === 'servers'
          ? `taskset: ${servers} and their Redis on CPU ${server}, the load generator (${lg}) on CPU ${load}; the host has ${cpus.length} CPUs (${own}) shared with whatever else runs on it`
          : `taskset: ${servers} on CPU ${server}, their Redis with the load generator (${lg}) on CPU ${load}; the host has ${cpus.length} CPUs (${own}) shared with whatever else runs on it`,
    });
  }

  async pin(pid: number, cpus: string): Promise<void> {
    if (!this.info.applied) return;
    const before = await cpuListOf(pid);
    if (before === null || !(await setCpuList(pid, cpus))) throw new StackError(`taskset could not pin process ${pid} to CPU ${cpus}`);
    this.restore.push([pid, before]);
  }

  async release(): Promise<void> {
    for (const [pid, cpus] of this.restore.splice(0).reverse()) await setCpuList(pid, cpus);
  }
}

// ---------------------------------------------------------------- slices

/** One side's round, summed over its slices. */
interface SliceSum {
  url: string;
  durationSec: number;
  requests: number;
  ok: number;
  errors: number;
  /** Answers counted by the cell's TPS (ok + answered), for the duration-weighted TPS. */
  answered: number;
  serverCpuSec: number;
  redisCpuSec: number | null;
  p50s: number[];
  p99Ms: number;
  /** Sums of value x seconds, for duration-weighted means. */
  millicoreSec: number;
  redisMillicoreSec: number;
  loadGenMillicoreSec: number;
  peakMillicores: number;
  peakRssBytes: number;
}

export function newSliceSum(url: string): SliceSum {
  return { url, durationSec: 0, requests: 0, ok: 0, errors: 0, answered: 0, serverCpuSec: 0, redisCpuSec: 0, p50s: [], p99Ms: 0, millicoreSec: 0, redisMillicoreSec: 0, loadGenMillicoreSec: 0, peakMillicores: 0, peakRssBytes: 0 };
}

interface SliceProcess {
  serverCpuSec: number;
  redisCpuSec: number | null;
  meanMillicores: number;
  peakMillicores: number;
  peakRssBytes: number;
  redisMeanMillicores: number;
}

/** Adds one slice (its cell result and the processes' CPU over it) to a side's round. */
export function addSlice(sum: SliceSum, r: SliceLoad, proc: SliceProcess): SliceSum {
  const d = r.durationSec;
  return {
    url: sum.url,
    durationSec: sum.durationSec + d,
    requests: sum.requests + r.totals.requests,
    ok: sum.ok + r.totals.ok,
    errors: sum.errors + r.totals.errors,
    answered: sum.answered + r.totals.tps * d,
    serverCpuSec: sum.serverCpuSec + proc.serverCpuSec,
    redisCpuSec: sum.redisCpuSec === null || proc.redisCpuSec === null ? null : sum.redisCpuSec + proc.redisCpuSec,
    p50s: [...sum.p50s, r.latencyMs.p50],
    p99Ms: Math.max(sum.p99Ms, r.latencyMs.p99),
    millicoreSec: sum.millicoreSec + proc.meanMillicores * d,
    redisMillicoreSec: sum.redisMillicoreSec + proc.redisMeanMillicores * d,
    loadGenMillicoreSec: sum.loadGenMillicoreSec + r.resources.loadGenerator.meanMillicores * d,
    peakMillicores: Math.max(sum.peakMillicores, proc.peakMillicores),
    peakRssBytes: Math.max(sum.peakRssBytes, proc.peakRssBytes),
  };
}

/**
 * A side's round as one measure: counts and CPU summed over its slices, TPS and mean millicores
 * weighted by each slice's duration, p50 the median of the slices' p50, p99 the largest slice p99.
 */
export function toMeasurement(
  sum: SliceSum,
  id: Pick<ApiOverheadMeasurement, 'workload' | 'target' | 'rows' | 'round' | 'order' | 'slices'>,
  redisOnLoadCore = false,
): ApiOverheadMeasurement {
  const d = sum.durationSec || 1;
  const lg = Math.round(sum.loadGenMillicoreSec / d);
  // With Redis on the load generator's core, the two share it: that core is the one that may bind.
  const loadCore = lg + (redisOnLoadCore && sum.redisCpuSec !== null ? (sum.redisCpuSec * 1000) / d : 0);
  return {
    ...id,
    url: sum.url,
    durationSec: round3(sum.durationSec),
    requests: sum.requests,
    ok: sum.ok,
    errors: sum.errors,
    tps: round3(sum.answered / d),
    p50Ms: round3(median(sum.p50s) ?? 0),
    p99Ms: sum.p99Ms,
    serverCpuSec: round3(sum.serverCpuSec),
    cpuUsPerRequest: sum.ok ? round3((sum.serverCpuSec * 1e6) / sum.ok) : 0,
    redisCpuUsPerRequest: sum.ok && sum.redisCpuSec !== null ? round3((sum.redisCpuSec * 1e6) / sum.ok) : 0,
    meanMillicores: Math.round(sum.millicoreSec / d),
    peakMillicores: sum.peakMillicores,
    peakRssBytes: sum.peakRssBytes,
    redisMeanMillicores: Math.round(sum.redisMillicoreSec / d),
    loadGeneratorMeanMillicores: lg,
    loadGeneratorBound: loadCore >= LOAD_GENERATOR_BOUND_MILLICORES,
  };
}

// ---------------------------------------------------------------- the run

/** How long a process has run and the CPU it has spent (from /proc); null when it is gone. */
async function processHistory(pid: number): Promise<{ ageSec: number; cpuSec: number } | null> {
  const [ageSec, ticks] = await Promise.all([readProcessAgeSec(pid), readCpuTicks(pid)]);
  return ageSec === null || ticks === null ? null : { ageSec: Math.round(ageSec), cpuSec: round3(ticks / clockTicksPerSec()) };
}

export interface OverheadOptions {
  redisWith: RedisPlacement;
  loadGenerator: OverheadLoadGenerator;
}

export const DEFAULT_OVERHEAD_OPTIONS: OverheadOptions = { redisWith: DEFAULT_REDIS_PLACEMENT, loadGenerator: 'wrk' };

export async function measureApiOverhead(lab: Lab, profile: Profile, options: OverheadOptions = DEFAULT_OVERHEAD_OPTIONS): Promise<ApiOverhead> {
  const { redisWith, loadGenerator } = options;
  if (loadGenerator === 'wrk' && !findBinary('wrk')) throw new StackError('wrk is not installed: `apt-get install -y wrk` (or `node scripts/ensure.js bench`), or run with --load-generator autocannon');
  const size = PROFILES[profile].apiOverhead;
  lab.requireUp(['redis'], 1);
  const redisPort = lab.stack.ports.redis['redis-cache'];
  const deptName = lab.stack.apiName('redis', 0);
  // A dept-api process that has served a lot costs more per request than a new one, and by how
  // much depends on what it served (docs/bench-runs.md): the stack's instance is restarted (same
  // port and environment), so every run compares two processes that start from nothing.
  const before = lab.stack.pidOf(deptName);
  const replaced = before ? await processHistory(before) : null;
  lab.log(`restarting ${deptName} so the run starts on a new process${replaced ? ` (the old one had been up ${replaced.ageSec} s)` : ''}`);
  await lab.stack.restartApi('redis', 0);
  const deptPid = lab.stack.pidOf(deptName);
  const redisPid = lab.stack.pidOf('redis-cache');
  if (!deptPid || !redisPid) throw new StackError(`no pid for ${deptName} or redis-cache in ${lab.stack.dir}`);
  const fresh = await processHistory(deptPid);
  const deptBefore = fresh
    ? { ...fresh, restarted: true, ...(replaced ? { replacedAgeSec: replaced.ageSec, replacedCpuSec: replaced.cpuSec } : {}) }
    : undefined;
  const pinning = await Pinning.plan(redisWith, loadGenerator);
  const barePort = await freePort();
  const bare = await startBare(barePort, redisPort, pinning.info.applied ? pinning.info.serverCpus : null);
  const bare2Port = await freePort();
  const bare2 = await startBare(bare2Port, redisPort, pinning.info.applied ? pinning.info.serverCpus : null).catch(async (err: unknown) => {
    await stopChild(bare);
    throw err;
  });
  const release = onAbort(async () => {
    await stopChild(bare);
    await stopChild(bare2);
    await pinning.release();
  });
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const bare2Url = `http://127.0.0.1:${bare2Port}`;
  const deptUrl = lab.stack.apiUrl('redis', 0);
  const measurements: ApiOverheadMeasurement[] = [];
  const getBase = SCENARIOS['get-departments'].cells(profile).find((c) => c.backend === 'redis' && c.studyRow.replicas === 1)!;
  const postBase = SCENARIOS['post-redis'].cells(profile).find((c) => c.backend === 'redis' && c.studyRow.replicas === 1 && !c.payloadExtraBytes)!;
  const workloads: Array<[OverheadWorkload, Cell]> = [
    ['get10', { ...getBase, rows: 10, studyRow: { ...getBase.studyRow, rows: 10 } }],
    ['get1000', { ...getBase, rows: 1000, studyRow: { ...getBase.studyRow, rows: 1000 } }],
    ['post', { ...postBase }],
  ];
  const slices = Math.max(1, Math.floor(size.slices));
  const sliceSec = size.durationSec / slices;
  const total = workloads.length * size.rounds * 3 * slices;
  // The bare servers are not in the stack: the sampler is told about them, by the names the
  // measures look them up by.
  const bareProcesses = [{ name: 'bare-server', role: 'other' as const, pid: bare.pid! }, { name: 'bare-server-2', role: 'other' as const, pid: bare2.pid! }];
  try {
    await pinning.pin(deptPid, pinning.info.serverCpus);
    await pinning.pin(redisPid, pinning.info.redisCpus ?? pinning.info.serverCpus);
    await pinning.pin(process.pid, pinning.info.loadGeneratorCpus);
    lab.log(pinning.info.note);
    const cellOf = (workload: OverheadWorkload, base: Cell): Cell => ({ ...base, id: `api-overhead/${workload}`, vUsers: size.connections, durationSec: size.durationSec, replicas: 1 });
    const hz = clockTicksPerSec();
    // The warm-up's wrk slices need a sampler; nothing is read from this one.
    const idle = new Sampler({ includeSelf: false });
    const prepareAndWarm = async (cell: Cell, why: string) => {
      await lab.prepare(cell, [deptUrl]);
      if (cell.method === 'GET') {
        // All must send the very same bytes, or the comparison means nothing.
        const [a, b, c] = await Promise.all([bareUrl, deptUrl, bare2Url].map((u) => fetch(`${u}/v1/departments`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text())));
        if (a !== b || a !== c) throw new Error(`bare-server and dept-api answer differently at ${cell.rows} rows (${a.length}, ${b.length} and ${c.length} bytes)`);
      }
      if (size.warmupSec <= 0) return;
      lab.log(`  ${why}: ${cell.id} on bare, dept-api and bare-2, ${size.warmupSec} s each in ${WARM_UP_SLICES} slices served in turns, not measured`);
      for (const order of warmUpOrder([bareUrl, deptUrl, bare2Url])) {
        for (const url of order) {
          const warm = { ...cell, id: `${cell.id}/warm-up`, rampUpSec: 0, durationSec: size.warmupSec / WARM_UP_SLICES };
          if (loadGenerator === 'wrk') await runWrk(warm, url, warm.durationSec, idle, hz);
          else await runCell(scenarioFor(cell), warm, { baseUrls: [url] });
        }
      }
    };
    // Both sides first serve every workload once, unmeasured. What V8 makes of the code a request
    // runs depends on what else the process has served (docs/bench-runs.md, "A process's cost
    // depends on what it has served"): without this pass the first workload, the cached GET, was
    // measured on a dept-api that had served nothing else, and the same run again on the same
    // process gave other ratios.
    for (const [workload, base] of workloads) await prepareAndWarm(cellOf(workload, base), 'every route first');
    let index = 0;
    for (const [workload, base] of workloads) {
      const cell = cellOf(workload, base);
      // Unmeasured warm-up of both sides right before the rounds (the cache and the JIT settle on
      // this workload's rows and bodies).
      await prepareAndWarm(cell, 'warm-up');
      for (let round = 1; round <= size.rounds; round++) {
        const sides = [['bare', bareUrl, bare.pid!, 'bare-server'], ['dept-api', deptUrl, deptPid, deptName], ['bare-2', bare2Url, bare2.pid!, 'bare-server-2']] as const;
        const sums = new Map<ApiOverheadMeasurement['target'], SliceSum>();
        // The order changes by slice and by round (rotation): slow drift on a shared host falls on
        // every server alike, and each runs right after each of the others equally often.
        const firstOrder = rotation(sides, round, 0, slices).map(([t]) => t);
        for (let slice = 0; slice < slices; slice++) {
          for (const [target, url, pid, name] of rotation(sides, round, slice, slices)) {
            const sampler = lab.sampler(cell, bareProcesses);
            let r: SliceLoad;
            const cpu0 = await readCpuTicks(pid);
            const redis0 = await readCpuTicks(redisPid);
            try {
              const id = slices > 1 ? `${cell.id}/${target}/round${round}/slice${slice + 1}` : `${cell.id}/${target}/round${round}`;
              if (loadGenerator === 'wrk') {
                lab.log(`cell ${++index}/${total} ${id}: ${cell.vUsers} connections (wrk), ${sliceSec} s`);
                r = await runWrk({ ...cell, id, durationSec: sliceSec }, url, sliceSec, sampler, hz);
                lab.log(`  -> TPS ${r.totals.tps}, errors ${r.totals.errors}, p50/p99 ${r.latencyMs.p50}/${r.latencyMs.p99} ms, load generator ${r.resources.loadGenerator.meanMillicores}m`);
              } else {
                r = await lab.run({ ...cell, id, durationSec: sliceSec }, ++index, total, sampler, {}, [url]);
              }
            } finally {
              await sampler.stop();
            }
            const cpu1 = await readCpuTicks(pid);
            const redis1 = await readCpuTicks(redisPid);
            if (cpu0 === null || cpu1 === null) throw new StackError(`${target} (pid ${pid}) went away during the measure`);
            const server = r.resources.processes.find((p) => p.name === name)!;
            const redisProc = r.resources.processes.find((p) => p.role === 'redis');
            const sum = sums.get(target) ?? newSliceSum(url);
            sums.set(target, addSlice(sum, r, {
              serverCpuSec: (cpu1 - cpu0) / hz,
              redisCpuSec: redis0 !== null && redis1 !== null ? (redis1 - redis0) / hz : null,
              meanMillicores: server.meanMillicores,
              peakMillicores: server.peakMillicores,
              peakRssBytes: server.peakRssBytes,
              redisMeanMillicores: redisProc?.meanMillicores ?? 0,
            }));
          }
        }
        for (const [target] of sides) {
          measurements.push(toMeasurement(sums.get(target)!, { workload, target, rows: cell.rows, round, order: firstOrder.indexOf(target) + 1, slices }, pinning.info.applied && redisWith === 'load-generator'));
        }
      }
    }
  } finally {
    await stopChild(bare);
    await stopChild(bare2);
    await pinning.release();
    release();
  }
  const dept = (w: OverheadWorkload, round: number) => measurements.find((m) => m.workload === w && m.target === 'dept-api' && m.round === round);
  const rows1000Vs10 = spreadOf(
    Array.from({ length: size.rounds }, (_, i) => [dept('get1000', i + 1), dept('get10', i + 1)] as const)
      .filter(([a, b]) => a && b && b.tps > 0)
      .map(([a, b]) => a!.tps / b!.tps),
  );
  return {
    connections: size.connections,
    durationSec: size.durationSec,
    rounds: size.rounds,
    warmupSec: size.warmupSec,
    slices,
    everyWorkloadFirst: size.warmupSec > 0,
    nodeFlags: [...DEPT_API_NODE_FLAGS],
    loadGenerator,
    warmUpSlices: WARM_UP_SLICES,
    deptBefore,
    redisKey: CacheKeys.findAll,
    pinning: pinning.info,
    measurements,
    comparisons: workloads.map(([w]) => compare(w, measurements)).filter((c): c is OverheadComparison => c !== null),
    control: workloads.map(([w]) => control(w, measurements)).filter((c): c is OverheadControl => c !== null),
    rows1000Vs10,
  };
}

const fmtSpread = (s: Spread, digits = 3) => `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}-${s.max.toFixed(digits)}]`;

/** One line per comparison: the ratios with their spread and the verdicts, as the report prints them. */
export function comparisonLines(o: ApiOverhead): string[] {
  return o.comparisons.map((c) => {
    const t = c.targets.tpsRatioMin !== undefined ? ` (target >= ${c.targets.tpsRatioMin}: ${c.verdicts.tps})` : '';
    const u = c.targets.cpuRatioMax !== undefined ? ` (target <= ${c.targets.cpuRatioMax}: ${c.verdicts.cpu})` : '';
    const k = o.control?.find((x) => x.workload === c.workload);
    const vs = c.vsControl ? `; dept-api / bare-2 throughput ${fmtSpread(c.vsControl.tpsRatio)}, CPU per request ${fmtSpread(c.vsControl.cpuRatio)}` : '';
    const ctl = k ? `; control bare-2 / bare throughput ${fmtSpread(k.tpsRatio)}, CPU per request ${fmtSpread(k.cpuRatio)}` : '';
    return `${c.label}: dept-api / bare throughput ${fmtSpread(c.tpsRatio)}${t}; CPU per request ${fmtSpread(c.cpuRatio)}${u}${vs}${ctl}`;
  });
}

/** bench api-overhead: the measurements and the ratios against their targets, printed at the end. */
export async function runApiOverhead(profile: Profile, options: OverheadOptions = DEFAULT_OVERHEAD_OPTIONS): Promise<void> {
  let o!: ApiOverhead;
  await runOnStack('api-overhead', profile, async (lab, rec) => {
    o = rec.apiOverhead = await measureApiOverhead(lab, profile, options);
  });
  console.log(`  ${o.pinning.note}`);
  for (const m of o.measurements)
    console.log(
      `  ${m.workload.padEnd(7)} ${m.target.padEnd(8)} round ${m.round}: ${Math.round(m.tps)} TPS, ${m.cpuUsPerRequest.toFixed(1)} µs CPU per request (Redis ${m.redisCpuUsPerRequest.toFixed(1)}), p99 ${m.p99Ms} ms${m.loadGeneratorBound ? ', load generator bound' : ''}`,
    );
  for (const line of comparisonLines(o)) console.log(`  ${line}`);
  if (o.rows1000Vs10) console.log(`  dept-api 1000 rows / 10 rows throughput: ${fmtSpread(o.rows1000Vs10)}`);
}
