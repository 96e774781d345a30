// The study's conclusions (study.md §6) as statements, each with the study's figure, ours from
// this run, and a verdict: holds, differs, or not measured (and why). A report opens with these:
// a reader sees what the run answers before the tables it is computed from.
import type { Backend } from '@app/scenarios';
import type { CellResult, RunResults } from '../results';
import { STUDY_GET, STUDY_POST, STUDY_REDIS_BENCHMARK } from './study-figures';

export type ConclusionVerdict = 'holds' | 'differs' | 'not measured';

export interface Conclusion {
  id: string;
  /** The study's statement, as its team wrote it. */
  statement: string;
  study: string;
  ours: string;
  verdict: ConclusionVerdict;
  why: string;
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const notMeasured = (c: Omit<Conclusion, 'ours' | 'verdict' | 'why'>, why: string): Conclusion => ({ ...c, ours: '–', verdict: 'not measured', why });

function proxyCost(results: RunResults): Conclusion {
  const direct = STUDY_REDIS_BENCHMARK.find((s) => s.target === 'redis-ha')!;
  const dyn = STUDY_REDIS_BENCHMARK.find((s) => s.target === 'dynomite')!;
  const envoy = STUDY_REDIS_BENCHMARK.find((s) => s.target === 'envoy')!;
  const base = {
    id: 'proxy-cost',
    statement: 'A proxy costs about half of Redis\'s raw throughput, still far above the app\'s 2-3k TPS.',
    study: `redis-benchmark SET through Dynomite ${r2(dyn.set / direct.set)}×, through Envoy ${r2(envoy.set / direct.set)}× of Redis direct (${direct.set.toLocaleString('en-US')} rps)`,
  };
  const ours = (t: string) => [...results.redisBenchmark].reverse().find((r) => r.target === t)?.tests.SET?.rps;
  const d = ours('redis-ha');
  const p = ours('dynomite');
  if (d === undefined || p === undefined) return notMeasured(base, results.redisBenchmark.length ? 'this run has no redis-benchmark through Dynomite (DYNOMITE_BIN not set); Envoy is not run under load here' : 'no redis-benchmark in this run');
  const ratio = p / d;
  const appTps = Math.max(0, ...results.cells.map((c) => c.totals.tps));
  const abovePart = appTps > 0 ? `; ${Math.round(p).toLocaleString('en-US')} rps through the proxy vs the app's best ${Math.round(appTps).toLocaleString('en-US')} TPS in this run` : '';
  const half = ratio >= 0.35 && ratio <= 0.75;
  const above = appTps === 0 || p > appTps;
  return {
    ...base,
    ours: `SET through one Dynomite node ${r2(ratio)}× of Redis direct (${Math.round(d).toLocaleString('en-US')} rps)${abovePart}`,
    verdict: half && above ? 'holds' : 'differs',
    why: half && above ? 'the proxy\'s share is within the study\'s own range (0.44-0.71×) and above what the app asks' : !half ? `the proxy keeps ${r2(ratio)}×, outside 0.35-0.75×` : 'the proxy\'s throughput is below the app\'s in this run',
  };
}

function sidecarSync(results: RunResults): Conclusion {
  const base = { id: 'sync', statement: 'Both sidecars kept 100 % sync at about 1000 TPS.', study: 'Dynomite and Envoy: 100 % sync at 650-1138 TPS (1000-3000 vUser)' };
  const writes = results.cells.filter((r) => r.cell.scenario === 'ha-write' && r.sync && r.ha && r.ha.variant !== 'single');
  if (!writes.length) return notMeasured(base, 'no HA write cell in this run (bench ha write, or the study run)');
  const byVariant = [...new Set(writes.map((r) => r.ha!.variant))].map((v) => {
    const rs = writes.filter((r) => r.ha!.variant === v);
    return { v, low: Math.min(...rs.map((r) => r.sync!.syncRatio)), tps: median(rs.map((r) => r.totals.tps)) };
  });
  const ours = byVariant.map((x) => `${x.v} lowest ${pct(x.low)} at ~${Math.round(x.tps)} TPS (median)`).join('; ');
  // The statement is about sidecars: Dynomite here (Envoy is not run as a pair); the mirrored pair is ours, not a sidecar.
  const dyn = byVariant.find((x) => x.v === 'dynomite');
  if (!dyn) {
    return { ...base, ours, verdict: 'not measured', why: 'no sidecar pair in this run (Dynomite needs DYNOMITE_BIN; Envoy is not run as a pair): the figures are the mirrored pair\'s, which is not a sidecar' };
  }
  const holds = dyn.low >= 0.999;
  return {
    ...base,
    ours,
    verdict: holds ? 'holds' : 'differs',
    why: holds
      ? 'every write acknowledged through Dynomite was on both nodes with the same value (read on each node directly); Envoy is not run as a pair here'
      : `Dynomite kept ${pct(dyn.low)} of the acknowledged writes on both nodes`,
  };
}

function envoyForSharding(): Conclusion {
  return notMeasured(
    {
      id: 'envoy-sharding',
      statement: 'Envoy looks better suited to sharding than to replication for consistency.',
      study: 'a judgement from the Envoy mirror\'s behaviour (fire-and-forget, unsupported commands), no figure',
    },
    'the lab runs no Envoy mirroring pair under load (Envoy configs are validated, not benchmarked); bench ha commands probes what each path answers',
  );
}

/** Pairs of cells at the same coordinates (table, vUser, rows, replicas) for two backends. */
function pairs(results: RunResults, a: Backend, b: Backend): [CellResult, CellResult][] {
  const matrix = results.cells.filter((r) => (r.cell.table === 'get' || r.cell.table === 'post') && !r.interrupted);
  const key = (r: CellResult) => `${r.cell.table}|${r.cell.studyRow.vUsers}|${r.cell.studyRow.rows ?? 10}|${r.cell.studyRow.replicas}`;
  return matrix.filter((r) => r.cell.backend === a).flatMap((x) => {
    const y = [...matrix].reverse().find((r) => r.cell.backend === b && key(r) === key(x));
    return y ? [[x, y] as [CellResult, CellResult]] : [];
  });
}

function persistence(results: RunResults): Conclusion {
  const s1 = STUDY_GET[0].tps;
  const p1 = STUDY_POST[0].tps;
  const base = {
    id: 'persistence',
    statement: 'everysec vs always: no real difference over the network while Redis has headroom.',
    study: `always / everysec at 1000 vUser: GET ${r2(s1['redis-always'].tps / s1['redis-aof'].tps)}×, POST ${r2(p1['redis-always'].tps / p1['redis-aof'].tps)}× (redis-benchmark SET: 0.27×)`,
  };
  const ps = pairs(results, 'redis-aof', 'redis-always');
  if (!ps.length) return notMeasured(base, 'no GET or POST matrix cells of both AOF variants in this run');
  const ratios = ps.map(([e, a]) => (e.totals.tps > 0 ? a.totals.tps / e.totals.tps : NaN)).filter(Number.isFinite);
  const lo = Math.min(...ratios);
  const hi = Math.max(...ratios);
  const holds = lo >= 0.9 && hi <= 1.1;
  return {
    ...base,
    ours: `always / everysec through the app: median ${r2(median(ratios))}× (${r2(lo)}-${r2(hi)}× over ${ratios.length} matrix cells)`,
    verdict: holds ? 'holds' : 'differs',
    why: holds ? 'every pair of cells within ±10 %' : 'at least one pair of cells differs by more than 10 %',
  };
}

function replicas(results: RunResults): Conclusion {
  const g1 = STUDY_GET.find((s) => s.vUsers === 3000 && s.replicas === 1)!.tps.redis.tps;
  const g2 = STUDY_GET.find((s) => s.vUsers === 3000 && s.replicas === 2)!.tps.redis.tps;
  const base = {
    id: 'replicas',
    statement: 'Adding app replicas helps far more than changing the persistence mode.',
    study: `GET redis at 3000 vUser: 2 replicas / 1 = ${r2(g2 / g1)}×; persistence modes within about ±6 %`,
  };
  const matrix = results.cells.filter((r) => r.cell.table === 'get' || r.cell.table === 'post');
  const gains: number[] = [];
  for (const two of matrix.filter((r) => r.cell.studyRow.replicas === 2 && r.cell.backend !== 'mariadb')) {
    const one = [...matrix].reverse().find((r) => r.cell.table === two.cell.table && r.cell.backend === two.cell.backend && r.cell.studyRow.vUsers === two.cell.studyRow.vUsers && (r.cell.studyRow.rows ?? 10) === (two.cell.studyRow.rows ?? 10) && r.cell.studyRow.replicas === 1);
    if (one && one.totals.tps > 0) gains.push(two.totals.tps / one.totals.tps);
  }
  if (!gains.length) return notMeasured(base, 'no matrix cells with both 1 and 2 replicas at the same vUser in this run');
  const persist = pairs(results, 'redis-aof', 'redis-always').map(([e, a]) => (e.totals.tps > 0 ? Math.abs(a.totals.tps / e.totals.tps - 1) : NaN)).filter(Number.isFinite);
  const gain = median(gains);
  const spread = persist.length ? Math.max(...persist) : null;
  const holds = gain > 1.1 && (spread === null || gain - 1 > 2 * spread);
  return {
    ...base,
    ours: `2 replicas / 1: median ${r2(gain)}× over ${gains.length} Redis cells${spread === null ? '' : `; persistence modes differ by up to ${Math.round(spread * 100)} %`}`,
    verdict: holds ? 'holds' : 'differs',
    why: holds
      ? 'the second replica adds more than twice what the persistence mode changes'
      : 'on one host the second replica shares the same cores as the first (and the load generator): the host, not a pod\'s CPU limit, bounds TPS',
  };
}

export function conclusions(results: RunResults): Conclusion[] {
  return [proxyCost(results), sidecarSync(results), envoyForSharding(), persistence(results), replicas(results)];
}
