// The study's own figures (study.md §4), as data, so report.md can set them beside ours.
// Keys use the scenario definitions' words (backend, vUsers, rows, replicas, topology).
import type { Backend, HaTopology } from '@app/scenarios';

/** "TPS (max cpu)": TPS and the app's peak CPU in millicores. */
export interface StudyTpsCell {
  tps: number;
  cpuMillicores: number;
}

export interface StudyGetRow {
  vUsers: number;
  rows: number;
  replicas: number;
  tps: Record<Backend, StudyTpsCell>;
}

export interface StudyPostRow {
  vUsers: number;
  replicas: number;
  tps: Record<Backend, StudyTpsCell>;
}

const c = (tps: number, cpuMillicores: number): StudyTpsCell => ({ tps, cpuMillicores });

export const STUDY_GET: StudyGetRow[] = [
  { vUsers: 1000, rows: 10, replicas: 1, tps: { mariadb: c(2600, 380), redis: c(3630, 90), 'redis-aof': c(3600, 90), 'redis-always': c(3650, 90) } },
  { vUsers: 2000, rows: 10, replicas: 1, tps: { mariadb: c(2600, 400), redis: c(2860, 70), 'redis-aof': c(3000, 80), 'redis-always': c(3090, 80) } },
  { vUsers: 3000, rows: 10, replicas: 1, tps: { mariadb: c(2210, 350), redis: c(2310, 60), 'redis-aof': c(2440, 60), 'redis-always': c(2370, 60) } },
  { vUsers: 3000, rows: 10, replicas: 2, tps: { mariadb: c(3270, 480), redis: c(3310, 90), 'redis-aof': c(3230, 120), 'redis-always': c(3300, 80) } },
  { vUsers: 1000, rows: 1000, replicas: 1, tps: { mariadb: c(180, 110), redis: c(1620, 130), 'redis-aof': c(1560, 80), 'redis-always': c(1580, 80) } },
];

export const STUDY_POST: StudyPostRow[] = [
  { vUsers: 1000, replicas: 1, tps: { mariadb: c(1550, 980), redis: c(3170, 150), 'redis-aof': c(2410, 150), 'redis-always': c(2300, 70) } },
  { vUsers: 2000, replicas: 1, tps: { mariadb: c(1530, 980), redis: c(3270, 160), 'redis-aof': c(2310, 130), 'redis-always': c(2200, 100) } },
  { vUsers: 3000, replicas: 1, tps: { mariadb: c(1370, 970), redis: c(2840, 160), 'redis-aof': c(2100, 130), 'redis-always': c(1900, 90) } },
  { vUsers: 3000, replicas: 2, tps: { mariadb: c(1940, 970), redis: c(3350, 220), 'redis-aof': c(3260, 270), 'redis-always': c(3140, 180) } },
];

/** redis-benchmark -q -t get,set,lpush,lpop inside the Redis pod; SET has its p50 in ms. */
export interface StudyRedisBenchmarkRow {
  /** Our target name where one exists (see RedisBenchmarkResult.target). */
  target: string;
  label: string;
  set: number;
  setP50Ms: number;
  get: number;
  lpush: number;
  lpop: number;
}

export const STUDY_REDIS_BENCHMARK: StudyRedisBenchmarkRow[] = [
  { target: 'redis', label: 'Redis, no AOF', set: 27933, setP50Ms: 0.78, get: 27949, lpush: 27988, lpop: 28539 },
  { target: 'redis-aof', label: 'AOF everysec', set: 33580, setP50Ms: 0.38, get: 31289, lpush: 33356, lpop: 33591 },
  { target: 'redis-always', label: 'AOF always', set: 9088, setP50Ms: 5.66, get: 31908, lpush: 8883, lpop: 9193 },
  { target: 'redis-ha', label: 'Redis direct (HA env)', set: 20816, setP50Ms: 0.31, get: 20371, lpush: 21782, lpop: 21810 },
  { target: 'dynomite', label: 'through Dynomite :8102', set: 14830, setP50Ms: 0.89, get: 19623, lpush: 14899, lpop: 14910 },
  { target: 'envoy', label: 'through Envoy :6380', set: 9100, setP50Ms: 0.77, get: 11132, lpush: 9427, lpop: 9913 },
];

/** Instance-kill test: 1000 vUser, 3 min, kill at 1:40; dip to about 350 TPS, back within 10 s. */
export const STUDY_KILL: Record<'redis' | 'redis-aof' | 'redis-always', { tps: number; errorPct: number }> = {
  redis: { tps: 2700, errorPct: 0.1 },
  'redis-aof': { tps: 2700, errorPct: 0.1 },
  'redis-always': { tps: 2600, errorPct: 0.1 },
};
export const STUDY_KILL_DIP = { minTps: 350, recoverySec: 10, killAtSec: 100, durationSec: 180 };

/** Stress test: Redis at 0.1 CPU, +100 bytes per row, 10 min, 1000 vUser. Memory in MiB (container). */
export const STUDY_STRESS: Record<'redis-aof' | 'redis-always', { tps: number; peakMemoryMiB: number; errorPct: number; errors?: string }> = {
  'redis-aof': { tps: 999, peakMemoryMiB: 1747, errorPct: 0 },
  'redis-always': { tps: 618, peakMemoryMiB: 1028, errorPct: 2.0, errors: '7,228 / 359,730' },
};

/** HA application test (writes only, AOF everysec): TPS / count / sync. The mirrored pair is ours only. */
export interface StudyHaCell {
  tps: number;
  count: number;
  syncPct: number | null;
}
export const STUDY_HA: { vUsers: number; cells: Partial<Record<HaTopology, StudyHaCell>> }[] = [
  { vUsers: 1000, cells: { 'write-only': { tps: 1063, count: 115000, syncPct: null }, dynomite: { tps: 1038, count: 114000, syncPct: 100 }, envoy: { tps: 1054, count: 114000, syncPct: 100 } } },
  { vUsers: 2000, cells: { 'write-only': { tps: 1089, count: 117000, syncPct: null }, dynomite: { tps: 865, count: 92000, syncPct: 100 }, envoy: { tps: 650, count: 69000, syncPct: 100 } } },
  { vUsers: 3000, cells: { 'write-only': { tps: 784, count: 81000, syncPct: null }, dynomite: { tps: 1138, count: 120000, syncPct: 100 }, envoy: { tps: 677, count: 71000, syncPct: 100 } } },
];

export const STUDY_ERROR_NOTE =
  'Study: error rates 0.0-0.1 % up to 3000 vUser; TPS measured at 1 % errors or more is unreliable.';
