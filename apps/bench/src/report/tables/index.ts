// The study's tables rebuilt from a run's results, same rows and columns as study.md §4, each of
// our cells beside the study's figure. One table model, rendered to Markdown and to HTML; one
// file per family.
import type { RunResults } from '../../results';
import { apiOverheadTable } from './api-overhead';
import type { Table } from './common';
import { haBootstrapTable, haCommandsTable, haKillTable, haSyncCheckTable, haTable } from './ha';
import { cellListTable, getTable, killTable, postTable, redisBenchmarkTable, stressTable } from './study';

/**
 * The tables this run has figures for: a study table only when the run measured one of its cells
 * (no table of "–" around one figure), the HA run tables when the run made them, and the list of
 * every cell last.
 */
export function allTables(results: RunResults): Table[] {
  const has = (pred: (r: RunResults['cells'][number]) => boolean) => results.cells.some(pred);
  const tables: Table[] = [];
  if (results.redisBenchmark.length) tables.push(redisBenchmarkTable(results));
  if (has((r) => r.cell.table === 'get')) tables.push(getTable(results));
  if (has((r) => r.cell.table === 'post')) tables.push(postTable(results));
  if (has((r) => r.cell.table === 'kill')) tables.push(killTable(results));
  if (has((r) => r.cell.table === 'stress')) tables.push(stressTable(results));
  if (has((r) => r.cell.table === 'ha' && r.cell.scenario === 'ha-write')) tables.push(haTable(results));
  if (results.apiOverhead) tables.push(apiOverheadTable(results));
  for (const t of [haKillTable(results), haBootstrapTable(results), haCommandsTable(results), haSyncCheckTable(results)]) if (t.rows.length) tables.push(t);
  if (results.cells.length) tables.push(cellListTable(results));
  return tables;
}

export type { Table } from './common';
export { BACKEND_LABEL, cpuPerReq, redisFor } from './common';
