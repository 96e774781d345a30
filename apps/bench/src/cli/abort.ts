// What to undo when the user interrupts (Ctrl-C) or a run fails: stopping the processes a run
// started, removing a half-written results folder.
import { log } from './log';

type Cleanup = () => Promise<void>;
const cleanups: Cleanup[] = [];
let interrupted = false;

/** Registers work to undo on abort; the returned function unregisters it once it is no longer needed. */
export function onAbort(fn: Cleanup): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      log(`cleanup failed: ${(err as Error).message}`);
    }
  }
}

export function isInterrupted(): boolean {
  return interrupted;
}

export function installSignalHandlers(): void {
  const handler = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping what this run started ...`);
    void runCleanups().finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
