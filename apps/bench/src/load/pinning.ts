// Core pinning (taskset): the load generator (this process, where autocannon runs) on the last
// core, the system under test (dept-api, Redis, MariaDB, proxies) on the others, so the two do
// not take turns on the same cores and a ratio measures the servers, not the scheduler. Where
// the host cannot (one core, no taskset, BENCH_PIN=0) nothing is pinned and the report says why.
// Children spawned after this process pinned itself inherit its core: every process of the system
// under test is pinned explicitly when it is (re)started, and everything is released at the end.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import type { CorePinning } from '../results';

function taskset(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('taskset', args, { encoding: 'utf8' });
  return { ok: r.status === 0 && !r.error, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

export class Pinning {
  private readonly pinned = new Map<number, { name: string; pid: number; cpus: string }>();
  private constructor(
    readonly applied: boolean,
    readonly loadGeneratorCpus: string | null,
    readonly sutCpus: string | null,
    readonly allCpus: string,
    readonly note: string,
  ) {}

  /** Pins this process (all its threads) to the last core when the host allows it. */
  static setup(env: NodeJS.ProcessEnv = process.env): Pinning {
    const n = cpus().length;
    const all = `0-${Math.max(0, n - 1)}`;
    if (env.BENCH_PIN === '0') return new Pinning(false, null, null, all, 'not pinned: BENCH_PIN=0');
    if (n < 2) return new Pinning(false, null, null, all, `not pinned: the host has ${n} core`);
    const probe = taskset(['-p', String(process.pid)]);
    if (!probe.ok) return new Pinning(false, null, null, all, `not pinned: taskset unavailable (${probe.out.split('\n')[0] || 'not found'}); install util-linux`);
    const lg = String(n - 1);
    const sut = n === 2 ? '0' : `0-${n - 2}`;
    const self = taskset(['-a', '-p', '-c', lg, String(process.pid)]);
    if (!self.ok) return new Pinning(false, null, null, all, `not pinned: taskset refused (${self.out.split('\n')[0]})`);
    return new Pinning(true, lg, sut, all, `load generator (bench, autocannon) on core ${lg}; system under test on core${sut.includes('-') ? 's' : ''} ${sut} (taskset)`);
  }

  /** Pins a process of the system under test (all threads); a no-op when pinning is off. */
  pin(name: string, pid: number | undefined | null): void {
    if (!this.applied || !pid || !this.sutCpus) return;
    if (taskset(['-a', '-p', '-c', this.sutCpus, String(pid)]).ok) this.pinned.set(pid, { name, pid, cpus: this.sutCpus });
  }

  /** Every pinned process and this one back on all cores (the stack outlives the run). */
  release(): void {
    if (!this.applied) return;
    for (const p of this.pinned.values()) taskset(['-a', '-p', '-c', this.allCpus, String(p.pid)]);
    taskset(['-a', '-p', '-c', this.allCpus, String(process.pid)]);
  }

  info(): CorePinning {
    return { applied: this.applied, loadGeneratorCpus: this.loadGeneratorCpus, sutCpus: this.sutCpus, processes: [...this.pinned.values()], note: this.note };
  }
}

let active: Pinning | null = null;

/** The pinning of the run in progress (set by the run frame of runs that pin), or null. */
export function activePinning(): Pinning | null {
  return active;
}

/** Sets up pinning for the duration of `body`, then releases it; returns what was pinned. */
export async function withPinning<T>(body: (p: Pinning) => Promise<T>): Promise<{ value: T; info: CorePinning }> {
  const p = Pinning.setup();
  active = p;
  try {
    const value = await body(p);
    return { value, info: p.info() };
  } finally {
    active = null;
    p.release();
  }
}
