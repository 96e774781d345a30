// bench api-layers (issue 10, "record what each layer costs"): one dept-api process
// (layer-server.ts: createApp with more routes) entered at each layer of its cached read and of its
// Redis POST, and the bare Fastify + ioredis floor beside it. The GET's routes all serve the same
// cached bytes:
//   bare      the floor process (bare-server.ts)
//   bare-hook the floor with one Fastify onRequest hook that only calls done(), its own process:
//             on Node 20 having any hook at all costs several µs per request (V8 slow paths in
//             Node's stream and nextTick code), and NestJS's FastifyAdapter always adds seven
//   client    dept-api's process, a Fastify route straight to ioredis getBuffer
//   executor  ... to the Redis executor (SingleRedis.get)
//   cache     ... to DepartmentCache.getBytes (metrics, dependency state)
//   service   ... to DepartmentsService.findAllCached (cache-aside)
//   nest      dept-api's own GET /v1/departments (Nest's router, controller and the rest)
// The POST's: nest (POST /api/departmentRedises: Nest's router, the validation pipe, the
// controller), validation (dept-api's pipe called directly, then the repository), repository
// (DepartmentRedisRepository.save), executor (its apply), client (ioredis HMSET + HKEYS + SADD as
// the floor sends them), parser (client with Fastify's own JSON parser), bare-hook, bare.
// Why not from CPU profiles: with the servers and Redis on one core, Redis preempts the server on
// about every request (one involuntary context switch per request, /proc/<pid>/status), and a
// profile's samples land on the syscall that woke Redis; per-layer µs read from a profile then hold
// Redis's time too (docs/bench-runs.md). Here each layer is the difference between two routes of
// one process measured in turns, so the process, its hooks and what it has served are the same on
// both sides. Method as api-overhead: wrk pinned on one core, servers and Redis on the other, the
// routes rotated by slice and by round, CPU per request from the serving process's utime + stime.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CacheKeys } from '@app/departments';
import { PROFILES, SCENARIOS } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import { DEPT_API_NODE_FLAGS, findBinary, freePort } from '@app/procs';
import type { ApiLayerMeasurement, ApiLayerStep, ApiLayerSummary, ApiLayerTarget, ApiLayerWorkload, ApiLayers, Spread } from '../results';
import { Sampler, clockTicksPerSec, readContextSwitches, readCpuTicks } from '../load';
import { StackError } from '../stack';
import { onAbort } from '../cli/abort';
import { Pinning, WARM_UP_SLICES, rotation, spawnReady, spreadOf, startBare, stopChild, warmUpOrder } from './api-overhead';
import { runOnStack } from './frame';
import { Lab } from './lab';
import { runWrk } from './wrk';
import { LAYER_PATHS, POST_LAYER_PATHS } from './layer-server';

const LAYER_MAIN = join(__dirname, 'layer-server.js');

type Target = { target: ApiLayerTarget; what: string };
type Step = { outer: ApiLayerTarget; inner: ApiLayerTarget; layer: string };

// The floor with one empty hook, and the two steps both workloads have, the same in each.
const HOOK_FLOOR: Target = { target: 'bare-hook', what: 'the floor with one Fastify onRequest hook that only calls done() (bare-server.ts hook), its own process' };
const HOOK_STEP: Step = { outer: 'bare-hook', inner: 'bare', layer: "having a Fastify hook at all: one that only calls done(), on the floor (NestJS's FastifyAdapter adds seven, dept-api three)" };
const WHOLE_STEP: Step = { outer: 'nest', inner: 'bare', layer: 'all of dept-api against the floor' };

