// Builds a results.json from short real autocannon runs against a local departments server (and
// a real Redis for the memory series), validates it against the schema, renders the report and
// checks that tables, SVGs and figures match the run's own counters.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, tableCells } from '@app/scenarios';
import type { Cell } from '@app/scenarios';
import { RedisServer, freePort } from '@app/procs';
import { FakeDeptApi } from '../load/fake-dept-api';
import { Sampler, runCell } from '../load';
import { ReportError, hostInfo, readResults, validateResults, writeResults } from '../results';
import type { CellResult, RunResults } from '../results';
import { parseRedisBenchmark } from '../runs/redis-benchmark';
import { STUDY_GET, compareRuns, writeReport } from './index';
import { fmt } from './tables/common';

jest.setTimeout(120_000);

const root = mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'report-'));
let results: RunResults;
let runDir: string;

beforeAll(async () => {
  const api = await new FakeDeptApi().start();
  const port = await freePort();
  const redis = new RedisServer({ name: 'report-redis', port, dir: join(root, 'redis'), persistence: 'everysec' });
  await redis.start();
  const sampler = new Sampler({ processes: [{ name: 'dept-api', role: 'app', pid: process.pid }], redis: [{ name: 'redis-aof', port }] }).start();
  const cells: CellResult[] = [];
  const shorten = (c: Cell, over: Partial<Cell> = {}): Cell => ({ ...c, vUsers: 2, durationSec: 1, ...over });
  const startedAt = new Date().toISOString();
  try {
    // The first GET row of the study for all four backends, and one POST cell per kind.
    for (const cell of tableCells('get', 'smoke').filter((c) => c.studyRow.vUsers === 1000 && c.rows === 10)) {
      cells.push(await runCell(SCENARIOS[cell.scenario], shorten(cell), { baseUrls: [api.url], sampler }));
    }
    for (const cell of tableCells('post', 'smoke').filter((c) => c.studyRow.vUsers === 1000)) {
      cells.push(await runCell(SCENARIOS[cell.scenario], shorten(cell), { baseUrls: [api.url], sampler }));
    }
    // Kill: the server answers 503 for 0.8 s from second 2, then recovers.
    const killCell = shorten(SCENARIOS.kill.cells('smoke')[1], { durationSec: 4, killAtSec: 2, restartDelaySec: 1 });
    setTimeout(() => (api.down = true), 2000);
    setTimeout(() => (api.down = false), 2800);
    const kill = await runCell(SCENARIOS.kill, killCell, { baseUrls: [api.url], sampler, restartAtSec: () => 2.8 });
    kill.durability = {
      acked: kill.totals.ok,
      present: kill.totals.ok - 3,
      lost: 3,
      lostPct: 0,
      beforeKill: { acked: 120, present: 117, lost: 3, lostPct: 2.5 },
      whileDown: { acked: 0, present: 0, lost: 0, lostPct: 0 },
      afterRestart: { acked: 80, present: 80, lost: 0, lostPct: 0 },
    };
    cells.push(kill);
    const stressCell = shorten(tableCells('stress', 'smoke').find((c) => c.backend === 'redis-aof')!, { durationSec: 2 });
    const stress = await runCell(SCENARIOS['post-redis'], stressCell, { baseUrls: [api.url], sampler });
    stress.limits = { applied: false, note: 'test run: no cgroup limit' };
    cells.push(stress);
  } finally {
    await sampler.stop();
    await redis.kill();
    await api.stop();
  }
  results = {
    schemaVersion: 1,
    runId: 'test-run',
    profile: 'smoke',
    command: 'jest apps/bench/src/report',
    startedAt,
    finishedAt: new Date().toISOString(),
    host: hostInfo(),
    cells,
    redisBenchmark: [
      {
        target: 'redis',
        command: 'redis-benchmark -q -t get,set,lpush,lpop',
        tests: parseRedisBenchmark('SET: 40000.00 requests per second, p50=0.500 msec\nGET: 41000.50 requests per second, p50=0.400 msec\n'),
      },
    ],
    notes: ['built by report.spec.ts from real autocannon runs against a local stand-in server'],
  };
  runDir = join(root, 'results', 'test-run');
  mkdirSync(runDir, { recursive: true });
  writeResults(runDir, results);
});

