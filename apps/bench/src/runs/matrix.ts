// The GET and POST matrices of study.md §4: each cell prepared as the study did (rows, flush,
// warm), then loaded with autocannon while dept-api, Redis, MariaDB and the load generator are
// sampled once a second.
import { BACKENDS, tableCells } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import type { CellResult } from '../report';
import { Lab, filterCells } from './lab';

export type MatrixKind = 'get' | 'post';

export function matrixCells(kind: MatrixKind, profile: Profile, only?: string): Cell[] {
  return filterCells(tableCells(kind, profile), only);
}

export function requiredReplicas(cells: Cell[]): number {
  return Math.max(1, ...cells.map((c) => c.replicas));
}

export async function runMatrix(lab: Lab, cells: Cell[], onCell: (r: CellResult) => void, offset = 0, total = cells.length): Promise<void> {
  lab.requireUp([...new Set(cells.map((c) => c.backend))].sort((a, b) => BACKENDS.indexOf(a) - BACKENDS.indexOf(b)), requiredReplicas(cells));
  for (const [i, cell] of cells.entries()) onCell(await lab.measure(cell, offset + i + 1, total));
}
