// issue 10's tables: dept-api against the bare Fastify + ioredis floor, the ratios with their
// spread and verdicts first, then every measure.
import type { ApiOverhead, RunResults, Spread } from '../../results';
import type { Table } from './common';

const WORKLOAD: Record<string, string> = { get10: 'GET, 10 rows', get1000: 'GET, 1000 rows', post: 'POST (HMSET + HKEYS + SADD)' };
const sp = (s: Spread, digits = 0) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const ratio = (s: Spread) => `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

function method(o: ApiOverhead): string {
  return (
    `${o.loadGenerator ?? 'autocannon'}, ${o.connections} connections, ${o.durationSec} s per measure, ${o.rounds} round(s); ` +
    (o.everyWorkloadFirst
      ? `both sides first served every workload for ${o.warmupSec} s each, unmeasured (a process's cost per request depends on the routes it has served), then each workload again right before its rounds` + (o.warmUpSlices ? `, each warm-up in ${o.warmUpSlices} slices in which the servers take turns; ` : ', the servers one after the other; ')
      : o.warmupSec
        ? `each workload warmed up ${o.warmupSec} s per side right before its rounds, unmeasured; `
        : '') +
    ((o.slices ?? 1) > 1
      ? o.control?.length
        ? `each round runs bare, dept-api and bare-2 in ${o.slices} slices of ${+(o.durationSec / o.slices!).toFixed(2)} s each, their order changed slice by slice so that each server runs in each place, and right after each of the others, equally often, a server's slices summed into its measure, `
        : `each round runs bare and dept-api in ${o.slices} alternating slices of ${+(o.durationSec / o.slices!).toFixed(2)} s each (which side goes first alternates by slice and by round), a side's slices summed into its measure, `
      : 'in each round bare and dept-api run one after the other (which goes first alternates by round), ') +
    `both serving the bytes cached under ${o.redisKey} (GET) or writing HMSET + HKEYS + SADD (POST). ` +
    (o.deptBefore?.restarted
      ? `The run restarted the stack's dept-api first, so both servers are new processes (a dept-api's cost per request drifts up with what it has served)` +
        (o.deptBefore.replacedAgeSec !== undefined ? `; the replaced one had been up ${o.deptBefore.replacedAgeSec} s and spent ${o.deptBefore.replacedCpuSec!.toFixed(1)} CPU s. ` : '. ')
      : '') +
    (o.nodeFlags?.length ? `Every server ran \`node ${o.nodeFlags.join(' ')}\`, dept-api's flags (libs/procs/src/node-flags.ts). ` : '') +
    `Pinning: ${o.pinning.note}. CPU per request = the server process's utime + stime over its measure / its answers. ` +
    'Ratios are dept-api / bare within a round: median (min–max) over the rounds. A target is "met" only when the whole spread is on its side, ' +
    '"missed" when all of it is on the other, otherwise "not resolved"; a throughput target is at best "not resolved" when the load generator\'s core (with Redis on it, where Redis shares it) was 90 % busy in any measure of its workload.' +
    (o.control?.length
      ? ' The control: a second bare-server process (bare-2), the same code as bare, measured in the same rotation; bare-2 / bare shows how far apart two identical servers come out on this host in this run.' +
        (o.comparisons.some((c) => c.vsControl) ? ' The floor is both processes: a verdict takes the ratios of dept-api against bare and against bare-2 together.' : '')
      : '')
  );
}

/** The comparisons: each side's throughput and CPU per request, the paired ratios, the verdicts. */
export function apiOverheadSummaryTable(results: RunResults): Table {
  const o = results.apiOverhead;
  const rows = (o?.comparisons ?? []).map((c) => [
    c.label,
    `${sp(c.bare.tps)} / ${sp(c.dept.tps)}`,
    `${sp(c.bare.cpuUsPerRequest, 1)} / ${sp(c.dept.cpuUsPerRequest, 1)}`,
    `${ratio(c.tpsRatio)}${c.targets.tpsRatioMin !== undefined ? `: ${c.verdicts.tps} (target >= ${c.targets.tpsRatioMin})` : ''}`,
    `${ratio(c.cpuRatio)}${c.targets.cpuRatioMax !== undefined ? `: ${c.verdicts.cpu} (target <= ${c.targets.cpuRatioMax})` : ''}`,
  ]);
  const notes = (o?.control ?? []).map((k) => {
    const vs = o!.comparisons.find((c) => c.workload === k.workload)?.vsControl;
    return (
      `Control, ${WORKLOAD[k.workload] ?? k.workload}: bare-2 / bare throughput ${ratio(k.tpsRatio)}, CPU per request ${ratio(k.cpuRatio)} (two processes of the same code)` +
      (vs ? `; dept-api / bare-2 throughput ${ratio(vs.tpsRatio)}, CPU per request ${ratio(vs.cpuRatio)}.` : '.')
    );
  });
  if (o?.rows1000Vs10) notes.push(`dept-api's own 1000-row throughput / its 10-row throughput: ${ratio(o.rows1000Vs10)}.`);
  if (o?.measurements.some((m) => m.loadGeneratorBound)) notes.push('Some measures were bound by the load generator (>= 90 % of its core): their throughput is the load generator\'s limit; CPU per request still holds.');
  return {
    id: 'api-overhead',
    title: 'API overhead: dept-api against the bare Fastify + ioredis floor',
    intro: o ? method(o) : 'Not measured in this run.',
    header: ['workload', 'TPS bare / dept-api', 'CPU µs per request bare / dept-api', 'throughput dept-api / bare', 'CPU per request dept-api / bare'],
    rows,
    notes,
  };
}

