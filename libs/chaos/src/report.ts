// The fault runs' report: results.json, report.md (one table per fault, topologies side by side)
// and, when a renderer is given (apps/bench's vega-lite to SVG), a timeline chart per run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FaultEvent, HistoryLine, OpRecord } from './history';
import { isFailure } from './history';
import type { ChaosResult, ChaosRunResult } from './run';

export interface TimelineRow {
  second: number;
  series: 'ok' | 'failed';
  count: number;
}

/** Completions per second, split into answered (2xx/404) and failed. */
export function timelineRows(lines: readonly HistoryLine[]): TimelineRow[] {
  const ok = new Map<number, number>();
  const failed = new Map<number, number>();
  let last = 0;
  for (const l of lines) {
    if (l.t !== 'op') continue;
    const s = Math.floor((l as OpRecord).completeMs / 1000);
    last = Math.max(last, s);
    const m = isFailure(l) ? failed : ok;
    m.set(s, (m.get(s) ?? 0) + 1);
  }
  const rows: TimelineRow[] = [];
  for (let s = 0; s <= last; s++) {
    rows.push({ second: s, series: 'ok', count: ok.get(s) ?? 0 });
    rows.push({ second: s, series: 'failed', count: failed.get(s) ?? 0 });
  }
  return rows;
}

/** Fault intervals (start to stop, seconds) for shading. */
export function faultBands(lines: readonly HistoryLine[]): Array<{ from: number; to: number; fault: string }> {
  const faults = lines.filter((l): l is FaultEvent => l.t === 'fault');
  const end = Math.max(0, ...lines.filter((l): l is OpRecord => l.t === 'op').map((o) => o.completeMs)) / 1000;
  return faults
    .filter((f) => f.phase === 'start')
    .map((s) => {
      const stop = faults.find((f) => f.phase === 'stop' && f.id === s.id);
      return { from: s.atMs / 1000, to: (stop?.atMs ?? end * 1000) / 1000, fault: `${s.kind}: ${s.target}` };
    });
}

/** A vega-lite spec: requests per second (answered, failed), faults shaded. */
export function timelineSpec(title: string, lines: readonly HistoryLine[]): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 640,
    height: 220,
    layer: [
      {
        data: { values: faultBands(lines) },
        mark: { type: 'rect', opacity: 0.18 },
        encoding: {
          x: { field: 'from', type: 'quantitative' },
          x2: { field: 'to' },
          color: { field: 'fault', type: 'nominal', title: 'fault', legend: { orient: 'bottom', columns: 1 } },
        },
      },
      {
        data: { values: timelineRows(lines) },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'seconds since the workload started' },
          y: { field: 'count', type: 'quantitative', title: 'requests completed per second' },
          stroke: { field: 'series', type: 'nominal', title: 'answer', scale: { domain: ['ok', 'failed'], range: ['#4c78a8', '#e45756'] } },
        },
      },
    ],
  };
}

export type SvgRenderer = (specs: Record<string, unknown>[]) => Promise<string[]>;

function cell(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/** One row of the per-fault table. */
export function tableRow(r: ChaosRunResult, result: ChaosResult): string {
  const root = result.dir;
  const c = r.check;
  const stale = c.staleReads;
  const failed = `${cell(c.failures.total)} (${cell(c.failures.withinBound)} within bound, max ${cell(c.failures.maxMs)} ms)`;
  const lost = `${cell(c.lost.total)}${c.lost.inFlightAtDeath ? ` (${cell(c.lost.inFlightAtDeath)} in flight at a death)` : ''}`;
  const wait = result.options.convergenceWaitMs;
  const heal = r.lastHealMs === null ? 'no fault' : r.convergenceMs === null ? `not within ${cell(wait)}` : cell(r.convergenceMs);
  const conv = `${heal} / ${r.quiesceMs === null ? `not within ${cell(wait)}` : cell(r.quiesceMs)}`;
  const history = relative(root, r.historyFile);
  const lin = r.linearizable ? `${r.linearizable.result}${r.linearizable.illegalKeys ? ` (${cell(r.linearizable.illegalKeys)} of ${cell(r.linearizable.keys)} keys)` : ''}` : '—';
  return `| ${r.topology} | ${cell(c.acked)} | **${lost}** | ${cell(c.oneNodeKeys.count)} | ${cell(c.differing.count)} | ${conv} | ${cell(stale.total)} (${cell(stale.sameReplica)} same / ${cell(stale.crossReplica)} cross, ${cell(stale.notFound)} 404) of ${cell(stale.reads)} | ${lin} | ${failed} | [history](${history}) |`;
}

export function reportMarkdown(result: ChaosResult): string {
  const out: string[] = [];
  const o = result.options;
  out.push('# Fault runs (`bench ha chaos`)', '');
  out.push(`Started ${result.startedAt}; seed ${o.seed}; ${o.replicas} dept-api replicas; profile ${o.profile}; workload ${o.durationMs} ms per run at ${o.rate} req/s;${o.preloadKeys ? ` ${o.preloadKeys} keys of 64 bytes preloaded on every node;` : ''} dept-api op timeout ${o.opTimeoutMs} ms; ${o.lanes ?? 1} lane(s): topologies run side by side, each on its own toxiproxy-server.`);
  out.push('Definitions: docs/ha.md "Fault runs". Lost = acked (201) writes with no acceptable value on any node after heal and convergence wait; one-node / differing keys as read directly from both nodes.', '');
  for (const s of result.skipped) out.push(`- skipped ${s.topology}: ${s.reason}`);
  if (result.skipped.length) out.push('');
  const faults = [...new Set(result.runs.map((r) => r.fault))];
  for (const f of faults) {
    const runs = result.runs.filter((r) => r.fault === f);
    out.push(`## ${f}`, '');
    const targets = [...new Set(runs.flatMap((r) => r.schedule.map((s) => `${s.kind} ${s.target} for ${s.durationMs} ms at ${s.atMs} ms`)))];
    if (targets.length) out.push(...targets.map((t) => `- ${t}`), '');
    out.push('| Topology | Acked | Lost | One node only | Differing | Convergence ms (after heal / after load) | Stale reads | Registers linearizable (Porcupine) | Failed requests | History |');
    out.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of runs) out.push(tableRow(r, result));
    out.push('');
    for (const r of runs) if (r.chart) out.push(`![${r.topology} ${f}](${relative(result.dir, r.chart)})`);
    out.push('');
    for (const r of runs) if (r.error) out.push(`- ${r.topology}: run failed: ${r.error}`);
  }
  return `${out.join('\n').trim()}\n`;
}

/** Writes results.json, report.md and the charts; returns the report's path. */
export async function writeReport(result: ChaosResult, render?: SvgRenderer, histories?: Map<ChaosRunResult, readonly HistoryLine[]>): Promise<string> {
  mkdirSync(result.dir, { recursive: true });
  if (render && histories) {
    const runs = result.runs.filter((r) => histories.has(r));
    try {
      const svgs = await render(runs.map((r) => timelineSpec(`${r.topology} · ${r.fault}`, histories.get(r) ?? [])));
      runs.forEach((r, i) => {
        const file = join(r.dir, 'timeline.svg');
        writeFileSync(file, svgs[i]);
        r.chart = file;
      });
    } catch (err) {
      result.notes.push(`charts not rendered: ${(err as Error).message}`);
    }
  }
  writeFileSync(join(result.dir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = join(result.dir, 'report.md');
  writeFileSync(md, reportMarkdown(result));
  return md;
}
