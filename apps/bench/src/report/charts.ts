// Charts as vega-lite specs, rendered to SVG without a browser: vega-lite compiles to vega, and
// vega's headless View renders SVG strings. vega 6 and vega-lite 6 are ES modules with top-level
// await, which require() cannot load on Node 20 (and Jest's CommonJS runtime cannot import()), so
// the rendering runs in a short-lived child `node` that imports them natively.
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { BACKENDS, HA_TOPOLOGIES } from '@app/scenarios';
import { BACKEND_LABEL, redisFor } from './tables';
import type { RunResults } from '../results';
import { STUDY_GET, STUDY_HA, STUDY_POST } from './study-figures';
import { scaleCharts } from './charts-scale';
import { apiLayersCharts } from './charts-layers';
import { spreadOf } from './spread';
import type { ChartSpec } from './chart-spec';

export type { ChartSpec } from './chart-spec';

const WIDTH = 560;

function tpsBars(name: string, title: string, rows: { row: string; backend: string; source: string; tps: number }[]): ChartSpec {
  return {
    name,
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: rows },
      facet: { row: { field: 'source', type: 'nominal', title: null, sort: ['ours', 'study'] } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: WIDTH,
        height: 180,
        mark: 'bar',
        encoding: {
          x: { field: 'row', type: 'nominal', title: 'vUser (study) · rows · replicas', sort: null, axis: { labelAngle: 0 } },
          xOffset: { field: 'backend', type: 'nominal', sort: BACKENDS.map((b) => BACKEND_LABEL[b]) },
          y: { field: 'tps', type: 'quantitative', title: 'TPS' },
          color: { field: 'backend', type: 'nominal', sort: BACKENDS.map((b) => BACKEND_LABEL[b]), title: 'backend' },
          tooltip: [{ field: 'tps' }],
        },
      },
      title,
    },
  };
}

