// issue 2's table: bare Fastify + ioredis against dept-api, and the ratios of the medians.
import type { RunResults } from '../../results';
import type { Table } from './common';

/** issue 2's measure: dept-api against a bare handler serving the same cached string. */
export function apiOverheadTable(results: RunResults): Table {
  const o = results.apiOverhead;
  const ratio = (x: number | null) => (x === null ? 'n/a' : `${x}×`);
  const rows = (o?.measurements ?? []).map((m) => [
    m.target === 'bare' ? 'bare Fastify + ioredis' : 'dept-api GET /v1/departments',
    `${m.rows}`,
    `${m.round}`,
    `${Math.round(m.tps)}`,
    `${m.p50Ms} / ${m.p99Ms}`,
    `${m.meanMillicores}m (peak ${m.peakMillicores}m)`,
    `${m.redisMeanMillicores}m`,
    `${m.loadGeneratorMeanMillicores}m`,
    `${m.errors} / ${m.requests}`,
  ]);
  const notes = o
    ? [
        `dept-api / bare at 10 rows: ${ratio(o.ratios.deptVsBare10)} (target >= ${o.targets.deptVsBare10}×: ${o.met.deptVsBare10 ? 'met' : 'missed'}); ` +
          `at 1000 rows: ${ratio(o.ratios.deptVsBare1000)}.`,
        `dept-api 1000 rows / 10 rows: ${ratio(o.ratios.rows1000Vs10)} (target >= ${o.targets.rows1000Vs10}×: ${o.met.rows1000Vs10 ? 'met' : 'missed'}).`,
        'Targets are reported, not asserted. Load generator, servers and Redis share this host\'s cores.',
      ]
    : [];
  return {
    id: 'api-overhead',
    title: 'API overhead: dept-api against a bare handler (same Redis key, same load)',
    intro: o
      ? `${o.connections} connections, ${o.durationSec} s each, ${o.rounds} round(s) alternating bare and dept-api, one process each, both serving the bytes cached under ${o.redisKey}. Ratios use the median TPS over the rounds.`
      : 'Not measured in this run.',
    header: ['server', 'rows', 'round', 'TPS', 'p50 / p99 ms', 'server CPU (mean)', 'Redis CPU', 'LG CPU', 'errors / requests'],
    rows,
    notes,
  };
}
