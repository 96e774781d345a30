import { mixedSchedule, singleSchedule } from './faults';
import { Prng } from './prng';
import { resolveOptions, scheduleFor } from './run';

const T = { durationMs: 30_000, warmupMs: 3000, faultMs: 6000, pauseMs: 2500 };

describe('fault schedules', () => {
  it('are reproducible from the seed', () => {
    expect(mixedSchedule(T, new Prng(7), 2)).toEqual(mixedSchedule(T, new Prng(7), 2));
    expect(mixedSchedule(T, new Prng(7), 2)).not.toEqual(mixedSchedule(T, new Prng(8), 2));
  });

  it('mixed: faults one after another, each bounded, all healed before the last quarter', () => {
    const s = mixedSchedule(T, new Prng(3), 2);
    expect(s.length).toBeGreaterThan(1);
    for (let i = 1; i < s.length; i++) expect(s[i].atMs).toBeGreaterThanOrEqual(s[i - 1].atMs + s[i - 1].durationMs);
    for (const f of s) {
      expect(f.durationMs).toBeGreaterThan(0);
      expect(f.atMs).toBeLessThan(T.durationMs * 0.75);
    }
  });

  it('mixed with one replica never draws the double partition', () => {
    for (let seed = 0; seed < 20; seed++) expect(mixedSchedule(T, new Prng(seed), 1).map((f) => f.kind)).not.toContain('double-partition');
  });

  it('single: one fault after the warm-up; none: empty; a pause outlasts the op timeout', () => {
    expect(singleSchedule('none', T, new Prng(1), 2)).toEqual([]);
    expect(singleSchedule('kill-node', T, new Prng(1), 2)).toMatchObject([{ kind: 'kill-node', atMs: 3000, durationMs: 6000 }]);
    const r = resolveOptions({ outDir: '/tmp/x', opTimeoutMs: 2000 });
    expect(scheduleFor('pause-node', r, new Prng(1)).schedule[0].durationMs).toBeGreaterThan(2000);
  });

  it('the issue\'s cases: partition-kill-app cuts from b; double-partition is replica 0 x a and replica 1 x b', () => {
    expect(singleSchedule('partition-kill-app', T, new Prng(1), 2)[0]).toMatchObject({ node: 'b' });
    expect(singleSchedule('double-partition', T, new Prng(1), 2)[0]).toMatchObject({ node: 'a', replica: 0 });
  });
});
