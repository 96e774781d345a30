// A CPU limit on one process, the stress test's "Redis CPU 0.1": a child cgroup with a CFS quota
// of limit x period. cgroup v2 (cpu.max) where the cpu controller is on the unified hierarchy,
// else cgroup v1 (cpu.cfs_quota_us). Needs root and a writable cgroupfs; when either is missing
// the limit is not applied and the reason is returned for the report, never hidden.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CpuLimit {
  applied: boolean;
  /** How it was applied, or why not: printed in the report as is. */
  note: string;
  /** Moves the process back where it was and removes the child cgroup. */
  undo(): void;
}

const PERIOD_US = 100_000;

interface Mount {
  type: string;
  dir: string;
  options: string[];
}

function mounts(): Mount[] {
  try {
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
      .map((f) => ({ type: f[2], dir: f[1], options: (f[3] ?? '').split(',') }));
  } catch {
    return [];
  }
}

/** The process's current cgroup path in the hierarchy of `mount` (v2: the "0::" line; v1: the line naming cpu). */
function currentPath(pid: number, v2: boolean): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  for (const line of lines) {
    const [id, controllers, path] = line.split(':');
    if (v2 ? id === '0' && controllers === '' : controllers.split(',').includes('cpu')) return path || '/';
  }
  return '/';
}

export function limitCpu(pid: number, cores: number, label: string): CpuLimit {
  const quotaUs = Math.max(1000, Math.round(cores * PERIOD_US));
  const none = (note: string): CpuLimit => ({ applied: false, note, undo: () => undefined });
  if (process.getuid?.() !== 0) return none('not running as root, so no cgroup could be created; Redis ran without a CPU limit');
  if (!existsSync(`/proc/${pid}`)) return none(`process ${pid} is gone`);

  const all = mounts();
  const v2 = all.find((m) => m.type === 'cgroup2' && (() => {
    try {
      return readFileSync(join(m.dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu');
    } catch {
      return false;
    }
  })());
  const v1 = all.find((m) => m.type === 'cgroup' && m.options.includes('cpu'));
  if (!v2 && !v1) return none('no cgroup hierarchy with the cpu controller is mounted (checked /proc/self/mounts); Redis ran without a CPU limit');

  const isV2 = !!v2;
  const root = (v2 ?? v1)!.dir;
  const from = currentPath(pid, isV2);
  const parent = join(root, from);
  const child = join(parent, `bench-${label}-${pid}`);
  try {
    mkdirSync(child, { recursive: true });
    if (isV2) {
      // The parent must hand the cpu controller down to its children.
      const subtree = readFileSync(join(parent, 'cgroup.subtree_control'), 'utf8');
      if (!subtree.split(/\s+/).includes('cpu')) writeFileSync(join(parent, 'cgroup.subtree_control'), '+cpu');
      writeFileSync(join(child, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
    } else {
      writeFileSync(join(child, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(child, 'cpu.cfs_quota_us'), String(quotaUs));
    }
    writeFileSync(join(child, 'cgroup.procs'), String(pid));
  } catch (e) {
    try {
      rmdirSync(child);
    } catch {
      /* never created */
    }
    return none(`could not set up ${child} (${(e as Error).message}); Redis ran without a CPU limit`);
  }
  const now = currentPath(pid, isV2);
  const applied = now.endsWith(`bench-${label}-${pid}`);
  const how = isV2 ? `cgroup v2 cpu.max "${quotaUs} ${PERIOD_US}"` : `cgroup v1 cpu.cfs_quota_us=${quotaUs} cpu.cfs_period_us=${PERIOD_US}`;
  return {
    applied,
    note: applied ? `${how} (${cores} CPU) on pid ${pid} in ${child}` : `wrote ${child} but pid ${pid} is in ${now}; Redis ran without a CPU limit`,
    undo: () => {
      try {
        if (existsSync(`/proc/${pid}`)) writeFileSync(join(parent, 'cgroup.procs'), String(pid));
      } catch {
        /* the process went away meanwhile */
      }
      try {
        rmdirSync(child);
      } catch {
        /* still busy or already gone */
      }
    },
  };
}
