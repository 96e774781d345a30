// What every table shares: the table model, the marks under a figure, and the lookups of a cell.
import type { Backend } from '@app/scenarios';
import type { CellResult, RedisUsage, RunResults } from '../../results';
import type { StudyTpsCell } from '../study-figures';

export interface Table {
  id: string;
  title: string;
  /** Paragraph under the title: what the table compares and how to read it. */
  intro: string;
  header: string[];
  rows: string[][];
  notes: string[];
}
export const BACKEND_LABEL: Record<Backend, string> = {
  mariadb: 'mariadb',
  redis: 'redis',
  'redis-aof': 'AOF everysec',
  'redis-always': 'AOF always',
};
export const MARKS =
  'Marks: † bound by the load generator (autocannon used >= 90 % of a core), ‡ errors >= 1 % (the study calls such TPS unreliable), ' +
  '* run interrupted. "–" = cell not run. µs/req = CPU microseconds per request of dept-api / its Redis (the processes\' own CPU time over the cell).';
export const fmt = (n: number) => (Math.abs(n) >= 100 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));
export const mib = (bytes: number) => `${Math.round(bytes / 1048576)}Mi`;
export function marks(r: CellResult): string {
  return (r.resources.loadGenerator.bound ? '†' : '') + (r.totals.errorPct >= 1 ? '‡' : '') + (r.interrupted ? '*' : '');
}
/** CPU per request, app / Redis, in µs (= ms per 1000 requests): `31 / 9 µs`. */
export function cpuPerReq(r: CellResult | undefined): string {
  const c = r?.cpuPerRequest;
  if (!c) return '–';
  const f = (x: number | null) => (x === null ? 'n/a' : fmt(x));
  return `${f(c.appUsPerRequest)} / ${f(c.redisUsPerRequest)} µs`;
}
/** "TPS (max cpu)" as the study writes it: `2600 (380m)`, with our CPU per request beside it when recorded: `2600 (380m; 31 / 9 µs/req)`. */
export function tpsCpu(r: CellResult | undefined): string {
  if (!r) return '–';
  const cpu = r.resources.appPeakMillicores === null ? 'cpu n/a' : `${Math.round(r.resources.appPeakMillicores)}m`;
  const c = r.cpuPerRequest;
  const per = c ? `; ${c.appUsPerRequest === null ? 'n/a' : fmt(c.appUsPerRequest)} / ${c.redisUsPerRequest === null ? '–' : fmt(c.redisUsPerRequest)} µs/req` : '';
  return `${Math.round(r.totals.tps)} (${cpu}${per})${marks(r)}`;
}
export const studyTpsCpu = (s: StudyTpsCell) => `${s.tps} (${s.cpuMillicores}m)`;
export function find(results: RunResults, pred: (r: CellResult) => boolean): CellResult | undefined {
  // A later cell with the same coordinates (a rerun inside the run) wins.
  return [...results.cells].reverse().find(pred);
}
export function ourVUsers(cells: (CellResult | undefined)[]): string {
  const v = [...new Set(cells.filter((c): c is CellResult => !!c).map((c) => c.cell.vUsers))];
  return v.length ? v.join('/') : '–';
}
/** The sampler's Redis whose name matches the cell's backend (or the only one sampled). */
export function redisFor(r: CellResult): RedisUsage | undefined {
  const all = r.resources.redis;
  return all.find((x) => x.name === r.cell.backend) ?? (all.length === 1 ? all[0] : undefined);
}
