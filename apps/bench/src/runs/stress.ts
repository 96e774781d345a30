// The AOF stress test: everysec vs always with Redis limited to 0.1 CPU, rows 100 bytes larger
// (the `payload` field), the study's random ids; TPS, errors, and Redis RSS / used_memory over time.
import { tableCells } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import { limitCpu } from '@app/procs';
import type { CellResult } from '../results';
import { BACKEND_REDIS } from '../stack';
import { onAbort } from '../cli/abort';
import { runOnStack } from './frame';
import { Lab, filterCells, runCells } from './lab';

export function stressCells(profile: Profile, only?: string): Cell[] {
  return filterCells(tableCells('stress', profile), only);
}

export async function runStressCell(lab: Lab, cell: Cell, index: number, count: number): Promise<CellResult> {
  const variant = BACKEND_REDIS[cell.backend]!;
  const urls = lab.stack.apiUrls(cell.backend, cell.replicas);
  await lab.prepare(cell, urls);
  const pid = lab.stack.pidOf(variant);
  if (!pid) throw new Error(`${variant} has no pid`);
  const limit = limitCpu(pid, cell.redisCpuLimit ?? 0.1, variant);
  lab.log(`  Redis CPU limit: ${limit.applied ? 'applied' : 'NOT applied'}: ${limit.note}`);
  const release = onAbort(async () => limit.undo());
  const sampler = lab.sampler(cell);
  try {
    const r = await lab.run(cell, index, count, sampler, {}, urls);
    r.limits = { applied: limit.applied, note: limit.note };
    const redis = r.resources.redis.find((x) => x.name === cell.backend);
    const proc = r.resources.processes.find((p) => p.role === 'redis');
    lab.log(`  Redis peak RSS ${Math.round((proc?.peakRssBytes ?? 0) / 1048576)} MiB, peak used_memory ${Math.round((redis?.peakUsedMemory ?? 0) / 1048576)} MiB, peak CPU ${proc?.peakMillicores ?? 'n/a'}m`);
    return r;
  } finally {
    await sampler.stop();
    limit.undo();
    release();
  }
}

/** bench stress: the AOF stress cells on the stack that is up. */
export async function runStress(profile: Profile, only?: string): Promise<void> {
  const cells = stressCells(profile, only);
  await runOnStack('stress', profile, (lab, rec) =>
    runCells(lab, cells, runStressCell, (r) => rec.cells.push(r), { heading: `AOF stress test, profile ${profile}: ${cells.length} cells` }),
  { pin: true });
}
