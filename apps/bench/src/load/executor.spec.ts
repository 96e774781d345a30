import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SCENARIOS, getDepartments, postMariadb, postRedis, runTagFromSeed, tableCells } from '@app/scenarios';
import type { Cell } from '@app/scenarios';
import { RedisServer, freePort } from '@app/procs';
import { FakeDeptApi } from './fake-dept-api';
import { LatencyHistogram, LoadTargetError, Sampler, analyseKill, readProcessAgeSec, runCell } from './index';
import type { TimelinePoint } from '../results';

const getCell = (over: Partial<Cell> = {}): Cell => ({ ...tableCells('get', 'smoke').find((c) => c.backend === 'redis')!, ...over });
const postCell = (backend: 'redis' | 'mariadb', over: Partial<Cell> = {}): Cell => ({
  ...tableCells('post', 'smoke').find((c) => c.backend === backend)!,
  ...over,
});

describe('runCell (autocannon executor)', () => {
  const servers: FakeDeptApi[] = [];
  const start = async (o: ConstructorParameters<typeof FakeDeptApi>[0] = {}) => {
    const s = await new FakeDeptApi(o).start();
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('GET over two replicas: counters agree with what the servers served, per second and in total', async () => {
    const [a, b] = [await start(), await start()];
    const cell = getCell({ vUsers: 4, replicas: 2 });
    const seconds: number[] = [];
    const r = await runCell(getDepartments, cell, { baseUrls: [a.url, b.url], durationSec: 2, onProgress: (p) => seconds.push(p.second) });

    expect(r.totals.ok).toBeGreaterThan(0);
    expect(r.totals.errors).toBe(0);
    expect(r.totals.requests).toBe(r.totals.ok);
    // Requests still in flight when the cell ends are abandoned: at most one per connection.
    const served = a.served + b.served;
    expect(served - r.totals.requests).toBeGreaterThanOrEqual(0);
    expect(served - r.totals.requests).toBeLessThanOrEqual(cell.vUsers);
    expect(a.served).toBeGreaterThan(0);
    expect(b.served).toBeGreaterThan(0);

    const timelineOk = r.timeline.reduce((s, p) => s + p.ok, 0);
    expect(r.timeline.map((p) => p.t)).toEqual([0, 1]);
    expect(timelineOk).toBeLessThanOrEqual(r.totals.ok);
    expect(r.totals.peakTps).toBe(Math.max(...r.timeline.map((p) => p.ok)));
    expect(r.totals.tps).toBeCloseTo(r.totals.ok / r.durationSec, 0);
    expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p95);
    expect(r.latencyMs.p95).toBeLessThanOrEqual(r.latencyMs.p99);
    expect(r.latencyMs.p99).toBeLessThanOrEqual(r.latencyMs.max);
    expect(r.errors.checksRun.full).toBe(r.totals.ok); // 10 rows: every body fully checked
    expect(r.resources.processes.map((p) => p.role)).toEqual(['load-generator']);
    expect(r.resources.processes[0].series.length).toBeGreaterThanOrEqual(1);
    expect(seconds).toContain(0);
    expect(r.cell.durationSec).toBe(2);
  });

  it('a wrong body is an error, counted by reason, never an ok', async () => {
    const s = await start({ wrongRowsEvery: 4 });
    const r = await runCell(getDepartments, getCell({ vUsers: 2 }), { baseUrls: [s.url], durationSec: 1 });
    expect(r.errors.checkFailed['wrong row count']).toBeGreaterThan(0);
    // Every 4th answer was short; all were parsed (10 rows), minus at most one abandoned per connection.
    expect(s.wrongRowsServed - r.errors.checkFailed['wrong row count']).toBeGreaterThanOrEqual(0);
    expect(s.wrongRowsServed - r.errors.checkFailed['wrong row count']).toBeLessThanOrEqual(2);
    expect(r.totals.errors).toBe(r.errors.checkFailed['wrong row count']);
    expect(r.totals.ok + r.totals.errors).toBe(r.totals.requests);
  });

  it('1000 rows: quick check on every answer, the full parse on a 1-in-20 sample', async () => {
    const s = await start({ rows: 1000 });
    const r = await runCell(getDepartments, getCell({ vUsers: 2, rows: 1000 }), { baseUrls: [s.url], durationSec: 1 });
    const { quick, full } = r.errors.checksRun;
    expect(quick + full).toBe(r.totals.ok);
    expect(full).toBeGreaterThanOrEqual(2);
    expect(full).toBeLessThanOrEqual(Math.ceil(r.totals.ok / 20) + 2);
  });

  it('POST: sends the definition\'s unique bodies and reports every acknowledged id', async () => {
    const s = await start();
    const acked = new Set<string>();
    const cell = postCell('mariadb', { vUsers: 3 });
    const r = await runCell(postMariadb, cell, { baseUrls: [s.url], durationSec: 1, seed: 1234, onAcked: (id) => acked.add(id) });
    expect(r.runTag).toBe(runTagFromSeed(1234));
    expect(acked.size).toBe(r.totals.ok);
    for (const id of acked) expect(s.stored.has(id)).toBe(true);
    expect(s.stored.size - acked.size).toBeLessThanOrEqual(3);
    // Each VU's iterations are numbered from 0 without gaps, with the definition's exact body.
    const spec = postMariadb.request(cell);
    const { seededRandom } = await import('@app/scenarios');
    for (let vu = 1; vu <= 3; vu++) {
      const ids = [...s.stored.keys()].filter((k) => k.startsWith(`u${r.runTag}-${vu}-`));
      expect(ids.length).toBeGreaterThan(0);
      for (let iter = 0; iter < ids.length; iter++) {
        const body = JSON.parse(spec.body!({ vu, iter, rand: seededRandom(1234, vu, iter), runTag: r.runTag, payloadExtraBytes: 0 })) as { deptNo: string; deptName: string };
        expect(s.stored.get(body.deptNo)).toBe(body.deptName);
      }
    }
    expect(s.conflictsServed).toBe(0);
  });

  it("POST mariadb with the study's random ids: 409 duplicates are answers, counted apart", async () => {
    const s = await start();
    const r = await runCell(postMariadb, postCell('mariadb', { vUsers: 4, idMode: 'random' }), { baseUrls: [s.url], durationSec: 1.5 });
    expect(s.conflictsServed).toBeGreaterThan(0);
    expect(r.totals.answered).toBe(r.errors.answeredByStatus['409']);
    expect(s.conflictsServed - r.totals.answered).toBeLessThanOrEqual(4);
    expect(r.totals.errors).toBe(0);
    expect(r.totals.tps).toBeCloseTo((r.totals.ok + r.totals.answered) / r.durationSec, 0);
  });

  it('unexpected statuses and refused connections are errors by kind', async () => {
    const s = await start({ failEvery: 3 });
    const r = await runCell(postRedis, postCell('redis', { vUsers: 2 }), { baseUrls: [s.url], durationSec: 1 });
    expect(r.errors.byStatus['500']).toBeGreaterThan(0);
    expect(s.failuresServed - r.errors.byStatus['500']).toBeLessThanOrEqual(2);
    expect(r.timeline.reduce((a, p) => a + p.non2xx, 0)).toBeLessThanOrEqual(r.errors.byStatus['500']);

    const closed = await freePort();
    const down = await runCell(postRedis, postCell('redis', { vUsers: 2 }), { baseUrls: [`http://127.0.0.1:${closed}`], durationSec: 1 });
    expect(down.totals.ok).toBe(0);
    expect(down.errors.connection.ECONNREFUSED).toBeGreaterThan(0);
    expect(down.totals.errorPct).toBe(100);
    expect(down.notes.join(' ')).toMatch(/unreliable/);
  });

  it('refuses targets outside 127.0.0.0/8 with a message that says what to do', async () => {
    for (const url of ['http://10.0.0.1:8080', 'http://localhost:8080', 'http://example.com', 'https://127.0.0.1:8443']) {
      await expect(runCell(getDepartments, getCell(), { baseUrls: [url], durationSec: 1 })).rejects.toBeInstanceOf(LoadTargetError);
    }
    await expect(runCell(getDepartments, getCell(), { baseUrls: ['http://192.168.1.2:80'], durationSec: 1 })).rejects.toThrow(/only loads 127\.0\.0\.0\/8/);
    await expect(runCell(getDepartments, getCell(), { baseUrls: ['http://127.0.0.1:1'], durationSec: 99999 })).rejects.toThrow(RangeError);
  });

  it('an abort stops the load and marks the result interrupted', async () => {
    const s = await start();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 600);
    const r = await runCell(getDepartments, getCell({ vUsers: 2 }), { baseUrls: [s.url], durationSec: 30, signal: ac.signal });
    expect(r.interrupted).toBe(true);
    expect(r.durationSec).toBeLessThan(30);
    expect(r.totals.ok).toBeGreaterThan(0);
  });

  it('ramp-up starts the VUs in steps over the ramp', async () => {
    const s = await start();
    const cell = { ...SCENARIOS['ha-write'].cells('smoke')[0], vUsers: 5, rampUpSec: 1, durationSec: 2 };
    const r = await runCell(SCENARIOS['ha-write'], cell, { baseUrls: [s.url] });
    const prefix = `h${r.runTag}-`;
    const vusSeen = new Set([...s.stored.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.split('-')[1]));
    expect([...vusSeen].sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(r.totals.ok).toBeGreaterThan(0);
  });
});

