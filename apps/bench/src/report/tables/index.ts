// The study's tables rebuilt from a run's results, same rows and columns as study.md §4, each of
// our cells beside the study's figure. One table model, rendered to Markdown and to HTML; one
// file per family.
import type { RunResults } from '../../results';
import { apiLayersRoutesTable, apiLayersTable, apiOverheadSummaryTable, apiOverheadTable } from './api-overhead';
import type { Table } from './common';
import { haBootstrapTable, haCommandsTable, haKillTable, haSyncCheckTable, haTable } from './ha';
import { scaleBootstrapTable, scaleGetTable } from './scale';
import { cellListTable, getTable, killTable, postTable, redisBenchmarkTable, stressTable } from './study';

/**
 * The tables this run has figures for: a study table only when the run measured one of its cells
 * (no table of "–" around one figure), the HA run tables when the run made them, and the list of
 * every cell last.
 */
export function allTables(results: RunResults): Table[] {
  // A run that measured only the API's overhead shows that, not the study's tables without a cell.
  const overheadOnly = !!results.apiOverhead && !results.cells.length && !results.redisBenchmark.length && !results.ha;
  if (overheadOnly) return [apiOverheadSummaryTable(results), apiOverheadTable(results)];
  // bench api-layers: its two tables only.
  if (results.apiLayers && !results.cells.length && !results.apiOverhead) return [apiLayersTable(results), apiLayersRoutesTable(results)];
  // bench scale's run has no study cell: its own tables only.
  if (results.scale && !results.cells.length) return [scaleGetTable(results), scaleBootstrapTable(results)];
  const has = (pred: (r: RunResults['cells'][number]) => boolean) => results.cells.some(pred);
  const tables: Table[] = [];
  if (results.redisBenchmark.length) tables.push(redisBenchmarkTable(results));
  if (has((r) => r.cell.table === 'get')) tables.push(getTable(results));
  if (has((r) => r.cell.table === 'post')) tables.push(postTable(results));
  if (has((r) => r.cell.table === 'kill')) tables.push(killTable(results));
  if (has((r) => r.cell.table === 'stress')) tables.push(stressTable(results));
  if (has((r) => r.cell.table === 'ha' && r.cell.scenario === 'ha-write')) tables.push(haTable(results));
  if (results.apiOverhead) tables.push(apiOverheadSummaryTable(results), apiOverheadTable(results));
  // The HA run tables only when the run made them, so the study's reports keep their shape.
  for (const t of [haKillTable(results), haBootstrapTable(results), haCommandsTable(results), haSyncCheckTable(results)]) if (t.rows.length) tables.push(t);
  if (results.cells.length) tables.push(cellListTable(results));
  return tables;
}

export type { Table } from './common';
export { BACKEND_LABEL, cpuPerReq, redisFor } from './common';