/** Every measure, in the order it ran. */
export function apiOverheadTable(results: RunResults): Table {
  const o = results.apiOverhead;
  const rows = (o?.measurements ?? []).map((m) => [
    WORKLOAD[m.workload] ?? m.workload,
    m.target === 'bare' ? 'bare Fastify + ioredis' : m.target === 'bare-2' ? 'bare-2 (control: a second bare process)' : 'dept-api',
    `${m.round} (${['first', 'second', 'third'][m.order - 1] ?? m.order})`,
    `${Math.round(m.tps)}${m.loadGeneratorBound ? ' †' : ''}`,
    `${m.cpuUsPerRequest.toFixed(1)}`,
    `${m.redisCpuUsPerRequest.toFixed(1)}`,
    `${+m.p50Ms.toFixed(3)} / ${+m.p99Ms.toFixed(3)}`,
    `${m.meanMillicores}m`,
    `${m.loadGeneratorMeanMillicores}m`,
    `${m.errors} / ${m.requests}`,
  ]);
  return {
    id: 'api-overhead-measures',
    title: 'API overhead: every measure',
    intro: o
      ? `Servers on CPU ${o.pinning.serverCpus}, Redis on CPU ${o.pinning.redisCpus ?? o.pinning.serverCpus}${o.pinning.redisWith === 'load-generator' ? ' with the load generator' : ', with the servers'}, load generator on CPU ${o.pinning.loadGeneratorCpus}${o.pinning.applied ? '' : ' (not pinned)'}.`
      : 'Not measured in this run.',
    header: ['workload', 'server', 'round', 'TPS', 'server CPU µs / request', 'Redis CPU µs / request', 'p50 / p99 ms', 'server CPU (mean)', 'LG CPU', 'errors / requests'],
    rows,
    notes: o ? ['† bound by the load generator (>= 90 % of its core).'] : [],
  };
}

/** bench api-layers: what each of dept-api's layers costs, then each route's throughput and CPU. */
export function apiLayersTable(results: RunResults): Table {
  const o = results.apiLayers;
  const signed = (s: Spread) => `${s.median.toFixed(1)} (${s.min.toFixed(1)} to ${s.max.toFixed(1)})`;
  const rows = (o?.steps ?? []).map((s) => [(s.workload ?? 'get').toUpperCase(), s.layer, `${s.outer} − ${s.inner}`, signed(s.cpuUs), ratio(s.tpsRatio)]);
  return {
    id: 'api-layers',
    title: "API layers: what each of dept-api's layers costs per cached GET and per POST",
    intro: o
      ? `One dept-api process (createApp, its hooks and modules) with extra routes entering its cached read and its Redis POST below each layer, and the bare Fastify + ioredis floor: the GET's routes all send the ${o.rows}-row list cached under ${o.redisKey}, the POST's all write HMSET + HKEYS + SADD of a new id per request and answer 201 with the record. ` +
        `wrk, ${o.connections} connections, ${o.durationSec} s per route and round in ${o.slices} slice(s), ${o.rounds} round(s), the routes rotated by slice and by round; ` +
        (o.warmupSec > 0 ? `first, unmeasured, the 1000-row GET and POST /api/departmentRedises on both processes (as api-overhead's warm-up), then before each workload's rounds every route of it in turns, ${o.warmupSec} s each (a process's cost depends on what it has served). ` : '') +
        `Pinning: ${o.pinning.note}. A layer's cost is the CPU per request of the outer route minus that of the inner one, paired by round: median (min to max) in µs; ` +
        'two routes of one process share its hooks, its history and its JIT state, so the difference is the layer. Below zero: within the noise.'
      : 'Not measured in this run.',
    header: ['workload', 'layer', 'routes', 'CPU µs per request (outer − inner)', 'throughput outer / inner'],
    rows,
    notes: [],
  };
}

/** bench api-layers: each route over the rounds. */
export function apiLayersRoutesTable(results: RunResults): Table {
  const o = results.apiLayers;
  const rows = (o?.targets ?? []).map((t) => [(t.workload ?? 'get').toUpperCase(), t.target, t.path, t.what, sp(t.tps), sp(t.cpuUsPerRequest, 1), `${sp(t.serverPreemptionsPerRequest, 2)} / ${sp(t.redisSleepsPerRequest, 2)}`]);
  return {
    id: 'api-layers-routes',
    title: 'API layers: every route',
    intro: o
      ? "Median (min–max) over the rounds. CPU per request = the serving process's utime + stime over its slices / its answers. " +
        "Preemptions / sleeps: the server's main thread preempted (nonvoluntary context switches, /proc/<pid>/status) and Redis going to sleep (its voluntary ones), per answer; " +
        'with Redis on the servers\' core, a command that reaches an idle Redis wakes it and it runs at once, in the middle of the server\'s work.'
      : 'Not measured in this run.',
    header: ['workload', 'route', 'path', 'what a request runs', 'TPS', 'CPU µs per request', 'preemptions of the server / sleeps of Redis, per request'],
    rows,
    notes: [],
  };
}