/** The GET's routes, outermost first, with what a request to each runs. */
export const LAYER_TARGETS: readonly Target[] = [
  { target: 'nest', what: "dept-api's GET /v1/departments: Fastify, Nest's router, the controller, the service, the cache, the executor, ioredis" },
  { target: 'service', what: "dept-api's process, a Fastify route to DepartmentsService.findAllCached (no Nest router, no controller)" },
  { target: 'cache', what: "dept-api's process, a Fastify route to DepartmentCache.getBytes (its metrics and dependency state)" },
  { target: 'executor', what: "dept-api's process, a Fastify route to the Redis executor's get (SingleRedis)" },
  { target: 'client', what: "dept-api's process, a Fastify route straight to ioredis getBuffer" },
  HOOK_FLOOR,
  { target: 'bare', what: 'the floor: its own process, Fastify + ioredis and nothing else (bare-server.ts)' },
];

/** Each GET layer: the outer route minus the inner one; the last line is dept-api's process against the floor's. */
export const LAYER_STEPS: readonly Step[] = [
  { outer: 'nest', inner: 'service', layer: "Nest's router and the controller (guards, interceptors, pipes, exception zone, @Res)" },
  { outer: 'service', inner: 'cache', layer: 'the service (cache-aside: the hit test, the miss path not taken)' },
  { outer: 'cache', inner: 'executor', layer: 'the cache adapter (hit/miss counter, dependency state)' },
  { outer: 'executor', inner: 'client', layer: 'the executor (SingleRedis.get, readPlain)' },
  { outer: 'client', inner: 'bare', layer: "dept-api's process itself: its hooks (metrics, query check), its other routes and modules, what it has served" },
  HOOK_STEP,
  { outer: 'client', inner: 'bare-hook', layer: "dept-api's process beyond having a hook: its ten hooks instead of one, its other routes and modules, what it has served" },
  WHOLE_STEP,
];

/** The POST's routes, outermost first. */
export const POST_LAYER_TARGETS: readonly Target[] = [
  { target: 'nest', what: "dept-api's POST /api/departmentRedises: Fastify, Nest's router, the validation pipe, the controller, the repository, the executor, ioredis" },
  { target: 'validation', what: "dept-api's process, a Fastify route through dept-api's validation pipe (FastValidationPipe, its options) to DepartmentRedisRepository.save (no Nest router, no controller)" },
  { target: 'repository', what: "dept-api's process, a Fastify route to DepartmentRedisRepository.save (no Nest router, no validation)" },
  { target: 'executor', what: "dept-api's process, a Fastify route to the executor's apply([hash, sadd]), what save sends" },
  { target: 'client', what: "dept-api's process, a Fastify route sending HMSET + HKEYS (+ HDEL of a stale field) + SADD with ioredis, as the floor does" },
  { target: 'parser', what: "dept-api's process, the same route as client where Fastify's own JSON parser reads the body (as in the floor) instead of dept-api's" },
  HOOK_FLOOR,
  { target: 'bare', what: 'the floor: its own process, the same three commands (bare-server.ts)' },
];

/** Each POST layer. */
export const POST_LAYER_STEPS: readonly Step[] = [
  { outer: 'nest', inner: 'validation', layer: "Nest's router, the controller and Nest's reply (the pipe run by Nest rather than called)" },
  { outer: 'validation', inner: 'repository', layer: "the validation pipe (FastValidationPipe: the DTO's constraints, the id and name rules, the DTO instance)" },
  { outer: 'repository', inner: 'executor', layer: 'the repository (the record and its fields, the error mapping)' },
  { outer: 'executor', inner: 'client', layer: 'the executor (applyPlain, replaceHash) against the same commands sent directly' },
  { outer: 'client', inner: 'parser', layer: "dept-api's JSON body parser (charset, UTF-8 check on the bytes, depth bound) against Fastify's own" },
  { outer: 'parser', inner: 'bare', layer: "dept-api's process itself: its hooks, its other routes and modules, what it has served" },
  HOOK_STEP,
  { outer: 'parser', inner: 'bare-hook', layer: "dept-api's process beyond having a hook: its ten hooks instead of one, its other routes and modules, what it has served" },
  WHOLE_STEP,
];

