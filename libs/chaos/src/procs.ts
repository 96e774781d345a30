// The processes of one fault run: every pid it starts is tracked (and listed in a ledger file),
// so the end of the run, Ctrl-C, or the next run after a crash stops exactly those.
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@app/async';
import { DEPT_API_NODE_FLAGS, assertPortFree, isAlive, readPid, spawnDaemon, stopLedger, stopPid } from '@app/procs';
import { REPO_ROOT } from './toxiproxy';

export const API_MAIN = join(REPO_ROOT, 'dist', 'apps', 'dept-api', 'src', 'main.js');
export const AGENT_MAIN = join(REPO_ROOT, 'dist', 'apps', 'redis-ha-agent', 'src', 'main.js');

export class ChaosError extends Error {}

export class ProcessSet {
  readonly ledger: string;
  private readonly pids = new Set<number>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.ledger = join(dir, 'pids');
  }

  /** Stops what an earlier, interrupted run in the same folder left behind. */
  async cleanUpEarlier(): Promise<number> {
    return stopLedger(this.ledger);
  }

  track(pid: number | undefined): void {
    if (!pid) return;
    this.pids.add(pid);
    appendFileSync(this.ledger, `${pid}\n`);
  }

  /** A Node app of this repository (dept-api, the agent) as a daemon, up once `healthPath` answers 200. */
  async startNodeApp(name: string, main: string, port: number, env: Record<string, string>, healthPath: string, parent: string, timeoutMs = 60_000): Promise<{ pid: number; pidFile: string; logFile: string }> {
    if (!existsSync(main)) throw new ChaosError(`${main} is missing: run \`npm run build\` first`);
    await assertPortFree(port, name);
    const dir = join(parent, name);
    mkdirSync(dir, { recursive: true });
    const pidFile = join(dir, 'pid');
    const logFile = join(dir, 'log');
    const flags = main === API_MAIN ? DEPT_API_NODE_FLAGS : [];
    const pid = spawnDaemon(process.execPath, [...flags, main], { logFile, pidFile, env: { PATH: process.env.PATH, ...env } });
    this.track(pid);
    await waitFor(`${name} ${healthPath} on 127.0.0.1:${port} (log: ${logFile})`, async () => {
      if (!isAlive(pid)) throw new ChaosError(`${name} exited at start; see ${logFile}`);
      const res = await fetch(`http://127.0.0.1:${port}${healthPath}`, { signal: AbortSignal.timeout(1000) });
      return res.status === 200;
    }, timeoutMs, 200);
    return { pid, pidFile, logFile };
  }

  signal(pid: number | undefined, sig: NodeJS.Signals): void {
    if (!pid || !isAlive(pid)) return;
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }

  async kill9(pid: number | undefined): Promise<void> {
    await stopPid(pid, 'SIGKILL');
  }

  /** Stops everything still alive: SIGCONT first (a paused process cannot exit), then SIGTERM/SIGKILL. */
  async stopAll(graceMs = 5000): Promise<number> {
    const alive = [...this.pids].filter(isAlive);
    for (const pid of alive) this.signal(pid, 'SIGCONT');
    await Promise.all(alive.map((pid) => stopPid(pid, 'SIGTERM', graceMs)));
    this.pids.clear();
    return alive.length;
  }

  pidOf(pidFile: string): number | undefined {
    return readPid(pidFile);
  }
}
