// bench scale (issue 10, "how cost grows"): GET /v1/departments (cached) and
// /v1/departmentsNoCache (MariaDB) at each row count of PROFILES[profile].scale.rows, each beside
// its Redis floor (redis-benchmark GET of a value of the same bytes, on the same redis-server),
// then the HA bootstrap at each of scale.bootstrapKeys beside Redis's own full sync (an empty
// redis-server REPLICAOF a filled one). CPU per request for the app, Redis and MariaDB comes from
// each process's own CPU time (/proc utime + stime) over the cell; the load generator's from this
// process's. Where taskset and two cores are available the servers run on core 0 and the load
// generator (this process, redis-benchmark) on core 1; results say which.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { CacheKeys } from '@app/departments';
import { PROFILES, SCENARIOS } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import { freePort } from '@app/procs';
import { sleep } from '@app/async';
import type { RunRecorder, ScaleBootstrapPoint, ScaleGetPoint, ScaleResults } from '../results';
import { HA_REDIS_EXTRA, Stack, withHaPair } from '../stack';
import { onAbort } from '../cli/abort';
import { log } from '../cli/log';
import { runFrame } from './frame';
import { Lab, withRedis, waitRedisReady } from './lab';
import { bootstrapBySize, populate } from './ha-kill';
import { parseRedisBenchmark, redisBenchmarkBin } from './redis-benchmark';

/** The key redis-benchmark's GET test reads when no -r is given. */
const BENCH_KEY = 'key:__rand_int__';

let clockTicks = 0;
function ticksPerSecond(): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time (user + system, all threads) of a process so far, in microseconds; null when unreadable. */
export function cpuTimeUs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / ticksPerSecond()) * 1e6;
  } catch {
    return null;
  }
}

const ownCpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Per-request microseconds from two CPU readings; null when either is missing. */
const perRequest = (a: number | null, b: number | null, requests: number) => (a === null || b === null || requests <= 0 ? null : Math.round(((b - a) / requests) * 10) / 10);