const WORKLOADS: ReadonlyArray<{ workload: ApiLayerWorkload; targets: readonly Target[]; steps: readonly Step[] }> = [
  { workload: 'get', targets: LAYER_TARGETS, steps: LAYER_STEPS },
  { workload: 'post', targets: POST_LAYER_TARGETS, steps: POST_LAYER_STEPS },
];

/** A route's path: the floor's is dept-api's own route path. */
export function pathOf(workload: ApiLayerWorkload, t: ApiLayerTarget): string {
  const floor = t === 'bare' || t === 'bare-hook';
  if (workload === 'get') return floor ? LAYER_PATHS.nest : LAYER_PATHS[t as keyof typeof LAYER_PATHS];
  return floor ? POST_LAYER_PATHS.nest : POST_LAYER_PATHS[t as keyof typeof POST_LAYER_PATHS];
}

/** Starts layer-server with dept-api's environment; resolves once it prints "ready". */
function startLayerServer(env: Record<string, string>, cpus: string | null): Promise<ChildProcess> {
  if (!existsSync(LAYER_MAIN)) throw new StackError(`${LAYER_MAIN} is missing: run \`npm run build\` first`);
  return spawnReady('layer-server', [...DEPT_API_NODE_FLAGS, LAYER_MAIN], cpus, 60_000, { PATH: process.env.PATH ?? '', ...env });
}

