// Once a second: CPU (millicores) and RSS of named processes from /proc, and Redis memory and ops
// from INFO. The study read the same from Grafana (CPU in millicores, container memory); here the
// processes are local, so /proc gives them without an exporter. The load generator itself (this
// process, where autocannon runs) is always sampled, to flag cells it could not drive harder.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import Redis from 'ioredis';
import type { ProcessPoint, ProcessRole, ProcessUsage, RedisPoint, RedisUsage, Resources } from '../results';

export interface SampledProcess {
  name: string;
  role: ProcessRole;
  pid: number;
}

export interface SampledRedis {
  name: string;
  port: number;
}

export interface SamplerOptions {
  processes?: SampledProcess[];
  redis?: SampledRedis[];
  intervalMs?: number;
  /** Sample this process as "load-generator" (default true). */
  includeSelf?: boolean;
}

/** Mean load-generator CPU at or above this marks a cell as bound by the load generator. */
export const LOAD_GENERATOR_BOUND_MILLICORES = 900;

interface ProcSample {
  atMs: number;
  /** Wall time this sample covers, since the previous reading. */
  wallMs: number;
  /** CPU seconds the process used since the previous sample (its own utime + stime). */
  cpuSec: number;
  millicores: number;
  rssBytes: number;
}
interface RedisSample {
  atMs: number;
  up: boolean;
  usedMemory: number | null;
  usedMemoryRss: number | null;
  opsPerSec: number | null;
}

let clockTicks: number | undefined;
/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on every common Linux). */
export function clockTicksPerSec(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** The fields of /proc/<pid>/stat from field 3 on (index 0 = state); null when the process is gone. */
async function readStatFields(pid: number): Promise<string[] | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime in clock ticks; null when the process is gone. */
export async function readCpuTicks(pid: number): Promise<number | null> {
  const fields = await readStatFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : null;
}

/**
 * The context switches of a process's main thread so far (/proc/<pid>/status): voluntary (it
 * waited: a sleep, an empty socket) and nonvoluntary (it was preempted); null when gone.
 */
export async function readContextSwitches(pid: number): Promise<{ voluntary: number; nonvoluntary: number } | null> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  if (text === null) return null;
  const voluntary = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(text);
  const nonvoluntary = /^nonvoluntary_ctxt_switches:\s*(\d+)/m.exec(text);
  return voluntary && nonvoluntary ? { voluntary: Number(voluntary[1]), nonvoluntary: Number(nonvoluntary[1]) } : null;
}

/** Seconds since the process started (starttime in /proc/<pid>/stat against /proc/uptime); null when gone. */
export async function readProcessAgeSec(pid: number): Promise<number | null> {
  const [fields, uptime] = await Promise.all([readStatFields(pid), readFile('/proc/uptime', 'utf8').catch(() => null)]);
  if (!fields || uptime === null) return null;
  return Math.max(0, Number(uptime.split(' ')[0]) - Number(fields[19]) / clockTicksPerSec());
}

export async function readRssBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function infoField(info: string, field: string): number | null {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return m ? Number(m[1]) : null;
}

class ProcessTrack {
  samples: ProcSample[] = [];
  private last: { atMs: number; ticks: number; pid: number } | null = null;
  /** Readings closer than this to the previous one are folded into it (see sample()). */
  constructor(
    public target: SampledProcess,
    private readonly minWindowMs: number,
  ) {}

  async sample(atMs: number): Promise<void> {
    const pid = this.target.pid;
    const [ticks, rss] = await Promise.all([readCpuTicks(pid), readRssBytes(pid)]);
    if (ticks === null) {
      this.last = null;
      return;
    }
    // The first reading of a pid only primes the counter: CPU needs two readings.
    if (this.last && this.last.pid === pid && atMs > this.last.atMs) {
      const cpuSec = Math.max(0, (ticks - this.last.ticks) / clockTicksPerSec());
      const wallMs = atMs - this.last.atMs;
      const prev = this.samples[this.samples.length - 1];
      // utime/stime move in 10 ms ticks and a CPU quota is granted per 100 ms period, so a reading
      // taken a few ms after the previous one (the marks at a cell's start and end) would read as
      // a spike. Such a reading extends the previous sample: its CPU time still counts, exactly,
      // and its millicores are taken over the whole, longer window.
      if (wallMs < this.minWindowMs && prev && prev.atMs === this.last.atMs) {
        prev.atMs = atMs;
        prev.wallMs += wallMs;
        prev.cpuSec += cpuSec;
        prev.millicores = Math.round((prev.cpuSec / (prev.wallMs / 1000)) * 1000);
        prev.rssBytes = rss ?? prev.rssBytes;
      } else {
        this.samples.push({ atMs, wallMs, cpuSec, millicores: Math.round((cpuSec / (wallMs / 1000)) * 1000), rssBytes: rss ?? 0 });
      }
    }
    this.last = { atMs, ticks, pid };
  }
}

class RedisTrack {
  samples: RedisSample[] = [];
  private readonly client: Redis;
  constructor(readonly target: SampledRedis) {
    // Straight to the redis-server port (INFO is refused through Envoy). No offline queue and no
    // retries per command: while the instance is down a sample says so at once instead of waiting.
    this.client = new Redis({
      host: '127.0.0.1',
      port: target.port,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 500,
      commandTimeout: 800,
      retryStrategy: () => 500,
      // ioredis waits this long for a socket to close on disconnect(); 2 s by default holds exit.
      disconnectTimeout: 100,
      lazyConnect: false,
    });
    this.client.on('error', () => {
      /* a down instance is recorded as up: false in the series */
    });
  }

