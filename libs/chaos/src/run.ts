// runChaos: the fault runs end to end. For each topology x fault: start the system (its Redis,
// agents, Toxiproxy proxies, N dept-api replicas), run the workload and the fault schedule
// together, heal, wait for the nodes to converge, read both nodes directly, check, stop. MariaDB
// (dept-api needs it) and toxiproxy-server are started once for all runs.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createDataSource } from '@app/mariadb';
import { freePort, MariaDbServer } from '@app/procs';
import { check, CheckResult } from './checker';
import { FaultSpec, describeFault, mixedSchedule, runSchedule, singleSchedule, ScheduleTiming, FAULT_KINDS } from './faults';
import { FaultKind, HistoryLine, HistoryRecorder } from './history';
import { Prng } from './prng';
import { checkLinearizable, LinearizabilityResult } from './porcupine';
import { ProcessSet } from './procs';
import { SvgRenderer, writeReport } from './report';
import { waitConverged, waitHealConverged } from './snapshot';
import { preloadNodes } from './preload';
import { makeTopology, NodeId, Topology, TopologyName } from './topology';
import { REPO_ROOT, ToxiproxyServer, toxiproxyBin, TOXIPROXY_MISSING } from './toxiproxy';
import { runWorkload, WorkloadStats } from './workload';

export type ChaosProfile = 'smoke' | 'local';
export type ChaosFault = FaultKind | 'mixed';
export const CHAOS_FAULTS: readonly ChaosFault[] = [...FAULT_KINDS, 'mixed'];