describe('analyseKill', () => {
  const line = (tps: number[]): TimelinePoint[] =>
    tps.map((ok, t) => ({ t, ok, answered: 0, errors: 0, non2xx: 0, timeouts: 0, connection: 0, checkFailed: 0 }));

  it('finds the baseline, the dip and the recovery to 90 %', () => {
    //               0    1    2    3    4    5    6   7    8    9    10   11
    const k = analyseKill(line([50, 90, 100, 100, 100, 100, 95, 20, 40, 80, 92, 100]), 6, 8);
    expect(k.baselineTps).toBe(100); // seconds 2..5, warm-up left out
    expect(k.minTps).toBe(20);
    expect(k.dipAtSec).toBe(7);
    expect(k.dipPct).toBe(80);
    expect(k.recoverySec).toBe(4); // second 10 is back above 90
    expect(k.restartAtSec).toBe(8);
  });

  it('says null when TPS never comes back, and 0 when there is no dip', () => {
    expect(analyseKill(line([100, 100, 100, 100, 10, 10, 10]), 4, null).recoverySec).toBeNull();
    expect(analyseKill(line([100, 100, 100, 100, 99, 98, 100]), 4, null).recoverySec).toBe(0);
  });
});

describe('LatencyHistogram', () => {
  it('percentiles within 2 % and never above the max', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10);
    expect(h.percentile(50)).toBeGreaterThanOrEqual(50);
    expect(h.percentile(50)).toBeLessThanOrEqual(50 * 1.02);
    expect(h.percentile(99)).toBeLessThanOrEqual(99 * 1.02);
    expect(h.percentile(100)).toBe(100);
    expect(h.mean()).toBeCloseTo(50.05, 5);
  });
});