  async sample(atMs: number): Promise<void> {
    try {
      // Not connected (the instance is down or restarting): say so without queueing a command.
      if (this.client.status !== 'ready') throw new Error(this.client.status);
      const info = await this.client.info();
      this.samples.push({
        atMs,
        up: true,
        usedMemory: infoField(info, 'used_memory'),
        usedMemoryRss: infoField(info, 'used_memory_rss'),
        opsPerSec: infoField(info, 'instantaneous_ops_per_sec'),
      });
    } catch {
      this.samples.push({ atMs, up: false, usedMemory: null, usedMemoryRss: null, opsPerSec: null });
    }
  }

  close(): void {
    this.client.disconnect();
  }
}

export class Sampler {
  readonly intervalMs: number;
  private readonly procs = new Map<string, ProcessTrack>();
  private readonly redis = new Map<string, RedisTrack>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(options: SamplerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1000;
    if (options.includeSelf ?? true) this.addProcess({ name: 'load-generator', role: 'load-generator', pid: process.pid });
    for (const p of options.processes ?? []) this.addProcess(p);
    for (const r of options.redis ?? []) this.addRedis(r);
  }

  addProcess(target: SampledProcess): void {
    this.procs.set(target.name, new ProcessTrack({ ...target }, this.intervalMs / 2));
  }

  /** After a restart (the kill test) the same name gets a new pid; its series continues. */
  setPid(name: string, pid: number): void {
    const track = this.procs.get(name);
    if (!track) throw new Error(`sampler has no process named "${name}"`);
    track.target.pid = pid;
  }

  addRedis(target: SampledRedis): void {
    if (!this.redis.has(target.name)) this.redis.set(target.name, new RedisTrack(target));
  }

  /** Starts sampling; the first tick runs at once so CPU figures exist after one interval. */
  start(): this {
    if (this.timer) return this;
    void this.tick();
    // A periodic reading that finds one still in progress (a slow INFO) is skipped, not queued.
    this.timer = setInterval(() => void (this.running ?? this.tick()), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /**
   * Takes one sample of everything now. A reading already in progress is waited for first, and
   * then a fresh one is taken: a cell's start and end marks always land, whatever the timer does.
   */
  async tick(): Promise<void> {
    while (this.running) await this.running;
    const atMs = Date.now();
    this.running = Promise.all([...[...this.procs.values()].map((p) => p.sample(atMs)), ...[...this.redis.values()].map((r) => r.sample(atMs))]).then(
      () => undefined,
    );
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const r of this.redis.values()) r.close();
  }

  /** Usage between two wall-clock instants; t in the series = seconds since fromMs. */
  window(fromMs: number, toMs: number): Resources {
    const inWindow = <T extends { atMs: number }>(s: T[]) => s.filter((x) => x.atMs > fromMs && x.atMs <= toMs + this.intervalMs / 2);
    const t = (atMs: number) => Math.round((atMs - fromMs) / 100) / 10;

    const processes: ProcessUsage[] = [...this.procs.values()].map((track) => {
      const samples = inWindow(track.samples);
      const series: ProcessPoint[] = samples.map((s) => ({ t: t(s.atMs), millicores: s.millicores, rssBytes: s.rssBytes }));
      return {
        name: track.target.name,
        role: track.target.role,
        pid: track.target.pid,
        peakMillicores: Math.max(0, ...series.map((p) => p.millicores)),
        meanMillicores: series.length ? Math.round(series.reduce((a, p) => a + p.millicores, 0) / series.length) : 0,
        peakRssBytes: Math.max(0, ...series.map((p) => p.rssBytes)),
        cpuSec: Math.round(samples.reduce((a, x) => a + x.cpuSec, 0) * 1000) / 1000,
        series,
      };
    });

    const redis: RedisUsage[] = [...this.redis.values()].map((track) => {
      const series: RedisPoint[] = inWindow(track.samples).map((s) => ({
        t: t(s.atMs),
        up: s.up,
        usedMemory: s.usedMemory,
        usedMemoryRss: s.usedMemoryRss,
        opsPerSec: s.opsPerSec,
      }));
      return {
        name: track.target.name,
        port: track.target.port,
        peakUsedMemory: Math.max(0, ...series.map((p) => p.usedMemory ?? 0)),
        peakUsedMemoryRss: Math.max(0, ...series.map((p) => p.usedMemoryRss ?? 0)),
        series,
      };
    });

    // The study's "max cpu" of the app: with 2 replicas, both pods together, per sampling instant.
    const appSeries = processes.filter((p) => p.role === 'app');
    let appPeakMillicores: number | null = null;
    if (appSeries.length) {
      const byInstant = new Map<number, number>();
      for (const p of appSeries) for (const point of p.series) byInstant.set(point.t, (byInstant.get(point.t) ?? 0) + point.millicores);
      appPeakMillicores = Math.max(0, ...byInstant.values());
    }

    const lg = processes.find((p) => p.role === 'load-generator');
    return {
      intervalMs: this.intervalMs,
      processes,
      redis,
      appPeakMillicores,
      loadGenerator: {
        meanMillicores: lg?.meanMillicores ?? 0,
        peakMillicores: lg?.peakMillicores ?? 0,
        bound: (lg?.meanMillicores ?? 0) >= LOAD_GENERATOR_BOUND_MILLICORES,
      },
    };
  }
}