export function chartSpecs(results: RunResults): ChartSpec[] {
  const charts: ChartSpec[] = [];

  const getRows: { row: string; backend: string; source: string; tps: number }[] = [];
  for (const s of STUDY_GET) {
    const label = `${s.vUsers}·${s.rows}·${s.replicas}`;
    for (const b of BACKENDS) {
      getRows.push({ row: label, backend: BACKEND_LABEL[b], source: 'study', tps: s.tps[b].tps });
      const ours = results.cells.find((r) => r.cell.table === 'get' && r.cell.backend === b && r.cell.studyRow.vUsers === s.vUsers && (r.cell.studyRow.rows ?? 10) === s.rows && r.cell.studyRow.replicas === s.replicas);
      if (ours) getRows.push({ row: label, backend: BACKEND_LABEL[b], source: 'ours', tps: ours.totals.tps });
    }
  }
  if (getRows.some((r) => r.source === 'ours')) charts.push(tpsBars('get-tps', 'GET TPS by backend and vUser (ours above, the study below)', getRows));

  const postRows: { row: string; backend: string; source: string; tps: number }[] = [];
  for (const s of STUDY_POST) {
    const label = `${s.vUsers}·${s.replicas}`;
    for (const b of BACKENDS) {
      postRows.push({ row: label, backend: BACKEND_LABEL[b], source: 'study', tps: s.tps[b].tps });
      const ours = results.cells.find((r) => r.cell.table === 'post' && r.cell.backend === b && r.cell.studyRow.vUsers === s.vUsers && r.cell.studyRow.replicas === s.replicas);
      if (ours) postRows.push({ row: label, backend: BACKEND_LABEL[b], source: 'ours', tps: ours.totals.tps });
    }
  }
  if (postRows.some((r) => r.source === 'ours')) {
    const c = tpsBars('post-tps', 'POST TPS by backend and vUser (ours above, the study below)', postRows);
    ((c.spec.spec as Record<string, unknown>).encoding as Record<string, Record<string, unknown>>).x.title = 'vUser (study) · replicas';
    charts.push(c);
  }

  const kills = results.cells.filter((r) => r.cell.table === 'kill');
  if (kills.length) {
    const points = kills.flatMap((r) => r.timeline.map((p) => ({ t: p.t + 0.5, tps: p.ok + p.answered, variant: `${BACKEND_LABEL[r.cell.backend]} ${r.cell.method}` })));
    const marks = kills.flatMap((r) => {
      const variant = `${BACKEND_LABEL[r.cell.backend]} ${r.cell.method}`;
      const out: { t: number; event: string; variant: string }[] = [];
      if (r.kill) {
        out.push({ t: r.kill.killAtSec, event: 'kill', variant });
        if (r.kill.restartAtSec !== null) out.push({ t: r.kill.restartAtSec, event: 'restart', variant });
        if (r.kill.recoverySec !== null) out.push({ t: r.kill.killAtSec + r.kill.recoverySec, event: 'recovered (90 %)', variant });
      }
      return out;
    });
    charts.push({
      name: 'kill-timeline',
      title: 'Instance kill: TPS per second, with the kill, the restart and the recovery marked',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: 'Instance kill: TPS per second',
        width: WIDTH,
        height: 260,
        layer: [
          {
            data: { values: points },
            mark: { type: 'line', interpolate: 'step-after' },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 'seconds since start' },
              y: { field: 'tps', type: 'quantitative', title: 'TPS' },
              color: { field: 'variant', type: 'nominal' },
            },
          },
          {
            data: { values: marks },
            mark: { type: 'rule', strokeDash: [4, 3] },
            encoding: {
              x: { field: 't', type: 'quantitative' },
              strokeDash: { field: 'event', type: 'nominal', title: 'event' },
              color: { field: 'variant', type: 'nominal' },
            },
          },
        ],
      },
    });
  }

  const stress = results.cells.filter((r) => r.cell.table === 'stress');
  const memory = stress.flatMap((r) => {
    const redis = redisFor(r);
    if (!redis) return [];
    return redis.series.flatMap((p) => [
      ...(p.usedMemory !== null ? [{ t: p.t, mib: p.usedMemory / 1048576, variant: BACKEND_LABEL[r.cell.backend], metric: 'used_memory' }] : []),
      ...(p.usedMemoryRss !== null ? [{ t: p.t, mib: p.usedMemoryRss / 1048576, variant: BACKEND_LABEL[r.cell.backend], metric: 'used_memory_rss' }] : []),
    ]);
  });
  if (memory.length) {
    charts.push({
      name: 'stress-memory',
      title: 'AOF stress: Redis memory over time, everysec vs always',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: 'AOF stress: Redis memory over time',
        width: WIDTH,
        height: 240,
        data: { values: memory },
        mark: 'line',
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'seconds since start' },
          y: { field: 'mib', type: 'quantitative', title: 'MiB' },
          color: { field: 'variant', type: 'nominal' },
          strokeDash: { field: 'metric', type: 'nominal' },
        },
      },
    });
  }

  // ha kill cells share the 'ha' table; only the write-only runs belong in this chart.
  const ha = results.cells.filter((r) => r.cell.table === 'ha' && r.cell.scenario === 'ha-write');
  const haSort = ['write-only', 'mirrored', 'mirrored (sync)', 'dynomite', 'envoy'];
  if (ha.length) {
    // Over alternated rounds: one bar per variant and vUser, the median TPS, the lowest sync.
    const groups = new Map<string, typeof ha>();
    for (const r of ha) {
      const topology = r.ha?.variant === 'mirrored-sync' ? 'mirrored (sync)' : (r.cell.topology ?? 'write-only');
      const key = `${r.cell.studyRow.vUsers}|${topology}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const bars = [
      ...[...groups].map(([key, rs]) => {
        const syncs = rs.filter((r) => r.sync).map((r) => r.sync!.syncRatio);
        return {
          vUsers: key.split('|')[0],
          topology: key.split('|')[1],
          source: 'ours',
          tps: spreadOf(rs.map((r) => r.totals.tps))!.median,
          sync: syncs.length ? `${Math.round(Math.min(...syncs) * 1000) / 10} %` : '',
        };
      }),
      ...STUDY_HA.flatMap((s) =>
        HA_TOPOLOGIES.filter((t) => s.cells[t]).map((t) => ({
          vUsers: String(s.vUsers),
          topology: t,
          source: 'study',
          tps: s.cells[t]!.tps,
          sync: s.cells[t]!.syncPct === null ? '' : `${s.cells[t]!.syncPct} %`,
        })),
      ),
    ];
    charts.push({
      name: 'ha-write',
      title: 'HA write TPS by topology, labelled with the sync ratio',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: 'HA write-only TPS (label: sync)',
        data: { values: bars },
        facet: { row: { field: 'source', type: 'nominal', title: null, sort: ['ours', 'study'] } },
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: WIDTH,
          height: 160,
          encoding: {
            x: { field: 'vUsers', type: 'nominal', title: 'vUser (study)', axis: { labelAngle: 0 } },
            xOffset: { field: 'topology', type: 'nominal', sort: haSort },
            y: { field: 'tps', type: 'quantitative', title: 'TPS' },
            color: { field: 'topology', type: 'nominal', sort: haSort },
          },
          layer: [{ mark: 'bar' }, { mark: { type: 'text', dy: -6, fontSize: 9 }, encoding: { text: { field: 'sync' } } }],
        },
      },
    });
  }

  // ha kill: read + write TPS per second of each run, the kill and restart marked by rules.
  const killRuns = new Map<string, { label: string; killAt: number; restartAt: number | null; points: Map<number, number> }>();
  for (const r of results.cells.filter((c) => c.cell.table === 'ha' && c.cell.scenario === 'kill' && c.ha?.kill)) {
    const label = `${r.ha!.variant} ${r.ha!.agents ? 'with agent' : 'without agent'}`;
    const run = killRuns.get(label) ?? { label, killAt: r.ha!.kill!.killAtSec, restartAt: r.ha!.kill!.restartAtSec, points: new Map<number, number>() };
    for (const p of r.timeline) run.points.set(p.t, (run.points.get(p.t) ?? 0) + p.ok + p.answered);
    killRuns.set(label, run);
  }
  if (killRuns.size) {
    const values = [...killRuns.values()].flatMap((run) => [...run.points].map(([t, tps]) => ({ run: run.label, t, tps })));
    const rules = [...killRuns.values()].flatMap((run) => [
      { run: run.label, t: run.killAt, event: 'kill' },
      ...(run.restartAt === null ? [] : [{ run: run.label, t: run.restartAt, event: 'restart (empty)' }]),
    ]);
    charts.push({
      name: 'ha-kill',
      title: 'HA kill test: read + write TPS per second, SIGKILL and empty restart marked',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: 'HA kill: TPS per second (read + write)',
        facet: { row: { field: 'run', type: 'nominal', title: null } },
        data: { values: [...values.map((v) => ({ ...v, kind: 'tps' })), ...rules.map((r) => ({ ...r, kind: 'rule' }))] },
        spec: {
          width: WIDTH,
          height: 110,
          layer: [
            { transform: [{ filter: "datum.kind === 'tps'" }], mark: 'line', encoding: { x: { field: 't', type: 'quantitative', title: 'seconds' }, y: { field: 'tps', type: 'quantitative', title: 'TPS' } } },
            { transform: [{ filter: "datum.kind === 'rule'" }], mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { x: { field: 't', type: 'quantitative' }, color: { field: 'event', type: 'nominal', title: null } } },
          ],
        },
      },
    });
  }
  charts.push(...scaleCharts(results));
  charts.push(...apiLayersCharts(results));
  // CPU per request beside throughput: every cell that recorded it, app and Redis side by side.
  const cpuCells = results.cells.filter((r) => r.cpuPerRequest && (r.cpuPerRequest.appUsPerRequest !== null || r.cpuPerRequest.redisUsPerRequest !== null));
  if (cpuCells.length) {
    const label = (r: (typeof cpuCells)[number]) => `${r.cell.id}${r.round ? ` #${r.round}` : ''}`;
    const values = cpuCells.flatMap((r) => [
      ...(r.cpuPerRequest!.appUsPerRequest === null ? [] : [{ cell: label(r), process: 'dept-api', us: r.cpuPerRequest!.appUsPerRequest, tps: Math.round(r.totals.tps) }]),
      ...(r.cpuPerRequest!.redisUsPerRequest === null ? [] : [{ cell: label(r), process: 'Redis', us: r.cpuPerRequest!.redisUsPerRequest, tps: Math.round(r.totals.tps) }]),
    ]);
    charts.push({
      name: 'cpu-per-request',
      title: 'CPU per request by cell: dept-api and Redis (µs of their own CPU time per request)',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: 'CPU per request (µs = ms per 1000 requests)',
        data: { values },
        width: WIDTH,
        height: { step: 12 },
        mark: 'bar',
        encoding: {
          y: { field: 'cell', type: 'nominal', sort: null, title: null },
          yOffset: { field: 'process', type: 'nominal' },
          x: { field: 'us', type: 'quantitative', title: 'CPU µs per request' },
          color: { field: 'process', type: 'nominal', title: null },
          tooltip: [{ field: 'cell' }, { field: 'process' }, { field: 'us' }, { field: 'tps', title: 'TPS' }],
        },
      },
    });
  }
  return charts;
}

// The child's program: reads [{spec}] as JSON on stdin, writes [svg] as JSON on stdout.
const RENDER_PROGRAM = `
const [vega, vl] = await Promise.all([import(process.env.VEGA_URL), import(process.env.VEGA_LITE_URL)]);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const spec of JSON.parse(input)) {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  out.push(await view.toSVG());
  view.finalize();
}
process.stdout.write(JSON.stringify(out));
`;

/** Renders vega-lite specs to SVG strings, in order. */
export function renderSvgs(specs: Record<string, unknown>[], timeoutMs = 60_000): Promise<string[]> {
  if (specs.length === 0) return Promise.resolve([]);
  const env = {
    ...process.env,
    VEGA_URL: pathToFileURL(require.resolve('vega')).href,
    VEGA_LITE_URL: pathToFileURL(require.resolve('vega-lite')).href,
  };
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', RENDER_PROGRAM],
      { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`chart rendering failed (vega/vega-lite in a child node): ${stderr.trim().split('\n').slice(-3).join(' ') || err.message}`));
        try {
          resolve(JSON.parse(stdout) as string[]);
        } catch (e) {
          reject(new Error(`chart rendering returned no SVG: ${(e as Error).message}`));
        }
      },
    );
    child.stdin!.end(JSON.stringify(specs));
  });
}
