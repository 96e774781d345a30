// The instance-kill test: steady load on dept-<variant>, SIGKILL of its Redis at the scaled 1:40,
// the Redis started again after a delay standing for the Deployment re-creating the pod. POST
// cells use unique ids, so acknowledged writes can be looked up after the restart: what each
// persistence mode keeps is measured, not assumed.
import { RepositoryKeys } from '@app/departments';
import { SCENARIOS } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import { sleep } from '@app/async';
import type { CellResult, Durability } from '../results';
import { BACKEND_REDIS } from '../stack';
import { onAbort } from '../cli/abort';
import { runOnStack } from './frame';
import { Lab, filterCells, runCells, waitRedisReady, withRedis } from './lab';

export function killCells(profile: Profile, only?: string, restartDelaySec?: number): Cell[] {
  const cells = filterCells(SCENARIOS.kill.cells(profile), only);
  return restartDelaySec === undefined ? cells : cells.map((c) => ({ ...c, restartDelaySec }));
}

/** How many of the acknowledged ids have their hash in Redis now (EXISTS, pipelined by 1000). */
export async function countPresent(port: number, ids: string[]): Promise<number> {
  return withRedis(port, async (c) => {
    let present = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const pipe = c.pipeline();
      for (const id of ids.slice(i, i + 1000)) pipe.exists(RepositoryKeys.hash(id));
      for (const [err, n] of (await pipe.exec()) ?? []) {
        if (err) throw err;
        present += Number(n);
      }
    }
    return present;
  });
}

export async function runKillCell(lab: Lab, cell: Cell, index: number, count: number): Promise<CellResult> {
  const variant = BACKEND_REDIS[cell.backend];
  if (!variant || cell.killAtSec === undefined) throw new Error(`${cell.id} is not a kill cell of a Redis variant`);
  const server = lab.stack.redis(variant);
  const urls = lab.stack.apiUrls(cell.backend, cell.replicas);
  await lab.prepare(cell, urls);

  // Whatever happens (Ctrl-C, a failure), the Redis is not left dead by this run.
  const restore = onAbort(async () => {
    if (!server.running()) await lab.stack.startRedis(server);
  });
  const sampler = lab.sampler(cell);
  const acked: string[] = [];
  const delaySec = cell.restartDelaySec ?? 5;
  let restartAtSec: number | null = null;
  let killedAtSec: number | null = null;
  let stopped = false;
  const t0 = Date.now();
  const sequence = (async () => {
    await sleep(cell.killAtSec! * 1000);
    if (stopped) return;
    const pid = server.pid;
    // Timers lag while the load saturates this process's event loop: record when it really happened.
    killedAtSec = Math.round((Date.now() - t0) / 100) / 10;
    await server.kill();
    lab.log(`  SIGKILL ${variant} (pid ${pid}) at ${killedAtSec} s; starting it again in ${delaySec} s`);
    await sleep(delaySec * 1000);
    await lab.stack.startRedis(server);
    restartAtSec = Math.round((Date.now() - t0) / 100) / 10;
    sampler.setPid(cell.backend, server.pid!);
    lab.log(`  ${variant} started again (pid ${server.pid}) at ${restartAtSec} s`);
  })();
  // Awaited after the load; until then a failure must not count as an unhandled rejection.
  sequence.catch(() => undefined);

  let result: CellResult;
  try {
    result = await lab.run(cell, index, count, sampler, { onAcked: (id) => acked.push(id), restartAtSec: () => restartAtSec }, urls);
  } finally {
    stopped = true;
    // The restart is part of the test even when the load ended first (short profiles).
    await sequence.finally(() => sampler.stop());
  }
  restore();
  if (killedAtSec === null) result.notes.push(`the load ended before the planned kill at ${cell.killAtSec} s`);
  else if (Math.abs(killedAtSec - cell.killAtSec) >= 0.5) result.notes.push(`SIGKILL sent at ${killedAtSec} s (planned ${cell.killAtSec} s): the timer lagged under load`);

  if (cell.method === 'POST') {
    const port = lab.stack.ports.redis[variant];
    await waitRedisReady(port);
    const present = await countPresent(port, acked);
    const durability: Durability = {
      acked: acked.length,
      present,
      lost: acked.length - present,
      lostPct: acked.length ? Math.round(((acked.length - present) / acked.length) * 10000) / 100 : 0,
    };
    result.durability = durability;
    lab.log(`  acknowledged ${durability.acked}, present after the restart ${present} (${durability.lost} lost, ${durability.lostPct} %)`);
  }
  if (result.kill) {
    const k = result.kill;
    lab.log(`  baseline ${k.baselineTps} TPS, lowest ${k.minTps} at ${k.dipAtSec} s (-${k.dipPct} %), ${k.recoverySec === null ? 'not back at 90 % by the end' : `back at 90 % after ${k.recoverySec} s`}`);
  }
  return result;
}

/** bench kill: the kill cells of every Redis variant on the stack that is up. */
export async function runKill(profile: Profile, only?: string, restartDelaySec?: number): Promise<void> {
  const cells = killCells(profile, only, restartDelaySec);
  await runOnStack('kill', profile, (lab, rec) =>
    runCells(lab, cells, runKillCell, (r) => rec.cells.push(r), { heading: `instance-kill test, profile ${profile}: ${cells.length} cells` }),
  );
}