describe('Sampler', () => {
  it('reads millicores and RSS of named pids and flags a busy load generator', async () => {
    const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 4000; while (Date.now() < end) {}']);
    const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 4000)']);
    try {
      const sampler = new Sampler({
        includeSelf: false,
        intervalMs: 500,
        processes: [
          { name: 'busy', role: 'load-generator', pid: busy.pid! },
          { name: 'idle', role: 'app', pid: idle.pid! },
        ],
      });
      const from = Date.now();
      await sampler.tick();
      await new Promise((r) => setTimeout(r, 1000));
      await sampler.tick();
      await new Promise((r) => setTimeout(r, 1000));
      await sampler.tick();
      const w = sampler.window(from - 1, Date.now());
      await sampler.stop();
      const b = w.processes.find((p) => p.name === 'busy')!;
      const i = w.processes.find((p) => p.name === 'idle')!;
      expect(b.series).toHaveLength(2);
      // A spinning process gets most of a core, an idle one next to none; how much of the core the
      // spinner gets depends on what else the host runs, so the check is relative.
      expect(b.meanMillicores).toBeGreaterThan(250);
      expect(b.meanMillicores).toBeGreaterThan(i.meanMillicores + 200);
      expect(i.meanMillicores).toBeLessThan(200);
      expect(i.peakRssBytes).toBeGreaterThan(1024 * 1024);
      expect(w.loadGenerator.bound).toBe(b.meanMillicores >= 900);
      expect(w.appPeakMillicores).toBe(i.peakMillicores);
    } finally {
      busy.kill('SIGKILL');
      idle.kill('SIGKILL');
    }
  });

  it('always lands an explicit reading, and folds one a few ms after the last into it (no spike)', async () => {
    const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 3000; while (Date.now() < end) {}']);
    try {
      const sampler = new Sampler({ includeSelf: false, intervalMs: 1000, processes: [{ name: 'busy', role: 'app', pid: busy.pid! }] });
      const from = Date.now();
      await sampler.tick();
      await new Promise((r) => setTimeout(r, 1000));
      // A reading asked for while one is in progress waits for it, then reads again.
      void sampler.tick();
      await sampler.tick();
      const w = sampler.window(from - 1, Date.now());
      const p = w.processes[0];
      // The second reading came a few ms after the first: one point, not a 10 ms / 2 ms spike.
      expect(p.series).toHaveLength(1);
      expect(p.peakMillicores).toBeLessThanOrEqual(1100);
      expect(p.cpuSec).toBeGreaterThan(0.2);
      await sampler.stop();
    } finally {
      busy.kill('SIGKILL');
    }
  });

  it('reads Redis INFO memory and marks the seconds an instance was down', async () => {
    const port = await freePort();
    const redis = new RedisServer({ name: 'sampler-test', port, dir: join(process.env.TEST_RUN_DIR ?? '/tmp', `sampler-redis-${port}`) });
    await redis.start();
    const sampler = new Sampler({ includeSelf: false, redis: [{ name: 'r', port }], intervalMs: 1000 });
    try {
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 300)); // let ioredis connect
      await sampler.tick();
      await redis.kill();
      await new Promise((r) => setTimeout(r, 50));
      await sampler.tick();
      const w = sampler.window(from, Date.now());
      expect(w.redis[0].series.map((p) => p.up)).toEqual([true, false]);
      expect(w.redis[0].peakUsedMemory).toBeGreaterThan(100_000);
      expect(w.redis[0].series[1].usedMemory).toBeNull();
    } finally {
      await sampler.stop();
      await redis.kill();
    }
  });
});

describe('readProcessAgeSec', () => {
  it("gives a live process's age from /proc and null for a process that is gone", async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 1200));
      const age = (await readProcessAgeSec(child.pid!))!;
      expect(age).toBeGreaterThanOrEqual(1);
      expect(age).toBeLessThan(30);
      expect(await readProcessAgeSec(process.pid)).toBeGreaterThanOrEqual(age);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(await readProcessAgeSec(child.pid!)).toBeNull();
  });
});