describe('results.json', () => {
  it('validates against the schema, as written and as read back', () => {
    expect(() => validateResults(results)).not.toThrow();
    expect(readResults(runDir)).toEqual(JSON.parse(JSON.stringify(results)));
  });

  it('holds figures consistent with its own counters', () => {
    for (const r of results.cells) {
      const t = r.totals;
      expect(t.requests).toBe(t.ok + t.answered + t.errors);
      expect(t.tps).toBeCloseTo((t.ok + t.answered) / r.durationSec, 0);
      expect(r.timeline.reduce((a, p) => a + p.ok, 0)).toBeLessThanOrEqual(t.ok);
      const byKind =
        Object.values(r.errors.byStatus).reduce((a, n) => a + n, 0) +
        r.errors.timeouts +
        Object.values(r.errors.connection).reduce((a, n) => a + n, 0) +
        Object.values(r.errors.checkFailed).reduce((a, n) => a + n, 0);
      expect(byKind).toBe(t.errors);
    }
    const kill = results.cells.find((r) => r.cell.table === 'kill')!;
    expect(kill.errors.byStatus['503']).toBeGreaterThan(0);
    expect(kill.kill!.minTps).toBeLessThan(kill.kill!.baselineTps);
    expect(kill.kill!.restartAtSec).toBe(2.8);
  });

  it('rejects a results file that breaks the schema, naming the field', () => {
    const broken = JSON.parse(JSON.stringify(results)) as RunResults;
    (broken.cells[0].totals as unknown as Record<string, unknown>).tps = 'fast';
    expect(() => validateResults(broken)).toThrow(/\/cells\/0\/totals\/tps must be number/);
    const foreign = JSON.parse(JSON.stringify(results)) as RunResults;
    foreign.cells[0].baseUrls = ['http://10.1.2.3:8080'];
    expect(() => validateResults(foreign)).toThrow(ReportError);
  });
});

