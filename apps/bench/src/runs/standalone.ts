// The frame of every single-purpose run (matrix, kill, stress, redis-benchmark, api-overhead) on
// a stack that is already up: collect, write results/<run-id>/ at the end, print where it is.
import type { Profile } from '@app/scenarios';
import { Stack } from '../stack';
import { log } from '../cli-kit';
import { Lab } from './lab';
import { RunRecorder, commandLine } from './results-dir';

export async function standaloneRun(kind: string, profile: Profile, body: (lab: Lab, recorder: RunRecorder) => Promise<void>): Promise<RunRecorder> {
  const lab = new Lab(new Stack(), log);
  const recorder = new RunRecorder(kind, profile, commandLine());
  const t0 = Date.now();
  try {
    await body(lab, recorder);
    await lab.close();
    recorder.notes.push(`Measured on the stack in ${lab.stack.dir}; load generator on the same host. The run took ${Math.round((Date.now() - t0) / 1000)} s.`);
    const w = await recorder.write();
    printWritten(recorder.runId, w);
    return recorder;
  } finally {
    await lab.close();
  }
}

export function printWritten(runId: string, w: { results: string; markdown: string; html: string }): void {
  console.log(`run ${runId}`);
  console.log(`  results: ${w.results}`);
  console.log(`  report:  ${w.markdown}`);
  console.log(`  html:    ${w.html}`);
}
