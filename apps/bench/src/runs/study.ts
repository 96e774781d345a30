// `bench study`: the whole study on this machine in one run and one report: stack up (2 replicas),
// the GET and POST matrices, the kill test, the stress test, the HA write test, redis-benchmark, the report, and the
// stack down again. Only what this run started is stopped, at the end or on Ctrl-C, so a stack a
// user had up stays up.
import type { Profile } from '@app/scenarios';
import { PROFILES } from '@app/scenarios';
import { Stack } from '../stack';
import type { ServiceKind } from '../stack';
import { onAbort } from '../cli-kit';
import { Lab } from './lab';
import { matrixCells, runMatrix } from './matrix';
import { killCells, runKill } from './kill';
import { stressCells, runStress } from './stress';
import { dynomiteSetup, redisBenchmarkBin, runRedisBenchmarks } from './redis-benchmark';
import { RunRecorder, commandLine } from './results-dir';
import type { WrittenReport } from '../report';
import { runHaWriteCells } from '../ha/write';

/** The HA cells are shorter in the local study than in `ha write` so the whole job fits ~20 minutes. */
const HA_LOCAL_CELL_SEC = 10;

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

export interface StudyOutcome extends WrittenReport {
  runId: string;
  dir: string;
  results: string;
  seconds: number;
}

export async function runStudy(profile: Profile, log: (l: string) => void, opts: { restartDelaySec?: number } = {}): Promise<StudyOutcome> {
  // Everything a user can get wrong is checked before anything starts.
  const benchmarkBin = redisBenchmarkBin();
  const dynomite = dynomiteSetup();
  const t0 = Date.now();
  const stack = new Stack();
  const stopStarted = stopperFor(stack, log);
  const release = onAbort(async () => {
    await stopStarted();
  });
  const recorder = new RunRecorder('study', profile, commandLine());
  const lab = new Lab(stack, log);
  try {
    log(`study --profile ${profile}: stack up (MariaDB, 3 Redis variants, 4 x 2 dept-api) in ${stack.dir}`);
    await stack.up({ replicas: 2 }, log);

    const get = matrixCells('get', profile);
    const post = matrixCells('post', profile);
    const kill = killCells(profile, undefined, opts.restartDelaySec);
    const stress = stressCells(profile);
    const total = get.length + post.length + kill.length + stress.length;
    const add = (r: (typeof recorder.cells)[number]) => recorder.cells.push(r);
    let done = 0;
    log(`GET matrix: ${get.length} cells`);
    await runMatrix(lab, get, add, done, total);
    done += get.length;
    log(`POST matrix: ${post.length} cells`);
    await runMatrix(lab, post, add, done, total);
    done += post.length;
    log(`instance-kill test: ${kill.length} cells`);
    await runKill(lab, kill, add, done, total);
    done += kill.length;
    log(`AOF stress test: ${stress.length} cells`);
    await runStress(lab, stress, add, done, total);
    // The study's HA application test (write-only TPS, count, sync), on its own pair of Redis.
    log('HA write test: single Redis, mirrored pair (async, sync), Dynomite pair when DYNOMITE_BIN is set');
    await runHaWriteCells(
      { profile, durationSec: profile === 'local' ? HA_LOCAL_CELL_SEC : undefined },
      add,
      (note) => recorder.notes.push(note),
    );
    log('redis-benchmark');
    recorder.redisBenchmark.push(...(await runRedisBenchmarks(lab, profile, benchmarkBin, dynomite)));
    await lab.close();

    const p = PROFILES[profile];
    recorder.notes.push(
      `Profile ${profile}: vUsers x ${p.vUserScale} of the study's, ${p.matrixDurationSec} s per matrix cell, kill ${p.kill.durationSec} s with SIGKILL at ${p.kill.killAtSec} s, stress ${p.stress.durationSec} s at ${p.stress.vUsers} vUsers.`,
      'Load generator (autocannon), dept-api, Redis and MariaDB share this host; nGrinder ran on its own agents in the study.',
      dynomite ? `Dynomite: ${dynomite.bin}, one node in front of a Redis with AOF everysec.` : 'DYNOMITE_BIN not set: no Dynomite row in redis-benchmark.',
    );
    const seconds = Math.round((Date.now() - t0) / 1000);
    recorder.notes.push(`The run took ${seconds} s from stack up to the last measurement.`);
    const written = await recorder.write();
    return { ...written, runId: recorder.runId, dir: recorder.dir, seconds };
  } finally {
    await lab.close();
    await stopStarted();
    release();
  }
}
