// handleSummary: writes the fields bench records for a cell (apps/bench/src/report/types.ts,
// CellResult: cell, totals, errors, latencyMs), so a k6 run can be set beside a bench run.
// k6's end-of-test data has no per-second series: for the timeline (the kill test's dip) run with
// `--out json=timeline.json` and bucket the `dept_ok` points by second.
import type { RunConfig } from './config.ts';
import type { SetupData } from './traffic.ts';

interface MetricValues {
  [stat: string]: number;
}
interface SummaryMetric {
  values: MetricValues;
  thresholds?: Record<string, { ok: boolean }>;
}
/** The part of k6's handleSummary data this script reads. */
export interface SummaryData {
  metrics: Record<string, SummaryMetric | undefined>;
  state: { testRunDurationMs: number };
  setup_data?: SetupData;
}

function count(data: SummaryData, name: string): number {
  return data.metrics[name]?.values.count ?? 0;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function summarize(data: SummaryData, cfg: RunConfig, extra: Record<string, unknown> = {}) {
  const durationSec = data.state.testRunDurationMs / 1000;
  const ok = count(data, 'dept_ok');
  const answered = count(data, 'dept_answered');
  const statusErr = count(data, 'dept_err_status');
  const timeouts = count(data, 'dept_err_timeout');
  const connection = count(data, 'dept_err_connection');
  const checkFailed = count(data, 'dept_err_check');
  const errors = statusErr + timeouts + connection + checkFailed;
  const requests = ok + answered + errors;
  const d = data.metrics['http_req_duration{expected_response:true}']?.values ?? data.metrics.http_req_duration?.values ?? {};
  const thresholds: Record<string, boolean> = {};
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [expr, t] of Object.entries(m?.thresholds ?? {})) thresholds[`${metric}: ${expr}`] = t.ok;
  }
  return {
    executor: 'k6',
    cell: cfg.cell,
    baseUrls: cfg.baseUrls,
    runTag: data.setup_data?.runTag ?? null,
    seed: data.setup_data?.seed ?? null,
    durationSec: round(durationSec),
    totals: {
      requests,
      ok,
      answered,
      errors,
      errorPct: requests ? round((errors / requests) * 100, 3) : 0,
      tps: durationSec ? round((ok + answered) / durationSec, 1) : 0,
      okTps: durationSec ? round(ok / durationSec, 1) : 0,
    },
    // k6 keeps counters per tag but the summary only has totals; status codes are in --out json.
    errors: { status: statusErr, timeouts, connection, checkFailed },
    latencyMs: {
      p50: round(d.med ?? 0),
      p95: round(d['p(95)'] ?? 0),
      p99: round(d['p(99)'] ?? 0),
      max: round(d.max ?? 0),
      mean: round(d.avg ?? 0),
    },
    acked: count(data, 'dept_acked'),
    droppedIterations: count(data, 'dropped_iterations'),
    thresholds,
    ...extra,
  };
}

/** The `handleSummary` return value: the JSON file plus a few lines on stdout. */
export function summaryOutputs(data: SummaryData, cfg: RunConfig, extra: Record<string, unknown> = {}): Record<string, string> {
  const s = summarize(data, cfg, extra);
  const failed = Object.entries(s.thresholds).filter(([, ok]) => !ok).map(([k]) => k);
  const lines = [
    `${cfg.cell.scenario} ${cfg.cell.backend} vUsers=${cfg.cell.vUsers} rows=${cfg.cell.rows} replicas=${cfg.cell.replicas}`,
    `  TPS ${s.totals.tps}  errors ${s.totals.errorPct} % (${s.totals.errors} of ${s.totals.requests})  ` +
      `p50 ${s.latencyMs.p50} ms  p95 ${s.latencyMs.p95} ms  p99 ${s.latencyMs.p99} ms`,
    failed.length ? `  SLOs missed: ${failed.join('; ')}` : '  SLOs met',
    `  written to ${cfg.summaryFile}`,
    '',
  ];
  return { [cfg.summaryFile]: JSON.stringify(s, null, 2), stdout: lines.join('\n') };
}
