// The GET and POST matrices of study.md §4: each cell prepared as the study did (rows, flush,
// warm), then loaded with autocannon while dept-api, Redis, MariaDB and the load generator are
// sampled once a second.
import { tableCells } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import type { CellResult } from '../results';
import { runOnStack } from './frame';
import { Lab, filterCells, runCells } from './lab';

export type MatrixKind = 'get' | 'post';

export function matrixCells(kind: MatrixKind, profile: Profile, only?: string): Cell[] {
  return filterCells(tableCells(kind, profile), only);
}

export function measureMatrixCell(lab: Lab, cell: Cell, index: number, total: number): Promise<CellResult> {
  return lab.measure(cell, index, total);
}

/** bench matrix get|post: on the stack that is up (`stack up --replicas 2` for the rep2 cells). */
export async function runMatrix(kind: MatrixKind, profile: Profile, only?: string): Promise<void> {
  const cells = matrixCells(kind, profile, only);
  await runOnStack(`matrix-${kind}`, profile, (lab, rec) =>
    runCells(lab, cells, measureMatrixCell, (r) => rec.cells.push(r), { heading: `${kind.toUpperCase()} matrix, profile ${profile}: ${cells.length} cells` }),
  { pin: true });
}
