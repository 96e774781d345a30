// The one frame of every run: open a recorder (its results folder appears only at the end, and
// never half-written), run the body, write results.json and the report, print where they are.
// runOnStack adds the stack a single-purpose run measures (matrix, kill, stress, redis-benchmark,
// api-overhead): already up, checked by the run, its database connection closed at the end.
import type { Profile } from '@app/scenarios';
import { RunRecorder, commandLine } from '../results';
import { writeReport } from '../report';
import type { WrittenReport } from '../report';
import { Stack } from '../stack';
import { log } from '../cli/log';
import { Lab } from './lab';
import { withPinning } from '../load';
import { displayPath } from '../results';

export interface WrittenRun extends WrittenReport {
  runId: string;
  dir: string;
  results: string;
  /** From the start of the body to its end (the writing is not counted). */
  seconds: number;
}

export interface FrameOptions {
  /** Pin the load generator and the system under test to different cores (load/pinning.ts). */
  pin?: boolean;
}

export async function runFrame(kind: string, profile: Profile, body: (recorder: RunRecorder) => Promise<void>, o: FrameOptions = {}): Promise<WrittenRun> {
  const recorder = new RunRecorder(kind, profile, commandLine());
  const t0 = Date.now();
  if (o.pin) {
    const { info } = await withPinning(() => body(recorder));
    recorder.pinning = info;
    log(`pinning: ${info.note}`);
  } else {
    await body(recorder);
  }
  const seconds = Math.round((Date.now() - t0) / 1000);
  const written = await recorder.write(writeReport);
  const run = { ...written, runId: recorder.runId, dir: recorder.dir, seconds };
  console.log(`run ${run.runId}`);
  console.log(`  results: ${run.results}`);
  console.log(`  report:  ${run.markdown}`);
  console.log(`  html:    ${run.html}`);
  return run;
}

/** A run on the stack that is already up (`stack up`); the body checks what it needs with lab.requireUp. */
export function runOnStack(kind: string, profile: Profile, body: (lab: Lab, recorder: RunRecorder) => Promise<void>, o: FrameOptions = {}): Promise<WrittenRun> {
  return runFrame(kind, profile, async (recorder) => {
    const lab = new Lab(new Stack(), log);
    const t0 = Date.now();
    try {
      await body(lab, recorder);
    } finally {
      await lab.close();
    }
    recorder.notes.push(`Measured on the stack in ${displayPath(lab.stack.dir)}; load generator on the same host. The run took ${Math.round((Date.now() - t0) / 1000)} s.`);
  }, o);
}
