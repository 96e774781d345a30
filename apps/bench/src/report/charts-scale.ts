// bench scale's charts (issue 10, "how cost grows"), each with its Redis floor drawn beside it:
// cached GET TPS and MiB/s by rows, MariaDB GET TPS by rows, bootstrap time by keys. Log scales:
// the sizes grow tenfold per step.
import type { RunResults, ScaleGetPoint } from '../results';
import type { ChartSpec } from './chart-spec';

const LABEL: Record<ScaleGetPoint['target'], string> = {
  'dept-api-cached': 'dept-api cached (Redis)',
  'dept-api-mariadb': 'dept-api MariaDB',
  'redis-benchmark': 'redis-benchmark GET (floor)',
};

function lines(name: string, title: string, values: { x: number; y: number; series: string }[], xTitle: string, yTitle: string): ChartSpec {
  return {
    name,
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      width: 560,
      height: 260,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: xTitle, scale: { type: 'log' } },
        y: { field: 'y', type: 'quantitative', title: yTitle, scale: { type: 'log' } },
        color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320, orient: 'bottom' } },
        tooltip: [{ field: 'series' }, { field: 'x' }, { field: 'y' }],
      },
    },
  };
}

export function scaleCharts(results: RunResults): ChartSpec[] {
  const s = results.scale;
  if (!s) return [];
  const charts: ChartSpec[] = [];
  const get = (targets: ScaleGetPoint['target'][], y: (p: ScaleGetPoint) => number) =>
    s.get.filter((p) => targets.includes(p.target) && y(p) > 0).map((p) => ({ x: p.rows, y: y(p), series: LABEL[p.target] }));
  const tps = (p: ScaleGetPoint) => Math.round(p.tps);
  const mibs = (p: ScaleGetPoint) => Math.round((p.bytesPerSec / 1048576) * 10) / 10;
  if (s.get.length) {
    charts.push(lines('scale-get-tps', 'Cached GET /v1/departments: TPS by rows, beside redis-benchmark GET of the same bytes', get(['dept-api-cached', 'redis-benchmark'], tps), 'rows in the list', 'TPS (log)'));
    charts.push(lines('scale-get-bytes', 'Cached GET /v1/departments: MiB/s by rows, beside redis-benchmark GET of the same bytes', get(['dept-api-cached', 'redis-benchmark'], mibs), 'rows in the list', 'MiB/s (log)'));
    charts.push(lines('scale-mariadb-tps', 'MariaDB GET /v1/departmentsNoCache: TPS by rows, beside the cached route and the Redis floor', get(['dept-api-mariadb', 'dept-api-cached', 'redis-benchmark'], tps), 'rows in the list', 'TPS (log)'));
  }
  const boot = s.bootstrap.flatMap((b) => [
    ...(b.agentBootstrapMs ? [{ x: b.keys, y: b.agentBootstrapMs, series: 'agent bootstrap' }] : []),
    ...(b.redisFullSyncMs ? [{ x: b.keys, y: b.redisFullSyncMs, series: "Redis's own full sync (floor)" }] : []),
  ]);
  if (boot.length) charts.push(lines('scale-bootstrap', "HA bootstrap of an empty node by keys, beside Redis's own full sync", boot, 'keys', 'ms (log)'));
  return charts;
}
