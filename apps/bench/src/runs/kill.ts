// The instance-kill test: steady load on dept-<variant>, SIGKILL of its Redis at the scaled 1:40,
// the Redis started again after a delay standing for the Deployment re-creating the pod. POST
// cells use unique ids, so acknowledged writes can be looked up after the restart: what each
// persistence mode keeps is measured, not assumed.
import { RepositoryKeys } from '@app/departments';
import { SCENARIOS } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import { sleep } from '@app/async';
import type { CellResult, Durability, DurabilityPhase } from '../results';
import { activePinning } from '../load';
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

const phase = (acked: number, present: number): DurabilityPhase => ({
  acked,
  present,
  lost: acked - present,
  lostPct: acked ? Math.round(((acked - present) / acked) * 10000) / 100 : 0,
});

/**
 * Acknowledged ids by when their 201 arrived: before the SIGKILL, between it and the restart
 * (nothing should be acknowledged then), after the restart. Only the first group measures what
 * persistence keeps; the last one was written to the restarted server and says nothing about it.
 */
export function splitByPhase(acked: { id: string; atSec: number }[], killedAtSec: number | null, restartAtSec: number | null): { beforeKill: string[]; whileDown: string[]; afterRestart: string[] } {
  const out = { beforeKill: [] as string[], whileDown: [] as string[], afterRestart: [] as string[] };
  for (const a of acked) {
    if (killedAtSec === null || a.atSec < killedAtSec) out.beforeKill.push(a.id);
    else if (restartAtSec === null || a.atSec < restartAtSec) out.whileDown.push(a.id);
    else out.afterRestart.push(a.id);
  }
  return out;
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
  // Each acknowledged id with the second (since the load started) its 201 arrived.
  const acked: { id: string; atSec: number }[] = [];
  const delaySec = cell.restartDelaySec ?? 5;
  let restartAtSec: number | null = null;
  let killedAtSec: number | null = null;
  // When the SIGKILL had landed: a 201 arriving later was acknowledged while Redis was down.
  let downAtSec: number | null = null;
  let stopped = false;
  const t0 = Date.now();
  const sequence = (async () => {
    await sleep(cell.killAtSec! * 1000);
    if (stopped) return;
    const pid = server.pid;
    // Timers lag while the load saturates this process's event loop: record when it really happened.
    killedAtSec = Math.round((Date.now() - t0) / 100) / 10;
    await server.kill();
    downAtSec = (Date.now() - t0) / 1000;
    lab.log(`  SIGKILL ${variant} (pid ${pid}) at ${killedAtSec} s; starting it again in ${delaySec} s`);
    await sleep(delaySec * 1000);
    await lab.stack.startRedis(server);
    restartAtSec = Math.round((Date.now() - t0) / 100) / 10;
    sampler.setPid(cell.backend, server.pid!);
    // Started by this (pinned) process, the new Redis would inherit the load generator's core.
    activePinning()?.pin(cell.backend, server.pid);
    lab.log(`  ${variant} started again (pid ${server.pid}) at ${restartAtSec} s`);
  })();
  // Awaited after the load; until then a failure must not count as an unhandled rejection.
  sequence.catch(() => undefined);

  let result: CellResult;
  try {
    result = await lab.run(cell, index, count, sampler, { onAcked: (id) => acked.push({ id, atSec: (Date.now() - t0) / 1000 }), restartAtSec: () => restartAtSec }, urls);
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
    const phases = splitByPhase(acked, downAtSec, restartAtSec);
    const count = async (ids: string[]) => phase(ids.length, await countPresent(port, ids));
    const all = await count(acked.map((a) => a.id));
    const durability: Durability = { ...all };
    if (downAtSec !== null) {
      durability.beforeKill = await count(phases.beforeKill);
      durability.whileDown = await count(phases.whileDown);
      durability.afterRestart = await count(phases.afterRestart);
    }
    result.durability = durability;
    const b = durability.beforeKill;
    lab.log(
      b
        ? `  acknowledged before the kill ${b.acked}, present after the restart ${b.present} (${b.lost} lost, ${b.lostPct} %); ` +
            `acknowledged while down ${durability.whileDown!.acked}; after the restart ${durability.afterRestart!.acked} (${durability.afterRestart!.present} present)`
        : `  acknowledged ${all.acked}, present ${all.present} (no kill happened)`,
    );
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
  { pin: true });
}
