// CPU per request over a cell: the CPU time the app processes and the cell's Redis used while the
// cell ran (their own utime + stime, read from /proc by the sampler), divided by the requests the
// cell ended. Throughput alone hides how much of the host a request took; this does not.
import type { CpuPerRequest, Resources } from '../results';

const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;

export function cpuPerRequest(resources: Resources, requests: number): CpuPerRequest {
  const sum = (role: 'app' | 'redis'): number | null => {
    const procs = resources.processes.filter((p) => p.role === role && p.cpuSec !== undefined && p.series.length > 0);
    return procs.length ? round(procs.reduce((a, p) => a + (p.cpuSec ?? 0), 0), 3) : null;
  };
  const appCpuSec = sum('app');
  const redisCpuSec = sum('redis');
  const per = (sec: number | null) => (sec === null || requests === 0 ? null : round((sec * 1e6) / requests, 2));
  return { requests, appCpuSec, redisCpuSec, appUsPerRequest: per(appCpuSec), redisUsPerRequest: per(redisCpuSec) };
}