interface Sum {
  durationSec: number;
  ok: number;
  errors: number;
  answered: number;
  cpuSec: number;
  redisCpuSec: number;
  loadGenMillicoreSec: number;
  preemptions: number;
  redisSleeps: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Every route over the rounds, and each layer as the paired difference of two routes, per workload. */
export function summarise(measurements: ApiLayerMeasurement[]): { targets: ApiLayerSummary[]; steps: ApiLayerStep[] } {
  const targets: ApiLayerSummary[] = [];
  const steps: ApiLayerStep[] = [];
  for (const w of WORKLOADS) {
    const of = (t: ApiLayerTarget) => measurements.filter((m) => m.workload === w.workload && m.target === t && m.ok > 0);
    for (const { target, what } of w.targets) {
      const ms = of(target);
      if (!ms.length) continue;
      targets.push({
        workload: w.workload,
        target,
        path: pathOf(w.workload, target),
        what,
        tps: spreadOf(ms.map((m) => m.tps))!,
        cpuUsPerRequest: spreadOf(ms.map((m) => m.cpuUsPerRequest))!,
        serverPreemptionsPerRequest: spreadOf(ms.map((m) => m.serverPreemptionsPerRequest))!,
        redisSleepsPerRequest: spreadOf(ms.map((m) => m.redisSleepsPerRequest))!,
      });
    }
    for (const { outer, inner, layer } of w.steps) {
      const pairs = of(outer)
        .map((o) => [o, of(inner).find((i) => i.round === o.round)] as const)
        .filter((p): p is readonly [ApiLayerMeasurement, ApiLayerMeasurement] => !!p[1] && p[1].tps > 0);
      if (!pairs.length) continue;
      steps.push({
        workload: w.workload,
        outer,
        inner,
        layer,
        cpuUs: spreadOf(pairs.map(([o, i]) => o.cpuUsPerRequest - i.cpuUsPerRequest))!,
        tpsRatio: spreadOf(pairs.map(([o, i]) => o.tps / i.tps))!,
      });
    }
  }
  return { targets, steps };
}

export async function measureApiLayers(lab: Lab, profile: Profile): Promise<ApiLayers> {
  if (!findBinary('wrk')) throw new StackError('wrk is not installed: `apt-get install -y wrk` (or `node scripts/ensure.js bench`)');
  const size = PROFILES[profile].apiOverhead;
  lab.requireUp(['redis'], 1);
  const redisPort = lab.stack.ports.redis['redis-cache'];
  const redisPid = lab.stack.pidOf('redis-cache');
  if (!redisPid) throw new StackError(`no pid for redis-cache in ${lab.stack.dir}`);
  const pinning = await Pinning.plan('servers', 'wrk', "both bare-server processes (with and without a hook) and the dept-api process with the layer routes (layer-server)");
  const serverCpus = pinning.info.applied ? pinning.info.serverCpus : null;
  const layerPort = await freePort();
  const layer = await startLayerServer(
    {
      NODE_ENV: 'production',
      APP_NAME: 'dept-layers',
      PORT: String(layerPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DB_MIGRATE: 'false',
      DOCS_ENABLED: 'false',
      ...lab.stack.dbEnv(),
      REDIS_MODE: 'single',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    },
    serverCpus,
  );
  const barePort = await freePort();
  const bare = await startBare(barePort, redisPort, serverCpus).catch(async (err: unknown) => {
    await stopChild(layer);
    throw err;
  });
  const bareHookPort = await freePort();
  const bareHook = await startBare(bareHookPort, redisPort, serverCpus, true).catch(async (err: unknown) => {
    await stopChild(layer);
    await stopChild(bare);
    throw err;
  });
  const release = onAbort(async () => {
    await stopChild(layer);
    await stopChild(bare);
    await stopChild(bareHook);
    await pinning.release();
  });
  const layerUrl = `http://127.0.0.1:${layerPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const bareHookUrl = `http://127.0.0.1:${bareHookPort}`;
  const measurements: ApiLayerMeasurement[] = [];
  const getBase = SCENARIOS['get-departments'].cells(profile).find((c) => c.backend === 'redis' && c.studyRow.replicas === 1)!;
  const postBase = SCENARIOS['post-redis'].cells(profile).find((c) => c.backend === 'redis' && c.studyRow.replicas === 1 && !c.payloadExtraBytes)!;
  const get: Cell = { ...getBase, id: 'api-layers/get10', rows: 10, studyRow: { ...getBase.studyRow, rows: 10 }, vUsers: size.connections, durationSec: size.durationSec, replicas: 1 };
  const post: Cell = { ...postBase, id: 'api-layers/post', vUsers: size.connections, durationSec: size.durationSec, replicas: 1 };
  const slices = Math.max(1, Math.floor(size.slices));
  const sliceSec = size.durationSec / slices;
  const hz = clockTicksPerSec();
  const idle = new Sampler({ includeSelf: false });
  const pids: Record<ApiLayerTarget, number> = { bare: bare.pid!, 'bare-hook': bareHook.pid!, nest: layer.pid!, service: layer.pid!, cache: layer.pid!, validation: layer.pid!, repository: layer.pid!, parser: layer.pid!, executor: layer.pid!, client: layer.pid! };
  const cells: Record<ApiLayerWorkload, Cell> = { get, post };
  // The servers the sampler follows besides the stack's own processes.
  const servers = [{ name: 'bare-server', role: 'other' as const, pid: bare.pid! }, { name: 'bare-server-hook', role: 'other' as const, pid: bareHook.pid! }, { name: 'layer-server', role: 'other' as const, pid: layer.pid! }];
  try {
    await pinning.pin(redisPid, pinning.info.redisCpus ?? pinning.info.serverCpus);
    await pinning.pin(process.pid, pinning.info.loadGeneratorCpus);
    lab.log(pinning.info.note);
    const urlOf = (t: ApiLayerTarget) => (t === 'bare' ? bareUrl : t === 'bare-hook' ? bareHookUrl : layerUrl);
    const fetchText = (url: string, init?: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }).then(async (r) => `${r.status} ${await r.text()}`);
    // The routes of a workload must answer alike, or their difference means nothing: the GET's the
    // same cached bytes (10 rows in MariaDB, the cache filled through dept-api's own route), the
    // POST's 201 with the record they were sent.
    const check = async (workload: ApiLayerWorkload, targets: readonly Target[]) => {
      if (workload === 'get') {
        await lab.prepare(get, [layerUrl]);
        const answers = await Promise.all(targets.map(({ target }) => fetchText(`${urlOf(target)}${pathOf('get', target)}`)));
        if (new Set(answers).size !== 1 || !answers[0].startsWith('200 ')) throw new Error(`the GET routes answer differently (${answers.map((a) => a.slice(0, 60)).join(' | ')})`);
        return;
      }
      for (const { target } of targets) {
        const body = JSON.stringify({ deptNo: `layers-check-${target}`, deptName: 'Layers check' });
        const answer = await fetchText(`${urlOf(target)}${pathOf('post', target)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (answer !== `201 ${body}`) throw new Error(`POST ${pathOf('post', target)} (${target}) answered ${answer.slice(0, 120)}, not 201 with the record`);
      }
    };
    // As in api-overhead, both processes first serve every workload of api-overhead, unmeasured (a
    // process's cost per request depends on what it has served): the 1000-row GET and the POST on
    // each process; then, before each workload's rounds, every route of it in turns.
    if (size.warmupSec > 0) {
      lab.log(`warm-up: GET /v1/departments at 1000 rows and POST /api/departmentRedises on dept-api's process and on both floors, ${size.warmupSec} s each, not measured`);
      const get1000: Cell = { ...get, id: 'api-layers/get1000', rows: 1000, studyRow: { ...get.studyRow, rows: 1000 } };
      await lab.prepare(get1000, [layerUrl]);
      for (const url of [layerUrl, bareUrl, bareHookUrl]) await runWrk({ ...get1000, id: `${get1000.id}/warm-up` }, url, size.warmupSec, idle, hz);
      for (const url of [layerUrl, bareUrl, bareHookUrl]) await runWrk({ ...post, id: `${post.id}/warm-up` }, url, size.warmupSec, idle, hz);
    }
    const total = WORKLOADS.reduce((n, w) => n + size.rounds * slices * w.targets.length, 0);
    let index = 0;
    for (const { workload, targets } of WORKLOADS) {
      const cell = cells[workload];
      await check(workload, targets);
      if (size.warmupSec > 0) {
        lab.log(`warm-up: every ${workload.toUpperCase()} route in turns, ${size.warmupSec} s each, not measured`);
        for (const order of warmUpOrder(targets.map((t) => t.target))) {
          for (const t of order) await runWrk({ ...cell, id: `${cell.id}/warm-up` }, urlOf(t), size.warmupSec / WARM_UP_SLICES, idle, hz, pathOf(workload, t));
        }
      }
      for (let round = 1; round <= size.rounds; round++) {
        const sums = new Map<ApiLayerTarget, Sum>();
        for (let slice = 0; slice < slices; slice++) {
          for (const { target } of rotation(targets, round, slice, slices)) {
            const pid = pids[target];
            const sampler = lab.sampler(cell, servers);
            const cpu0 = await readCpuTicks(pid);
            const redis0 = await readCpuTicks(redisPid);
            const [sw0, rsw0] = await Promise.all([readContextSwitches(pid), readContextSwitches(redisPid)]);
            lab.log(`cell ${++index}/${total} api-layers/${workload}/${target}/round${round}/slice${slice + 1}: ${cell.vUsers} connections (wrk), ${sliceSec} s`);
            let r;
            try {
              r = await runWrk({ ...cell, id: `${cell.id}/${target}` }, urlOf(target), sliceSec, sampler, hz, pathOf(workload, target));
            } finally {
              await sampler.stop();
            }
            const [sw1, rsw1] = await Promise.all([readContextSwitches(pid), readContextSwitches(redisPid)]);
            const cpu1 = await readCpuTicks(pid);
            const redis1 = await readCpuTicks(redisPid);
            if (cpu0 === null || cpu1 === null) throw new StackError(`${target} (pid ${pid}) went away during the measure`);
            lab.log(`  -> TPS ${r.totals.tps}, errors ${r.totals.errors}, ${((((cpu1 - cpu0) / hz) * 1e6) / Math.max(1, r.totals.ok)).toFixed(1)} µs CPU per request`);
            const s = sums.get(target) ?? { durationSec: 0, ok: 0, errors: 0, answered: 0, cpuSec: 0, redisCpuSec: 0, loadGenMillicoreSec: 0, preemptions: 0, redisSleeps: 0 };
            sums.set(target, {
              durationSec: s.durationSec + r.durationSec,
              ok: s.ok + r.totals.ok,
              errors: s.errors + r.totals.errors,
              answered: s.answered + r.totals.tps * r.durationSec,
              cpuSec: s.cpuSec + (cpu1 - cpu0) / hz,
              redisCpuSec: s.redisCpuSec + (redis0 !== null && redis1 !== null ? (redis1 - redis0) / hz : 0),
              loadGenMillicoreSec: s.loadGenMillicoreSec + r.resources.loadGenerator.meanMillicores * r.durationSec,
              preemptions: s.preemptions + (sw0 && sw1 ? sw1.nonvoluntary - sw0.nonvoluntary : 0),
              redisSleeps: s.redisSleeps + (rsw0 && rsw1 ? rsw1.voluntary - rsw0.voluntary : 0),
            });
          }
        }
        for (const { target } of targets) {
          const s = sums.get(target)!;
          const d = s.durationSec || 1;
          measurements.push({
            workload,
            target,
            round,
            durationSec: round3(s.durationSec),
            ok: s.ok,
            errors: s.errors,
            tps: round3(s.answered / d),
            cpuUsPerRequest: s.ok ? round3((s.cpuSec * 1e6) / s.ok) : 0,
            redisCpuUsPerRequest: s.ok ? round3((s.redisCpuSec * 1e6) / s.ok) : 0,
            loadGeneratorMeanMillicores: Math.round(s.loadGenMillicoreSec / d),
            serverPreemptionsPerRequest: s.ok ? round3(s.preemptions / s.ok) : 0,
            redisSleepsPerRequest: s.ok ? round3(s.redisSleeps / s.ok) : 0,
          });
        }
      }
    }
  } finally {
    await stopChild(layer);
    await stopChild(bare);
    await stopChild(bareHook);
    await pinning.release();
    release();
  }
  return {
    loadGenerator: 'wrk',
    rows: 10,
    connections: size.connections,
    durationSec: size.durationSec,
    rounds: size.rounds,
    slices,
    warmupSec: size.warmupSec,
    nodeFlags: [...DEPT_API_NODE_FLAGS],
    redisKey: CacheKeys.findAll,
    pinning: pinning.info,
    measurements,
    ...summarise(measurements),
  };
}

const fmt = (s: Spread, digits = 1) => `${s.median.toFixed(digits)} [${s.min.toFixed(digits)} to ${s.max.toFixed(digits)}]`;

/** The lines the run prints at its end: each route, then each layer's cost. */
export function layerLines(o: ApiLayers): string[] {
  return [
    ...o.targets.map(
      (t) =>
        `${t.workload.toUpperCase().padEnd(4)} ${t.target.padEnd(10)} ${t.path.padEnd(26)} ${fmt(t.tps, 0)} TPS, ${fmt(t.cpuUsPerRequest)} µs CPU per request, ` +
        `${fmt(t.serverPreemptionsPerRequest, 2)} preemptions of the server and ${fmt(t.redisSleepsPerRequest, 2)} sleeps of Redis per request`,
    ),
    ...o.steps.map((s) => `${s.workload.toUpperCase().padEnd(4)} ${`${s.outer} - ${s.inner}`.padEnd(23)} ${fmt(s.cpuUs)} µs per request, throughput ${fmt(s.tpsRatio, 3)}x: ${s.layer}`),
  ];
}

/** bench api-layers: the measure, written as a run (results.json and report), its lines printed. */
export async function runApiLayers(profile: Profile): Promise<void> {
  let o!: ApiLayers;
  await runOnStack('api-layers', profile, async (lab, rec) => {
    o = rec.apiLayers = await measureApiLayers(lab, profile);
  });
  console.log(`  ${o.pinning.note}`);
  for (const line of layerLines(o)) console.log(`  ${line}`);
}