export interface ChaosDb {
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface ChaosOptions {
  /** Default mirrored-async, mirrored-sync, sentinel, single (dynomite on request, with DYNOMITE_BIN). */
  topologies?: TopologyName[];
  /** One run per entry: a single fault, `none` (no fault: same-key races alone) or `mixed`. Default: every kind and mixed. */
  faults?: ChaosFault[];
  /** dept-api replicas (default 2). */
  replicas?: number;
  seed?: number;
  profile?: ChaosProfile;
  /** Workload length per run, ms (default by profile; a mixed run gets twice that). */
  durationMs?: number;
  /** Total requests per second (default by profile). */
  rate?: number;
  workers?: number;
  /** dept-api REDIS_OP_TIMEOUT_MS (default 1000). */
  opTimeoutMs?: number;
  /** How long to poll both nodes for equality after the last heal (default by profile). */
  convergenceWaitMs?: number;
  /**
   * Topologies run side by side, each lane with its own toxiproxy-server (default by profile:
   * smoke 1, local 2). A run at 200 req/s keeps a fraction of a core busy, so two lanes on two
   * cores leave each fault's timing alone and halve the wall time.
   */
  lanes?: number;
  /**
   * Keys of 64 bytes written to every node before the workload (default 0): convergence and
   * bootstrap by dataset size. The wait for convergence grows by 40 s per million keys.
   */
  preloadKeys?: number;
  /** The target the report compares convergence with (default 2000 ms, the issue's). */
  convergenceBoundMs?: number;
  /** Results folder (history, results.json, report.md, charts, process logs). */
  outDir: string;
  /** An existing MariaDB to use; else one is started under outDir. */
  db?: ChaosDb;
  log?: (line: string) => void;
  /** vega-lite specs to SVG strings (apps/bench's renderSvgs); no charts without it. */
  render?: SvgRenderer;
  /** Register the run's emergency cleanup with a caller's signal handling; without it runChaos handles SIGINT itself. */
  onCleanup?: (fn: () => Promise<void>) => void;
  /** Polled by every loop: true stops the run early (it still heals, stops everything and reports). */
  stopped?: () => boolean;
}

export interface ResolvedChaosOptions {
  topologies: TopologyName[];
  faults: ChaosFault[];
  replicas: number;
  seed: number;
  profile: ChaosProfile;
  durationMs: number;
  rate: number;
  workers: number;
  opTimeoutMs: number;
  convergenceWaitMs: number;
  convergenceBoundMs: number;
  lanes: number;
  preloadKeys: number;
  timing: ScheduleTiming;
}

export interface ChaosRunResult {
  topology: TopologyName;
  fault: ChaosFault;
  seed: number;
  dir: string;
  historyFile: string;
  chart?: string;
  schedule: Array<FaultSpec & { target: string }>;
  workload: WorkloadStats;
  /** ms on the run's clock when the last fault healed (null: no fault). */
  lastHealMs: number | null;
  /**
   * ms from the last heal until every key written before it (and not since) agreed on both
   * nodes, measured while the workload went on; null = not within convergenceWaitMs (or no fault).
   */
  convergenceMs: number | null;
  /** ms from the end of the workload until both nodes held exactly the same departments; null = not within convergenceWaitMs. */
  quiesceMs: number | null;
  convergenceBoundMs: number;
  nodes: Array<{ name: string; departments: number }>;
  check: CheckResult;
  /** Every key as a register, checked by Porcupine (null: tools/porcupine not built). */
  linearizable: LinearizabilityResult | null;
  /** Wall time of the whole run (start to stop), ms. */
  wallMs: number;
  error?: string;
}

export interface ChaosResult {
  /** The bench command that repeats this run (first in results.json, so docs citing it can name it). */
  command: string;
  dir: string;
  startedAt: string;
  options: ResolvedChaosOptions;
  runs: ChaosRunResult[];
  skipped: Array<{ topology: string; reason: string }>;
  notes: string[];
  reportFile?: string;
}

const PROFILE_DEFAULTS: Record<ChaosProfile, { durationMs: number; rate: number; workers: number; convergenceWaitMs: number; warmupMs: number; faultMs: number; pauseMs: number; lanes: number }> = {
  smoke: { durationMs: 10_000, rate: 120, workers: 6, convergenceWaitMs: 4_000, warmupMs: 2_000, faultMs: 5_000, pauseMs: 2_500, lanes: 1 },
  // 4 topologies x 10 faults in under 10 minutes (issue 8): 15 s of load per run (30 s for the
  // mixed schedule), each fault held 6 s, a pause 3 s (three op timeouts).
  local: { durationMs: 15_000, rate: 200, workers: 8, convergenceWaitMs: 10_000, warmupMs: 3_000, faultMs: 6_000, pauseMs: 3_000, lanes: 2 },
};

/** The topologies run when none are named (plus dynomite when DYNOMITE_BIN is set). */
const BASE_TOPOLOGIES: readonly TopologyName[] = ['mirrored-async', 'mirrored-sync', 'sentinel', 'single'];

/** `bench ha chaos` with every option that differs from its default. */
export function chaosCommand(o: ResolvedChaosOptions): string {
  return [
    `bench ha chaos --profile ${o.profile} --seed ${o.seed} --replicas ${o.replicas}`,
    o.lanes !== PROFILE_DEFAULTS[o.profile].lanes ? ` --lanes ${o.lanes}` : '',
    o.topologies.join(' ') !== BASE_TOPOLOGIES.join(' ') ? ` --topology ${o.topologies.join(' ')}` : '',
    o.faults.join(' ') !== CHAOS_FAULTS.join(' ') ? ` --faults ${o.faults.join(' ')}` : '',
    o.preloadKeys ? ` --preload ${o.preloadKeys}` : '',
  ].join('');
}

export function resolveOptions(o: ChaosOptions): ResolvedChaosOptions {
  const profile = o.profile ?? 'smoke';
  const d = PROFILE_DEFAULTS[profile];
  const durationMs = o.durationMs ?? d.durationMs;
  const opTimeoutMs = o.opTimeoutMs ?? 1000;
  const replicas = o.replicas ?? 2;
  if (replicas < 1 || replicas > 8) throw new Error('replicas must be 1 to 8');
  const rate = o.rate ?? d.rate;
  if (rate < 1 || rate > 2000) throw new Error('rate must be 1 to 2000 req/s');
  const scale = durationMs / d.durationMs;
  const lanes = o.lanes ?? d.lanes;
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > 4) throw new Error('lanes must be 1 to 4');
  const preloadKeys = o.preloadKeys ?? 0;
  if (!Number.isInteger(preloadKeys) || preloadKeys < 0 || preloadKeys > 5_000_000) throw new Error('preloadKeys must be 0 to 5,000,000');
  return {
    topologies: o.topologies ?? [...BASE_TOPOLOGIES, ...(process.env.DYNOMITE_BIN ? (['dynomite'] as const) : [])],
    faults: o.faults ?? [...CHAOS_FAULTS],
    replicas,
    seed: o.seed ?? 1,
    profile,
    durationMs,
    rate,
    workers: o.workers ?? Math.max(d.workers, replicas),
    opTimeoutMs,
    convergenceWaitMs: o.convergenceWaitMs ?? d.convergenceWaitMs + Math.ceil((preloadKeys / 1e6) * 40_000),
    convergenceBoundMs: o.convergenceBoundMs ?? 2000,
    lanes,
    preloadKeys,
    timing: {
      durationMs,
      warmupMs: Math.round(d.warmupMs * Math.min(1, scale)),
      faultMs: Math.round(d.faultMs * Math.min(1, scale)),
      // Longer than the op timeout, so requests time out on the paused node.
      pauseMs: Math.max(d.pauseMs, opTimeoutMs * 2),
    },
  };
}

