import { InvalidArgumentError } from 'commander';

/** An error a user can fix: printed as one line (no stack trace) with a non-zero exit. */
export class UserError extends Error {}

export function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

export function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

export function choiceOption<T extends string>(name: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!choices.includes(value as T)) throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}`);
    return value as T;
  };
}

type Cleanup = () => Promise<void>;
const cleanups: Cleanup[] = [];
let interrupted = false;

/**
 * Registers work to undo if the user interrupts (Ctrl-C) or the run fails: stopping the
 * processes a run started, removing a half-written results folder.
 */
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
