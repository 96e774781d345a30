// `bench study`: the whole study on this machine in one run and one report: stack up (2 replicas),
// the GET and POST matrices, the kill test, the stress test, the HA write test, redis-benchmark, the report, and the
// stack down again. Only what this run started is stopped, at the end or on Ctrl-C, so a stack a
// user had up stays up.
import type { Profile } from '@app/scenarios';
import { PROFILES } from '@app/scenarios';
import { dynomiteBin } from '@app/procs';
import { Stack } from '../stack';
import type { ServiceKind } from '../stack';
import { onAbort } from '../cli/abort';
import { log } from '../cli/log';
import { runFrame } from './frame';
import { withPinning } from '../load';
import type { WrittenRun } from './frame';
import { Lab, runCells } from './lab';
import { matrixCells, measureMatrixCell } from './matrix';
import { killCells, runKillCell } from './kill';
import { stressCells, runStressCell } from './stress';
import { redisBenchmarkBin, runRedisBenchmarks } from './redis-benchmark';
import { runHaWriteCells } from './ha-write';

const STOP_ORDER: ServiceKind[] = ['api', 'agent', 'dynomite', 'redis', 'mariadb'];

/** Stops every recorded service that was not running before `before` was taken. */
export function stopperFor(stack: Stack, log: (l: string) => void): () => Promise<number> {
  const before = new Set(stack.status().filter((s) => s.running).map((s) => s.name));
  return async () => {
    const started = stack
      .services()
      .filter((s) => !before.has(s.name))
      .sort((a, b) => STOP_ORDER.indexOf(a.kind) - STOP_ORDER.indexOf(b.kind));
    // One kind at a time (apps before the stores they use), the processes of a kind together:
    // each dept-api drains for a moment on SIGTERM, and eight of them in a row add up.
    for (const kind of STOP_ORDER) {
      const batch = started.filter((s) => s.kind === kind);
      if (batch.length) log(`stopping ${batch.map((s) => s.name).join(', ')}`);
      await Promise.all(batch.map((s) => stack.stopService(s.name)));
    }
    return started.length;
  };
}

export async function runStudy(profile: Profile, opts: { restartDelaySec?: number } = {}): Promise<WrittenRun> {
  // Everything a user can get wrong is checked before anything starts.
  const benchmarkBin = redisBenchmarkBin();
  const dynomite = dynomiteBin();
  const stack = new Stack();
  const stopStarted = stopperFor(stack, log);
  const release = onAbort(async () => {
    await stopStarted();
  });
  const lab = new Lab(stack, log);
  try {
    const run = await runFrame('study', profile, async (recorder) => {
      const t0 = Date.now();
      log(`study --profile ${profile}: stack up (MariaDB, 3 Redis variants, 4 x 2 dept-api) in ${stack.dir}`);
      await stack.up({ replicas: 2 }, log);
      // Pinned once the stack is up: started from a pinned process, the whole stack would boot on
      // the load generator's one core (each cell pins its own servers to the other cores).
      const pinned = await withPinning(async () => {

      const tables = [
        { heading: 'GET matrix', cells: matrixCells('get', profile), measure: measureMatrixCell },
        { heading: 'POST matrix', cells: matrixCells('post', profile), measure: measureMatrixCell },
        { heading: 'instance-kill test', cells: killCells(profile, undefined, opts.restartDelaySec), measure: runKillCell },
        { heading: 'AOF stress test', cells: stressCells(profile), measure: runStressCell },
      ];
      const total = tables.reduce((n, t) => n + t.cells.length, 0);
      const add = (r: (typeof recorder.cells)[number]) => recorder.cells.push(r);
      let done = 0;
      for (const t of tables) {
        log(`${t.heading}: ${t.cells.length} cells`);
        await runCells(lab, t.cells, t.measure, add, { done, total });
        done += t.cells.length;
      }
      // The study's HA application test (write-only TPS, count, sync), on its own pair of Redis.
      log('HA write test: single Redis, mirrored pair (async, sync), Dynomite pair when DYNOMITE_BIN is set');
      await runHaWriteCells({ profile, durationSec: PROFILES[profile].ha.studyCellSec }, add, (note) => recorder.notes.push(note));
      log('redis-benchmark');
      recorder.redisBenchmark.push(...(await runRedisBenchmarks(lab, profile, benchmarkBin, dynomite)));
      await lab.close();
      });
      recorder.pinning = pinned.info;
      log(`pinning: ${pinned.info.note}`);

      const p = PROFILES[profile];
      recorder.notes.push(
        `Profile ${profile}: vUsers x ${p.vUserScale} of the study's, ${p.matrixDurationSec} s per matrix cell, kill ${p.kill.durationSec} s with SIGKILL at ${p.kill.killAtSec} s, stress ${p.stress.durationSec} s at ${p.stress.vUsers} vUsers.`,
        'Load generator (autocannon), dept-api, Redis and MariaDB share this host; nGrinder ran on its own agents in the study.',
        dynomite ? `Dynomite: ${dynomite}, one node in front of a Redis with AOF everysec.` : 'DYNOMITE_BIN not set: no Dynomite row in redis-benchmark.',
      );
      recorder.notes.push(`The run took ${Math.round((Date.now() - t0) / 1000)} s from stack up to the last measurement.`);
    });
    console.log(`  took ${run.seconds} s`);
    return run;
  } finally {
    await lab.close();
    await stopStarted();
    release();
  }
}
