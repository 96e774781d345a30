import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sleep } from '../../async/src'; // relative: test/global-setup.ts loads libs/procs outside Jest's moduleNameMapper

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a long-running server in its own process group, output to a log file, its pid in a pid
 * file, so a later `stack down` (another process) can stop exactly what was started.
 */
export function spawnDaemon(bin: string, args: string[], opts: { logFile: string; pidFile: string; env?: NodeJS.ProcessEnv }): number {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const out = openSync(opts.logFile, 'a');
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', out, out], env: opts.env ?? process.env });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`could not start ${bin}`);
  writeFileSync(opts.pidFile, String(child.pid));
  // A test run names a ledger of every server it started, so its teardown can stop the ones a
  // failed or interrupted test left behind.
  if (process.env.PROCS_PID_LEDGER) appendFileSync(process.env.PROCS_PID_LEDGER, `${child.pid}\n`);
  return child.pid;
}

/** Stops every process listed in a ledger that is still alive (SIGKILL: they are leftovers). */
export async function stopLedger(ledger: string): Promise<number> {
  let pids: number[] = [];
  try {
    pids = readFileSync(ledger, 'utf8').split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return 0;
  }
  const alive = pids.filter(isAlive);
  await Promise.all(alive.map((pid) => stopPid(pid, 'SIGKILL')));
  return alive.length;
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Sends `signal`, waits up to `graceMs` for the process to go, then SIGKILLs it. */
export async function stopPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (isAlive(pid)) await sleep(20);
  }
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}
