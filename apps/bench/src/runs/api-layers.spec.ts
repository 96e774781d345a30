import type { ApiLayerMeasurement, ApiLayerTarget, ApiLayerWorkload } from '../results';
import { LAYER_STEPS, LAYER_TARGETS, POST_LAYER_STEPS, layerLines, summarise } from './api-layers';

const m = (target: ApiLayerTarget, round: number, cpuUsPerRequest: number, tps: number, workload: ApiLayerWorkload = 'get'): ApiLayerMeasurement => ({
  workload,
  target,
  round,
  durationSec: 10,
  ok: Math.round(tps * 10),
  errors: 0,
  tps,
  cpuUsPerRequest,
  redisCpuUsPerRequest: 13,
  loadGeneratorMeanMillicores: 300,
  serverPreemptionsPerRequest: 0.9,
  redisSleepsPerRequest: 0.9,
});

describe('api-layers summarise', () => {
  it('gives each layer as the paired difference of its two routes, round by round', () => {
    const ms = [
      // round 1: nest 60, service 56, cache 55.5, executor 55, client 55, bare-hook 53, bare 50
      m('nest', 1, 60, 13000), m('service', 1, 56, 14000), m('cache', 1, 55.5, 14100), m('executor', 1, 55, 14200), m('client', 1, 55, 14200), m('bare-hook', 1, 53, 14500), m('bare', 1, 50, 15000),
      // round 2: everything 10 µs dearer (host drift): the differences do not move
      m('nest', 2, 70, 11000), m('service', 2, 66, 12000), m('cache', 2, 65.5, 12100), m('executor', 2, 65, 12200), m('client', 2, 65, 12200), m('bare-hook', 2, 63, 12500), m('bare', 2, 60, 13000),
      // round 3: the service came out dearer than the route above it (noise): a negative cost is kept
      m('nest', 3, 60, 13000), m('service', 3, 61, 12900), m('cache', 3, 55.5, 14100), m('executor', 3, 55, 14200), m('client', 3, 55, 14200), m('bare-hook', 3, 53, 14500), m('bare', 3, 50, 15000),
    ];
    const { targets, steps } = summarise(ms);
    expect(targets.map((t) => t.target)).toEqual(LAYER_TARGETS.map((t) => t.target));
    expect(targets.find((t) => t.target === 'nest')!.cpuUsPerRequest).toEqual({ median: 60, min: 60, max: 70, n: 3 });
    const step = (outer: string) => steps.find((s) => s.outer === outer && s.inner !== 'bare')!;
    // Paired by round: drift between rounds cancels; medians of [4, 4, -1].
    expect(step('nest').cpuUs).toEqual({ median: 4, min: -1, max: 4, n: 3 });
    expect(step('service').cpuUs).toEqual({ median: 0.5, min: 0.5, max: 5.5, n: 3 });
    expect(step('executor').cpuUs).toEqual({ median: 0, min: 0, max: 0, n: 3 });
    const all = steps.find((s) => s.outer === 'nest' && s.inner === 'bare')!;
    expect(all.cpuUs).toEqual({ median: 10, min: 10, max: 10, n: 3 });
    expect(all.tpsRatio.median).toBeCloseTo(13000 / 15000, 3);
    // The floor with one no-op hook splits the process's share: 3 µs for having a hook, 2 beyond.
    expect(steps.find((s) => s.outer === 'bare-hook' && s.inner === 'bare')!.cpuUs.median).toBe(3);
    expect(steps.find((s) => s.outer === 'client' && s.inner === 'bare-hook')!.cpuUs.median).toBe(2);
    expect(steps.map((s) => `${s.outer}-${s.inner}`)).toEqual(LAYER_STEPS.map((s) => `${s.outer}-${s.inner}`));
    expect(layerLines({ targets, steps } as never).find((l) => /^GET +nest - service/.test(l))).toMatch(/^GET +nest - service +4\.0 \[-1\.0 to 4\.0\] µs per request/);
  });

  it('keeps the workloads apart: a POST route is paired only with POST routes', () => {
    const ms = [
      m('nest', 1, 60, 13000), m('service', 1, 55, 14000), m('bare', 1, 50, 15000),
      m('nest', 1, 140, 6000, 'post'), m('validation', 1, 125, 6500, 'post'), m('repository', 1, 120, 7000, 'post'), m('executor', 1, 119, 7000, 'post'), m('client', 1, 118, 7100, 'post'), m('parser', 1, 114, 7200, 'post'), m('bare-hook', 1, 112, 7250, 'post'), m('bare', 1, 110, 7300, 'post'),
    ];
    const { targets, steps } = summarise(ms);
    expect(targets.filter((t) => t.workload === 'post').map((t) => `${t.target} ${t.path}`)).toEqual([
      'nest /api/departmentRedises', 'validation /_layers/post/validation', 'repository /_layers/post/repository', 'executor /_layers/post/executor', 'client /_layers/post/client', 'parser /_layers/post/parser', 'bare-hook /api/departmentRedises', 'bare /api/departmentRedises',
    ]);
    const post = (o: string, i: string) => steps.find((s) => s.workload === 'post' && s.outer === o && s.inner === i)!.cpuUs.median;
    expect(post('nest', 'validation')).toBe(15);
    expect(post('validation', 'repository')).toBe(5);
    expect(post('client', 'parser')).toBe(4);
    expect(post('parser', 'bare')).toBe(4);
    expect(post('nest', 'bare')).toBe(30);
    expect(steps.find((s) => s.workload === 'get' && s.outer === 'nest' && s.inner === 'bare')!.cpuUs.median).toBe(10);
    expect(steps.filter((s) => s.workload === 'post').map((s) => `${s.outer}-${s.inner}`)).toEqual(POST_LAYER_STEPS.map((s) => `${s.outer}-${s.inner}`));
  });

  it('pairs only rounds both routes have, and leaves out a route that answered nothing', () => {
    const ms = [m('nest', 1, 60, 13000), m('service', 1, 55, 14000), m('nest', 2, 62, 12000), { ...m('service', 2, 0, 0), ok: 0 }, m('bare', 1, 50, 15000)];
    const { targets, steps } = summarise(ms);
    expect(targets.find((t) => t.target === 'service')!.cpuUsPerRequest.n).toBe(1);
    expect(steps.find((s) => s.outer === 'nest' && s.inner === 'service')!.cpuUs).toEqual({ median: 5, min: 5, max: 5, n: 1 });
    expect(targets.some((t) => t.target === 'cache')).toBe(false);
    expect(steps.some((s) => s.outer === 'cache')).toBe(false);
  });
});