export function scheduleFor(fault: ChaosFault, r: ResolvedChaosOptions, prng: Prng): { schedule: FaultSpec[]; durationMs: number } {
  if (fault === 'mixed') {
    const durationMs = r.durationMs * 2;
    return { schedule: mixedSchedule({ ...r.timing, durationMs }, prng, r.replicas), durationMs };
  }
  if (fault === 'double-partition' && r.replicas < 2) throw new Error('double-partition needs 2 replicas or more');
  return { schedule: singleSchedule(fault, r.timing, prng, r.replicas), durationMs: r.durationMs };
}

async function startMariaDb(dir: string, procs: ProcessSet, log: (l: string) => void): Promise<{ db: ChaosDb; server: MariaDbServer }> {
  const template = join(REPO_ROOT, '.run', 'mariadb-template');
  const server = new MariaDbServer({ name: 'chaos', port: await freePort(), dir, template: existsSync(join(template, 'mysql')) ? template : undefined, bufferPoolMb: 64 });
  log(`mariadb on 127.0.0.1:${server.port} ...`);
  await server.start();
  procs.track(server.pid);
  const password = randomBytes(12).toString('hex');
  await server.rootSql(
    'CREATE DATABASE IF NOT EXISTS employees; ' +
      `CREATE USER IF NOT EXISTS 'dept'@'127.0.0.1' IDENTIFIED BY '${password}'; ` +
      `ALTER USER 'dept'@'127.0.0.1' IDENTIFIED BY '${password}'; ` +
      "GRANT ALL PRIVILEGES ON employees.* TO 'dept'@'127.0.0.1'; FLUSH PRIVILEGES;",
  );
  return { db: { port: server.port, user: 'dept', password, database: 'employees' }, server };
}

async function migrate(db: ChaosDb): Promise<void> {
  const ds = createDataSource({ host: '127.0.0.1', port: db.port, database: db.database, username: db.user, password: db.password, poolSize: 2, connectTimeoutMs: 2000, migrate: true });
  await ds.initialize();
  await ds.destroy();
}

