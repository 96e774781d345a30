import { WARM_UP_SLICES, addSlice, compare, control, newSliceSum, rotation, toMeasurement, warmUpOrder } from './api-overhead';
import type { ApiOverheadMeasurement, CellResult } from '../results';

type SliceResult = Pick<CellResult, 'durationSec' | 'totals' | 'latencyMs' | 'resources'>;

function slice(durationSec: number, ok: number, p50: number, p99: number, lgMillicores: number): SliceResult {
  return {
    durationSec,
    totals: { requests: ok, ok, errors: 0, tps: ok / durationSec },
    latencyMs: { p50, p95: p99, p99, max: p99 },
    resources: { loadGenerator: { meanMillicores: lgMillicores } },
  } as unknown as SliceResult;
}

const proc = (serverCpuSec: number, meanMillicores: number) => ({ serverCpuSec, redisCpuSec: serverCpuSec / 4, meanMillicores, peakMillicores: meanMillicores + 50, peakRssBytes: 1000, redisMeanMillicores: 200 });

describe('api-overhead slices', () => {
  it('sums a side round over its slices: counts and CPU added, TPS and millicores weighted by duration', () => {
    let sum = newSliceSum('http://127.0.0.1:1');
    sum = addSlice(sum, slice(2, 20_000, 3, 9, 400), proc(1.0, 500));
    sum = addSlice(sum, slice(3, 15_000, 5, 12, 900), proc(1.5, 700));
    const m = toMeasurement(sum, { workload: 'get10', target: 'bare', rows: 10, round: 1, order: 1, slices: 2 });
    expect(m.durationSec).toBe(5);
    expect(m.ok).toBe(35_000);
    expect(m.tps).toBe(7000);
    // 2.5 s of CPU over 35 000 answers.
    expect(m.cpuUsPerRequest).toBeCloseTo(71.429, 3);
    expect(m.redisCpuUsPerRequest).toBeCloseTo(17.857, 3);
    expect(m.meanMillicores).toBe(620);
    expect(m.peakMillicores).toBe(750);
    expect(m.p50Ms).toBe(4);
    expect(m.p99Ms).toBe(12);
    // 400 m for 2 s and 900 m for 3 s: 700 m on average, under the bound.
    expect(m.loadGeneratorMeanMillicores).toBe(700);
    expect(m.loadGeneratorBound).toBe(false);
  });

  it('pairs the sides by round and judges a target on the whole spread', () => {
    const ms: ApiOverheadMeasurement[] = [];
    const add = (round: number, bareTps: number, deptTps: number) => {
      for (const [target, tps] of [['bare', bareTps], ['dept-api', deptTps]] as const) {
        ms.push({ workload: 'get10', target, rows: 10, round, order: 1, url: 'u', durationSec: 10, requests: tps * 10, ok: tps * 10, errors: 0, tps, p50Ms: 1, p99Ms: 2, serverCpuSec: 1, cpuUsPerRequest: 1e6 / (tps * 10), redisCpuUsPerRequest: 0, meanMillicores: 0, peakMillicores: 0, peakRssBytes: 0, redisMeanMillicores: 0, loadGeneratorMeanMillicores: 0, loadGeneratorBound: false });
      }
    };
    add(1, 1000, 950);
    add(2, 1000, 880);
    add(3, 1000, 920);
    const c = compare('get10', ms)!;
    expect(c.tpsRatio).toEqual({ median: 0.92, min: 0.88, max: 0.95, n: 3 });
    expect(c.verdicts.tps).toBe('not resolved');
    // CPU per request is the inverse here: 1/0.88 = 1.136 at worst, within 1.25.
    expect(c.verdicts.cpu).toBe('met');
  });

  it('measures the control, bare-2 / bare, paired by round like dept-api / bare', () => {
    const ms: ApiOverheadMeasurement[] = [];
    const add = (round: number, target: ApiOverheadMeasurement['target'], tps: number, cpuUs: number) =>
      ms.push({ workload: 'get10', target, rows: 10, round, order: 1, url: 'u', durationSec: 10, requests: tps * 10, ok: tps * 10, errors: 0, tps, p50Ms: 1, p99Ms: 2, serverCpuSec: 1, cpuUsPerRequest: cpuUs, redisCpuUsPerRequest: 0, meanMillicores: 0, peakMillicores: 0, peakRssBytes: 0, redisMeanMillicores: 0, loadGeneratorMeanMillicores: 0, loadGeneratorBound: false });
    for (const [round, b, c] of [[1, 1000, 1100], [2, 1000, 950], [3, 1000, 1000]] as const) {
      add(round, 'bare', b, 60);
      add(round, 'bare-2', c, 60 * (b / c));
      add(round, 'dept-api', 800, 75);
    }
    const k = control('get10', ms)!;
    expect(k.tpsRatio).toEqual({ median: 1, min: 0.95, max: 1.1, n: 3 });
    expect(k.cpuRatio).toEqual({ median: 1, min: 0.909, max: 1.053, n: 3 });
    // The control does not enter dept-api / bare; dept-api / bare-2 is reported beside it.
    const c = compare('get10', ms)!;
    expect(c.tpsRatio).toEqual({ median: 0.8, min: 0.8, max: 0.8, n: 3 });
    expect(c.vsControl!.tpsRatio).toEqual({ median: 0.8, min: 0.727, max: 0.842, n: 3 });
    expect(control('post', ms)).toBeNull();
  });

  it('orders the servers so that each runs in each place, and right after each other, equally often', () => {
    const sides = ['bare', 'dept-api', 'bare-2'] as const;
    expect(rotation(sides, 1, 0, 4)).toEqual(['bare', 'dept-api', 'bare-2']);
    expect(rotation(sides, 1, 1, 4)).toEqual(['bare-2', 'dept-api', 'bare']);
    expect(rotation(sides, 1, 2, 4)).toEqual(['dept-api', 'bare-2', 'bare']);
    // Round 2 goes on where round 1 ended (slice 4 overall).
    expect(rotation(sides, 2, 0, 4)).toEqual(['bare-2', 'bare', 'dept-api']);
    // Six consecutive slices: each server twice in each place, and each ordered pair (a right
    // before b), within a slice, twice: no server always follows dept-api.
    const six = Array.from({ length: 6 }, (_, g) => rotation(sides, 1 + Math.floor(g / 3), g % 3, 3));
    for (const s of sides) expect(six.map((o) => o.indexOf(s)).sort()).toEqual([0, 0, 1, 1, 2, 2]);
    const follows = new Map<string, number>();
    for (const o of six) for (let i = 1; i < o.length; i++) follows.set(`${o[i - 1]}>${o[i]}`, (follows.get(`${o[i - 1]}>${o[i]}`) ?? 0) + 1);
    expect(follows.size).toBe(6);
    for (const n of follows.values()) expect(n).toBe(2);
  });

  it('warms the servers up in turns, each in each place equally often, not one after the other', () => {
    const sides = ['bare', 'dept-api', 'bare-2'] as const;
    const slices = warmUpOrder(sides);
    expect(slices).toHaveLength(WARM_UP_SLICES);
    for (const o of slices) expect([...o].sort()).toEqual([...sides].sort());
    for (const s of sides) expect(slices.map((o) => o.indexOf(s)).sort()).toEqual([0, 0, 1, 1, 2, 2]);
    // Neither bare process is the last one served before the rounds begin.
    expect(slices.at(-1)!.at(-1)).toBe('dept-api');
  });

  it('judges a target against both floor processes: met only when met against bare and bare-2', () => {
    const ms: ApiOverheadMeasurement[] = [];
    const add = (round: number, target: ApiOverheadMeasurement['target'], cpuUs: number) =>
      ms.push({ workload: 'get10', target, rows: 10, round, order: 1, url: 'u', durationSec: 10, requests: 1e5, ok: 1e5, errors: 0, tps: 1e4, p50Ms: 1, p99Ms: 2, serverCpuSec: 1, cpuUsPerRequest: cpuUs, redisCpuUsPerRequest: 0, meanMillicores: 0, peakMillicores: 0, peakRssBytes: 0, redisMeanMillicores: 0, loadGeneratorMeanMillicores: 0, loadGeneratorBound: false });
    for (const round of [1, 2, 3]) {
      add(round, 'bare', 60);
      add(round, 'dept-api', 72);
    }
    // Against bare alone, 1.2 in every round: met.
    expect(compare('get10', ms)!.verdicts.cpu).toBe('met');
    // bare-2, the same code, cheaper in one round: 72 / 56 = 1.286 crosses 1.25.
    for (const [round, cpu] of [[1, 60], [2, 56], [3, 62]] as const) add(round, 'bare-2', cpu);
    const c = compare('get10', ms)!;
    expect(c.cpuRatio.max).toBe(1.2);
    expect(c.vsControl!.cpuRatio.max).toBe(1.286);
    expect(c.verdicts.cpu).toBe('not resolved');
    // Throughput is equal everywhere: 1.0 against both, met.
    expect(c.verdicts.tps).toBe('met');
    expect(c.loadGeneratorBound).toBe(0);
  });

  it('does not call a throughput target met when the load generator was bound in any measure', () => {
    const ms: ApiOverheadMeasurement[] = [];
    const add = (round: number, target: ApiOverheadMeasurement['target'], tps: number, bound: boolean) =>
      ms.push({ workload: 'get10', target, rows: 10, round, order: 1, url: 'u', durationSec: 10, requests: tps * 10, ok: tps * 10, errors: 0, tps, p50Ms: 1, p99Ms: 2, serverCpuSec: 1, cpuUsPerRequest: 1e6 / (tps * 10), redisCpuUsPerRequest: 0, meanMillicores: 0, peakMillicores: 0, peakRssBytes: 0, redisMeanMillicores: 0, loadGeneratorMeanMillicores: bound ? 950 : 500, loadGeneratorBound: bound });
    for (const round of [1, 2, 3]) {
      add(round, 'bare', 1000, false);
      add(round, 'dept-api', 980, false);
    }
    expect(compare('get10', ms)!.verdicts.tps).toBe('met');
    // One bound measure, of bare: it capped bare, so 0.98 may only be the cap's doing.
    ms[0].loadGeneratorBound = true;
    const c = compare('get10', ms)!;
    expect(c.loadGeneratorBound).toBe(1);
    expect(c.verdicts.tps).toBe('not resolved');
    // CPU per request is each server's own: still judged.
    expect(c.verdicts.cpu).toBe('met');
    // A miss stays a miss: a bound load generator does not make dept-api slower than the floor.
    for (const m of ms) if (m.target === 'dept-api') m.tps = 700;
    expect(compare('get10', ms)!.verdicts.tps).toBe('missed');
  });
});