/** Pins pids (all threads) to cores with taskset; false when taskset is missing or refuses. */
function pin(pids: number[], cores: string): boolean {
  try {
    for (const pid of pids) execFileSync('taskset', ['-a', '-c', '-p', cores, String(pid)], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Runs redis-benchmark (pinned to `cores` when given) with a hard timeout; resolves stdout. */
function runBenchmark(bin: string, args: string[], cores: string | null, timeoutMs: number): Promise<string> {
  const [cmd, argv] = cores ? ['taskset', ['-c', cores, bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, argv, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      release();
      if (err) reject(new Error(`redis-benchmark ${args.join(' ')} failed: ${stderr.trim().split('\n').pop() || err.message}`));
      else resolve(stdout);
    });
    const release = onAbort(async () => {
      child.kill('SIGKILL');
    });
  });
}

async function measureGets(lab: Lab, profile: Profile, cores: { servers: string; lg: string } | null): Promise<ScaleGetPoint[]> {
  const s = PROFILES[profile].scale;
  lab.requireUp(['redis', 'mariadb'], 1);
  const bin = redisBenchmarkBin();
  const redisPort = lab.stack.ports.redis['redis-cache'];
  const pids = {
    redisApp: lab.stack.pidOf(lab.stack.apiName('redis', 0)),
    mariadbApp: lab.stack.pidOf(lab.stack.apiName('mariadb', 0)),
    redis: lab.stack.pidOf('redis-cache'),
    mariadb: lab.stack.pidOf('mariadb'),
  };
  const cells = SCENARIOS['get-departments'].cells(profile);
  const points: ScaleGetPoint[] = [];
  const total = s.rows.length * 3;
  let index = 0;
  for (const rows of s.rows) {
    let bodyBytes = 0;
    for (const backend of ['redis', 'mariadb'] as const) {
      const base = cells.find((c) => c.backend === backend && c.studyRow.replicas === 1)!;
      const cell: Cell = { ...base, id: `scale/${backend}/rows${rows}`, rows, vUsers: s.connections, durationSec: s.durationSec, rampUpSec: 0, replicas: 1, studyRow: { ...base.studyRow, rows } };
      const url = lab.stack.apiUrl(backend, 0);
      await lab.prepare(cell, [url]);
      const path = backend === 'redis' ? '/v1/departments' : '/v1/departmentsNoCache';
      bodyBytes = Buffer.byteLength(await (await fetch(url + path, { signal: AbortSignal.timeout(15_000) })).text());
      const appPid = backend === 'redis' ? pids.redisApp : pids.mariadbApp;
      const sampler = lab.sampler(cell);
      const before = { app: cpuTimeUs(appPid), redis: cpuTimeUs(pids.redis), mariadb: cpuTimeUs(pids.mariadb), lg: ownCpuUs() };
      let r;
      try {
        r = await lab.run(cell, ++index, total, sampler, {}, [url]);
      } finally {
        await sampler.stop();
      }
      const after = { app: cpuTimeUs(appPid), redis: cpuTimeUs(pids.redis), mariadb: cpuTimeUs(pids.mariadb), lg: ownCpuUs() };
      const n = r.totals.requests;
      points.push({
        target: backend === 'redis' ? 'dept-api-cached' : 'dept-api-mariadb',
        rows,
        bodyBytes,
        durationSec: r.durationSec,
        requests: n,
        errors: r.totals.errors,
        tps: r.totals.tps,
        bytesPerSec: Math.round(r.totals.bytesRead / r.durationSec),
        p50Ms: r.latencyMs.p50,
        p99Ms: r.latencyMs.p99,
        cpuUsPerRequest: {
          app: perRequest(before.app, after.app, n),
          redis: backend === 'redis' ? perRequest(before.redis, after.redis, n) : null,
          mariadb: backend === 'mariadb' ? perRequest(before.mariadb, after.mariadb, n) : null,
          loadGenerator: perRequest(before.lg, after.lg, n),
        },
      });
    }
    // The floor: redis-benchmark GET of a value of the cached list's size, on the same redis-server.
    // The value is the cached list itself, under the one key redis-benchmark's GET reads.
    await withRedis(redisPort, async (c) => {
      const body = await c.getBuffer(CacheKeys.findAll);
      await c.set(BENCH_KEY, body ?? Buffer.alloc(bodyBytes, 'x'));
    });
    const args = ['-h', '127.0.0.1', '-p', String(redisPort), '-q', '--csv', '-t', 'get', '-d', String(bodyBytes), '-c', String(s.connections), '-n', String(s.redisBenchmarkRequests)];
    lab.log(`cell ${++index}/${total} scale/redis-benchmark/rows${rows}: redis-benchmark -t get -d ${bodyBytes} -c ${s.connections} -n ${s.redisBenchmarkRequests}`);
    const before = cpuTimeUs(pids.redis);
    const t0 = Date.now();
    const out = await runBenchmark(bin, args, cores?.lg ?? null, 30_000 + s.redisBenchmarkRequests * 5);
    const wallSec = (Date.now() - t0) / 1000;
    const after = cpuTimeUs(pids.redis);
    await withRedis(redisPort, (c) => c.del(BENCH_KEY));
    const get = parseRedisBenchmark(out).GET;
    if (!get) throw new Error(`redis-benchmark printed no GET result:\n${out.slice(0, 400)}`);
    lab.log(`  -> GET ${Math.round(get.rps)} rps, ${Math.round((get.rps * bodyBytes) / 1048576)} MiB/s, p50 ${get.p50Ms} ms`);
    points.push({
      target: 'redis-benchmark',
      rows,
      bodyBytes,
      durationSec: Math.round(wallSec * 100) / 100,
      requests: s.redisBenchmarkRequests,
      errors: 0,
      tps: Math.round(get.rps),
      bytesPerSec: Math.round(get.rps * bodyBytes),
      p50Ms: get.p50Ms,
      p99Ms: get.p99Ms,
      cpuUsPerRequest: { app: null, redis: perRequest(before, after, s.redisBenchmarkRequests), mariadb: null, loadGenerator: null },
      command: `redis-benchmark ${args.join(' ').replace(String(redisPort), '<redis-cache port>')}`,
    });
  }
  return points;
}

/** Starts an empty redis-server of the pair's configuration, registered in the stack. */
async function startEmpty(stack: Stack, name: string, port: number) {
  const server = stack.extraRedis(name, port, { persistence: 'everysec', extra: HA_REDIS_EXTRA });
  await stack.startRedis(server, { empty: true });
  await waitRedisReady(port);
  return server;
}

/**
 * Redis's own full sync of `keys` keys: a source filled as the agent's bootstrap fills its peer,
 * an empty replica, REPLICAOF, timed until master_link_status:up and no longer loading. Both are
 * started empty for each size so no partial resync can shortcut the copy.
 */
async function redisFullSync(stack: Stack, keys: number): Promise<{ ms: number | null; keysAfter: number }> {
  const names = { source: 'scale-sync-source', replica: 'scale-sync-replica' };
  const [sourcePort, replicaPort] = [await freePort(), await freePort()];
  const stopBoth = async () => {
    for (const n of [names.replica, names.source]) await stack.stopService(n);
  };
  const release = onAbort(stopBoth);
  try {
    await startEmpty(stack, names.source, sourcePort);
    await startEmpty(stack, names.replica, replicaPort);
    await withRedis(sourcePort, (c) => populate(c, keys));
    return await withRedis(replicaPort, async (c) => {
      const t0 = Date.now();
      await c.call('REPLICAOF', '127.0.0.1', String(sourcePort));
      const deadline = t0 + Math.max(60_000, keys / 5);
      let ms: number | null = null;
      while (Date.now() < deadline) {
        const info = (await c.info('replication')) + (await c.info('persistence'));
        if (/master_link_status:up/.test(info) && /loading:0/.test(info) && /master_sync_in_progress:0/.test(info)) {
          ms = Date.now() - t0;
          break;
        }
        await sleep(10);
      }
      const keysAfter = await c.dbsize();
      // Detached before the stop: a master waits for its replicas at shutdown.
      await c.call('REPLICAOF', 'NO', 'ONE');
      return { ms, keysAfter };
    });
  } finally {
    await stopBoth();
    release();
  }
}

async function measureBootstrap(profile: Profile): Promise<ScaleBootstrapPoint[]> {
  const sizes = PROFILES[profile].scale.bootstrapKeys;
  // A fresh pair for each size: after a bootstrap the agents may still be settling roles, and a
  // flush of the next size then meets a read-only replica.
  const agent = [];
  for (const size of sizes) agent.push(...(await withHaPair(log, (pair) => bootstrapBySize(pair, [size]))));
  const stack = new Stack();
  const out: ScaleBootstrapPoint[] = [];
  for (const a of agent) {
    log(`redis full sync ${a.keys.toLocaleString('en-US')} keys: fill, REPLICAOF from an empty redis-server ...`);
    const f = await redisFullSync(stack, a.keys);
    log(`  -> ${f.ms ?? 'not done'} ms, ${f.keysAfter} keys on the replica (agent bootstrap ${a.bootstrapMs ?? 'n/a'} ms)`);
    out.push({
      keys: a.keys,
      usedMemoryBytes: a.usedMemoryBytes,
      agentBootstrapMs: a.bootstrapMs,
      agentReadyAfterRestartMs: a.readyAfterRestartMs,
      agentSyncRatio: a.syncRatio,
      redisFullSyncMs: f.ms,
      redisFullSyncKeys: f.keysAfter,
      fill: a.fill,
    });
  }
  return out;
}

/** Which cores: servers on 0, load generator on 1, when taskset and two cores are there. */
function pinLab(lab: Lab): { pinning: ScaleResults['pinning']; restore: () => void } {
  const n = cpus().length;
  const servers = ['redis-cache', 'mariadb', lab.stack.apiName('redis', 0), lab.stack.apiName('mariadb', 0)].map((x) => lab.stack.pidOf(x)).filter((p): p is number => !!p);
  const all = `0-${n - 1}`;
  if (n < 2) return { pinning: { applied: false, loadGenerator: all, servers: all, note: `not pinned: ${n} core` }, restore: () => undefined };
  if (!pin(servers, '0') || !pin([process.pid], '1')) {
    pin([...servers, process.pid], all);
    return { pinning: { applied: false, loadGenerator: all, servers: all, note: 'not pinned: taskset is missing or refused' }, restore: () => undefined };
  }
  return {
    pinning: {
      applied: true,
      loadGenerator: '1',
      servers: '0',
      note: `taskset: dept-api (both), redis-cache and MariaDB on core 0; bench (autocannon) and redis-benchmark on core 1; restored to ${all} after the GET cells. The bootstrap part is not pinned.`,
    },
    restore: () => void pin([...servers, process.pid], all),
  };
}

async function measureAll(lab: Lab, rec: RunRecorder, profile: Profile): Promise<ScaleResults> {
  const s = PROFILES[profile].scale;
  lab.requireUp(['redis', 'mariadb'], 1);
  const { pinning, restore } = pinLab(lab);
  lab.log(`scale: ${pinning.note}`);
  const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');
  const loadAtStart = load();
  let get: ScaleGetPoint[];
  try {
    get = await measureGets(lab, profile, pinning.applied ? { servers: pinning.servers, lg: pinning.loadGenerator } : null);
  } finally {
    restore();
  }
  const bootstrap = await measureBootstrap(profile);
  rec.notes.push(
    `Pinning: ${pinning.note}`,
    'Measured on the local stack (`bench stack up`); load generator: autocannon inside the bench process, on the same host.',
    `Host load average (1 / 5 / 15 min) at the start: ${loadAtStart}; at the end: ${load()} (${cpus().length} cores, shared with other work).`,
  );
  return (rec.scale = { connections: s.connections, durationSec: s.durationSec, redisBenchmarkRequests: s.redisBenchmarkRequests, pinning, get, bootstrap });
}

/** bench scale: GET cost by rows and bootstrap time by keys, each beside its Redis floor. */
export async function runScale(profile: Profile): Promise<void> {
  let result!: ScaleResults;
  // runFrame rather than runOnStack: its note would carry the stack's absolute folder into
  // results.json, and scale's results are meant to be committed under docs/results/.
  await runFrame('scale', profile, async (rec) => {
    const lab = new Lab(new Stack(), log);
    try {
      result = await measureAll(lab, rec, profile);
    } finally {
      await lab.close();
    }
  });
  for (const p of result.get) {
    const cpu = Object.entries(p.cpuUsPerRequest).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${v} µs`).join(', ');
    console.log(`  ${p.target.padEnd(16)} ${String(p.rows).padStart(5)} rows (${p.bodyBytes} B): ${Math.round(p.tps)} TPS, ${(p.bytesPerSec / 1048576).toFixed(1)} MiB/s, CPU/request ${cpu}`);
  }
  for (const b of result.bootstrap) console.log(`  bootstrap ${b.keys} keys: agent ${b.agentBootstrapMs ?? 'n/a'} ms, redis full sync ${b.redisFullSyncMs ?? 'n/a'} ms`);
}