function summary(r: ChaosRunResult): string {
  const c = r.check;
  return `${r.topology} / ${r.fault}: ${c.acked} acked, lost ${c.lost.total} (in flight ${c.lost.inFlightAtDeath}), one-node ${c.oneNodeKeys.count}, differing ${c.differing.count}, ` +
    `convergence after heal ${r.convergenceMs ?? '—'} ms, after load ${r.quiesceMs ?? 'none'} ms, stale reads ${c.staleReads.total}/${c.staleReads.reads}, failed ${c.failures.total}` +
    (r.linearizable ? `, linearizable ${r.linearizable.result} (${r.linearizable.illegalKeys} of ${r.linearizable.keys} keys illegal)` : '');
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => undefined);
  const r = resolveOptions(options);
  if (!toxiproxyBin()) throw new Error(TOXIPROXY_MISSING);
  const outDir = options.outDir;
  mkdirSync(outDir, { recursive: true });
  const procs = new ProcessSet(join(outDir, 'procs'));
  const leftovers = await procs.cleanUpEarlier();
  if (leftovers) log(`stopped ${leftovers} process(es) an interrupted earlier run left in ${outDir}`);
  const result: ChaosResult = { command: chaosCommand(r), dir: outDir, startedAt: new Date().toISOString(), options: r, runs: [], skipped: [], notes: [] };
  const histories = new Map<ChaosRunResult, readonly HistoryLine[]>();

  let interrupted = false;
  const stopped = () => interrupted || (options.stopped?.() ?? false);
  const cleanup = async () => {
    interrupted = true;
    await procs.stopAll(2000);
  };
  let sigint: (() => void) | null = null;
  if (options.onCleanup) options.onCleanup(cleanup);
  else {
    sigint = () => {
      log('interrupted: healing and stopping every process of the run ...');
      interrupted = true;
    };
    process.once('SIGINT', sigint);
  }

  let mariadb: MariaDbServer | null = null;
  const toxiServers: ToxiproxyServer[] = [];
  try {
    let db = options.db;
    if (!db) {
      const started = await startMariaDb(join(procs.dir, 'mariadb'), procs, log);
      db = started.db;
      mariadb = started.server;
    }
    await migrate(db);
    const dbEnv = { DB_HOST: '127.0.0.1', DB_PORT: String(db.port), DB_NAME: db.database, DB_USER: db.user, DB_PASSWORD: db.password };
    // Lanes take topologies from one queue; each has its own toxiproxy-server, so a lane's heal
    // and reset never touch another lane's proxies.
    const queue = [...r.topologies];
    const lanes = Math.min(r.lanes, queue.length);
    const lane = async (n: number): Promise<void> => {
      const toxiServer = new ToxiproxyServer(await freePort(), join(procs.dir, lanes > 1 ? `toxiproxy-${n}` : 'toxiproxy'));
      toxiServers.push(toxiServer);
      log(`toxiproxy-server on 127.0.0.1:${toxiServer.port}${lanes > 1 ? ` (lane ${n})` : ''} ...`);
      procs.track(await toxiServer.start());
      const toxi = toxiServer.client;
      for (let topology = queue.shift(); topology !== undefined && !stopped(); topology = queue.shift()) {
        for (const fault of r.faults) {
          if (stopped()) break;
          const runDir = join(outDir, topology, fault);
          mkdirSync(runDir, { recursive: true });
          const env = { procs, toxi, dir: join(procs.dir, `${topology}-${fault}`), replicas: r.replicas, dbEnv, opTimeoutMs: r.opTimeoutMs, log };
          const made = makeTopology(topology, env);
          if ('skipped' in made) {
            log(`skipping ${topology}: ${made.skipped}`);
            result.skipped.push({ topology, reason: made.skipped });
            break;
          }
          const run = await oneRun(made, fault, r, runDir, toxi, log, stopped);
          result.runs.push(run.result);
          histories.set(run.result, run.lines);
          log(summary(run.result));
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, (_, n) => lane(n + 1)));
    // Lanes finish in any order; the report lists runs in the order asked for.
    const rank = (x: ChaosRunResult) => r.topologies.indexOf(x.topology) * r.faults.length + r.faults.indexOf(x.fault);
    result.runs.sort((a, b) => rank(a) - rank(b));
  } finally {
    if (sigint) process.removeListener('SIGINT', sigint);
    for (const t of toxiServers) await t.stop().catch(() => undefined);
    if (mariadb) await mariadb.stop().catch(() => undefined);
    await procs.stopAll();
    if (mariadb) rmSync(mariadb.options.dir, { recursive: true, force: true });
  }
  result.reportFile = await writeReport(result, options.render, histories);
  log(`report: ${result.reportFile}`);
  return result;
}

