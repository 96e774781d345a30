// The study's tables rebuilt from a run's results, same rows and columns as study.md §4, each of
// our cells beside the study's figure. One table model, rendered to Markdown and to HTML; one
// file per family.
import type { RunResults } from '../../results';
import { apiOverheadSummaryTable, apiOverheadTable } from './api-overhead';
import type { Table } from './common';
import { haBootstrapTable, haCommandsTable, haKillTable, haSyncCheckTable, haTable } from './ha';
import { scaleBootstrapTable, scaleGetTable } from './scale';
import { cellListTable, getTable, killTable, postTable, redisBenchmarkTable, stressTable } from './study';

export function allTables(results: RunResults): Table[] {
  // A run that measured only the API's overhead shows that, not the study's tables without a cell.
  const overheadOnly = !!results.apiOverhead && !results.cells.length && !results.redisBenchmark.length && !results.ha;
  if (overheadOnly) return [apiOverheadSummaryTable(results), apiOverheadTable(results)];
  // bench scale's run has no study cell: its own tables only.
  if (results.scale && !results.cells.length) return [scaleGetTable(results), scaleBootstrapTable(results)];
  const tables = [redisBenchmarkTable(results), getTable(results), postTable(results), killTable(results), stressTable(results), haTable(results)];
  if (results.apiOverhead) tables.push(apiOverheadSummaryTable(results), apiOverheadTable(results));
  // The HA run tables only when the run made them, so the study's reports keep their shape.
  for (const t of [haKillTable(results), haBootstrapTable(results), haCommandsTable(results), haSyncCheckTable(results)]) if (t.rows.length) tables.push(t);
  return [...tables, cellListTable(results)];
}

export type { Table } from './common';
export { BACKEND_LABEL, redisFor } from './common';