describe('writeReport', () => {
  let md: string;
  let html: string;
  beforeAll(async () => {
    const written = await writeReport(runDir);
    md = readFileSync(written.markdown, 'utf8');
    html = readFileSync(written.html, 'utf8');
  });

  it("writes the study's GET table with our TPS (max cpu) beside the study's", () => {
    const get = md.slice(md.indexOf('## Application GET TPS'), md.indexOf('## Application POST TPS'));
    expect(get).toContain('| vUser (study) | vUser (ours) | rows | replicas | mariadb | redis | AOF everysec | AOF always |');
    const row = get.split('\n').find((l) => l.startsWith('| 1000 | 2 | 10 | 1 |'))!;
    expect(row).toBeDefined();
    for (const backend of ['mariadb', 'redis', 'redis-aof', 'redis-always'] as const) {
      const r = results.cells.find((c) => c.cell.table === 'get' && c.cell.backend === backend)!;
      const s = STUDY_GET[0].tps[backend];
      // TPS (peak CPU; CPU µs per request of the app / its Redis): no Redis process sampled here.
      expect(row).toContain(`${Math.round(r.totals.tps)} (${Math.round(r.resources.appPeakMillicores!)}m; ${fmt(r.cpuPerRequest!.appUsPerRequest!)} / – µs/req)`);
      expect(row).toContain(`/ ${s.tps} (${s.cpuMillicores}m)`);
    }
    // Rows the run did not measure still show the study's figure.
    expect(get).toContain('| 2000 | – | 10 | 1 | – / 2600 (400m)');
  });

  it('writes the POST, kill, stress and redis-benchmark tables from the counters', () => {
    const post = results.cells.find((c) => c.cell.table === 'post' && c.cell.backend === 'mariadb')!;
    expect(md).toMatch(new RegExp(`\\| 1000 \\| 2 \\| 1 \\| ${Math.round(post.totals.tps)} \\(\\d+m; [\\d.]+ / – µs/req\\)[†‡*]* / 1550 \\(980m\\)`));
    const kill = results.cells.find((c) => c.cell.table === 'kill')!;
    expect(md).toContain(`${kill.kill!.minTps} (-${kill.kill!.dipPct} %) at ${kill.kill!.dipAtSec} s`);
    expect(md).toContain('2700 TPS, 0.1 %');
    expect(md).toContain('not applied: test run: no cgroup limit');
    expect(md).toContain('40,000 (0.5 ms) / 27,933 (0.78 ms)');
    // The kill table splits acknowledged writes by when they were acknowledged.
    expect(md).toContain('| acked before kill / present after restart | acked while down | acked after restart / present |');
    expect(md).toContain('| 120 / 117 (3 lost, 2.5 %) | 0 | 80 / 80 |');
    // No HA cell ran: no HA table of "–" around the run's figures, and no empty table at all.
    expect(md).not.toContain('## HA application test');
    expect(md).not.toContain('No cell of this table');
  });

  it('gives CPU per request from the processes\' own CPU time, consistent with its counters', () => {
    for (const r of results.cells) {
      const c = r.cpuPerRequest!;
      expect(c.requests).toBe(r.totals.requests);
      expect(c.appCpuSec).toBeGreaterThan(0);
      expect(c.appUsPerRequest!).toBeCloseTo((c.appCpuSec! * 1e6) / c.requests, 0);
      expect(c.redisUsPerRequest).toBeNull();
    }
    expect(md).toContain('CPU µs/request app / Redis');
  });

  it('opens with the study\'s conclusions, then charts, then tables, then every cell', () => {
    const order = ['## What this run answers', '## Charts', '## Application GET TPS', '## Every cell'].map((h) => md.indexOf(h));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const h = ['id="answers"', 'id="charts"', 'id="tables"', 'id="every-cell"'].map((x) => html.indexOf(x));
    expect(h.every((i) => i >= 0)).toBe(true);
    expect([...h].sort((a, b) => a - b)).toEqual(h);
    expect(html).toContain('<details id="get" class="table">');
    expect(html).toMatch(/class="answer (holds|differs|none)"/);
    expect(md).toContain('**not measured**: no HA write cell in this run');
  });

  it('lists the conclusions instead of an empty table when the run measures none of them (a committed api-overhead run)', async () => {
    const dir = join(root, 'results', 'api-overhead-only');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'results.json'), readFileSync(join(__dirname, '../../../../docs/results/api-overhead-local/results.json')));
    const written = await writeReport(dir);
    const text = readFileSync(written.markdown, 'utf8');
    const answers = text.slice(text.indexOf('## What this run answers'), text.indexOf('## API overhead'));
    expect(answers).toContain("None of the study's conclusions");
    expect(answers).not.toContain('| The study concluded |');
    expect(answers.match(/^- .* Not measured: /gm)?.length).toBeGreaterThanOrEqual(5);
    expect(text).toContain('## API overhead: dept-api against the bare Fastify + ioredis floor');
  });

  it('renders SVG charts and inlines them in report.html', () => {
    const charts = readdirSync(join(runDir, 'charts')).sort();
    expect(charts).toEqual(['cpu-per-request.svg', 'get-tps.svg', 'kill-timeline.svg', 'post-tps.svg', 'stress-memory.svg']);
    for (const c of charts) {
      const svg = readFileSync(join(runDir, 'charts', c), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('</svg>');
    }
    // The recovery mark is drawn exactly when the kill cell measured a recovery (it depends on the
    // load the host gave the short kill run, so both outcomes occur).
    const recovered = (JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as { cells: { kill?: { recoverySec: number | null } }[] }).cells.some((c) => c.kill && c.kill.recoverySec !== null);
    const killSvg = readFileSync(join(runDir, 'charts', 'kill-timeline.svg'), 'utf8');
    if (recovered) expect(killSvg).toContain('recovered (90 %)');
    else expect(killSvg).not.toContain('recovered (90 %)');
    expect((html.match(/<svg/g) ?? []).length).toBe(5);
    expect(html).toContain('<h3>Application GET TPS (max CPU of the app)</h3>');
    expect(md).toContain('![GET TPS by backend and vUser (ours above, the study below)](charts/get-tps.svg)');
  });

  it('leaves nothing half-written: a broken results.json fails with a message and writes no report', async () => {
    const bad = join(root, 'results', 'broken');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'results.json'), '{"schemaVersion": 1, "runId": "broken"');
    await expect(writeReport(bad)).rejects.toThrow(/does not parse as JSON .*rerun the run, or restore the file/);
    expect(readdirSync(bad)).toEqual(['results.json']);
    await expect(writeReport(join(root, 'results', 'nope'))).rejects.toThrow(/no results\.json in/);
    expect(readdirSync(runDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('compareRuns', () => {
  it('prints per-cell deltas and the cells only one run has', () => {
    const other = JSON.parse(JSON.stringify(results)) as RunResults;
    other.runId = 'other-run';
    other.cells[0].totals.tps = results.cells[0].totals.tps * 2;
    other.cells.pop();
    const cmp = compareRuns(results, other);
    expect(cmp.cells).toHaveLength(results.cells.length - 1);
    expect(cmp.cells[0].tpsDeltaPct).toBe(100);
    expect(cmp.onlyInA).toEqual([results.cells.at(-1)!.cell.id]);
    expect(cmp.text).toContain('+100 %');
    expect(cmp.text).toContain(`only in test-run: ${results.cells.at(-1)!.cell.id}`);
    expect(compareRuns(runDir, runDir).cells.every((d) => d.tpsDeltaPct === 0 || d.tpsDeltaPct === null)).toBe(true);
  });
});

describe('parseRedisBenchmark', () => {
  it('reads the quiet and the --csv forms', () => {
    const quiet = 'SET: rps=0.0 (overall: nan) avg_msec=nan\rSET: 27933.52 requests per second, p50=0.783 msec\nLPUSH: 27988.00 requests per second, p50=0.791 msec\n';
    expect(parseRedisBenchmark(quiet)).toEqual({
      SET: { rps: 27933.52, p50Ms: 0.783, p95Ms: null, p99Ms: null },
      LPUSH: { rps: 27988, p50Ms: 0.791, p95Ms: null, p99Ms: null },
    });
    const csv =
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n' +
      '"SET","181818.19","0.263","0.080","0.255","0.391","0.559","1.191"\n"LPOP","150000.00","0.3","0.1","0.287","0.4","0.6","1.5"\n';
    expect(parseRedisBenchmark(csv)).toEqual({
      SET: { rps: 181818.19, p50Ms: 0.255, p95Ms: 0.391, p99Ms: 0.559 },
      LPOP: { rps: 150000, p50Ms: 0.287, p95Ms: 0.4, p99Ms: 0.6 },
    });
  });
});

afterAll(() => {
  expect(existsSync(runDir)).toBe(true);
});