async function oneRun(topo: Topology, fault: ChaosFault, r: ResolvedChaosOptions, runDir: string, toxi: ToxiproxyServer['client'], log: (l: string) => void, stopped: () => boolean): Promise<{ result: ChaosRunResult; lines: readonly HistoryLine[] }> {
  const wallStart = Date.now();
  const prng = new Prng(r.seed).fork(`${topo.name}/${fault}`);
  const historyFile = join(runDir, 'history.jsonl');
  const h = new HistoryRecorder(historyFile, { topology: topo.name, fault, seed: r.seed, replicas: r.replicas, opTimeoutMs: r.opTimeoutMs });
  const { schedule, durationMs } = scheduleFor(fault, r, prng.fork('schedule'));
  const base: Omit<ChaosRunResult, 'check' | 'wallMs' | 'linearizable'> = {
    topology: topo.name, fault, seed: r.seed, dir: runDir, historyFile,
    schedule: schedule.map((s) => ({ ...s, target: describeFault(s, topo) })),
    workload: { requests: 0, acked: 0 }, lastHealMs: null, convergenceMs: null, quiesceMs: null, convergenceBoundMs: r.convergenceBoundMs, nodes: [],
  };
  let error: string | undefined;
  let snapshots: Awaited<ReturnType<typeof waitConverged>>['snapshots'] = [];
  try {
    log(`${topo.name} / ${fault}: starting ${topo.nodes.length} node(s)${topo.hasAgents ? ' + agents' : ''}, ${r.replicas} dept-api replica(s) through toxiproxy ...`);
    await topo.start();
    if (r.preloadKeys > 0) {
      log(`${topo.name} / ${fault}: preloading ${r.preloadKeys} keys on every node ...`);
      await preloadNodes(topo.nodes.map((n) => topo.nodeUrl(n)), r.preloadKeys);
    }
    h.startClock();
    log(`${topo.name} / ${fault}: workload ${durationMs} ms at ${r.rate} req/s; ${schedule.length} fault(s)`);
    let loadDone = false;
    const nodes = topo.nodes.map((n: NodeId) => ({ name: n, url: topo.nodeUrl(n) }));
    const [workload, healConvergence] = await Promise.all([
      runWorkload({
        urls: (i) => topo.apiUrl(i), replicas: r.replicas, rate: r.rate, workers: r.workers, durationMs,
        sharedKeys: 4, mix: { add: 0.45, write: 0.3 }, clientTimeoutMs: r.opTimeoutMs * 3 + 1000,
      }, h, prng.fork('workload'), stopped).finally(() => {
        loadDone = true;
      }),
      runSchedule(schedule, topo, toxi, h, () => stopped() || loadDone, log).then(async (lastHeal) => {
        base.lastHealMs = lastHeal;
        if (lastHeal === null) return null;
        return waitHealConverged(nodes, h.lines, lastHeal, () => h.now(), r.convergenceWaitMs, stopped);
      }),
    ]);
    base.workload = workload;
    base.convergenceMs = healConvergence;
    // Anything a stopped schedule left: every proxy enabled, no toxic.
    await toxi.reset();
    log(`${topo.name} / ${fault}: ${workload.requests} requests, ${workload.acked} acked; waiting up to ${r.convergenceWaitMs} ms for the nodes to agree ...`);
    const loadEnd = h.now();
    const conv = await waitConverged(nodes, r.convergenceWaitMs, () => h.now(), loadEnd);
    base.quiesceMs = conv.convergenceMs;
    snapshots = conv.snapshots;
    base.nodes = snapshots.map((s) => ({ name: s.name, departments: Object.keys(s.values).length }));
  } catch (err) {
    error = (err as Error).message;
    log(`${topo.name} / ${fault}: run failed: ${error}`);
  } finally {
    await topo.stop().catch((err: Error) => log(`${topo.name}: stop: ${err.message}`));
    await h.close();
  }
  const checked = check(h.lines, snapshots, { opTimeoutMs: r.opTimeoutMs, convergenceMs: base.convergenceMs });
  const linearizable = await checkLinearizable(historyFile).catch((err: Error) => {
    log(`${topo.name} / ${fault}: linearizability check: ${err.message}`);
    return null;
  });
  return { result: { ...base, check: checked, linearizable, wallMs: Date.now() - wallStart, ...(error ? { error } : {}) }, lines: h.lines };
}
