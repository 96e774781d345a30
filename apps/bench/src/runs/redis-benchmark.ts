// redis-benchmark -q --csv -t get,set,lpush,lpop against each Redis variant of the stack and,
// when DYNOMITE_BIN is set, against a Redis directly and through a Dynomite in front of it (the
// study's "Redis direct (HA env)" and "through Dynomite :8102" rows). Request counts are bounded
// per profile (PROFILES[profile].redisBenchmarkRequests); every child process has a timeout and
// is stopped on Ctrl-C.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { PROFILES } from '@app/scenarios';
import type { Profile } from '@app/scenarios';
import { MissingBinaryError, dynomiteBin, dynomitePem, requireBinary, startDynomite } from '@app/procs';
import type { RedisBenchmarkResult, RedisBenchmarkTest } from '../results';
import { REDIS_VARIANTS, RedisVariant } from '../stack';
import { onAbort } from '../cli/abort';
import { runOnStack } from './frame';
import { Lab, withRedis } from './lab';

const TESTS = 'get,set,lpush,lpop';
/** Target names in results.json, as the report's study rows name them. */
const VARIANT_TARGET: Record<RedisVariant, string> = { 'redis-cache': 'redis', 'redis-aof': 'redis-aof', 'redis-always': 'redis-always' };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** redis-benchmark from REDIS_BENCHMARK_BIN or PATH; a missing one is a one-line error. */
export function redisBenchmarkBin(): string {
  const override = process.env.REDIS_BENCHMARK_BIN;
  if (override) {
    if (!executable(override)) throw new MissingBinaryError('redis-benchmark', `REDIS_BENCHMARK_BIN=${override} is not an executable file: fix the path or unset it`);
    return override;
  }
  return requireBinary('redis-benchmark');
}

/** Runs one redis-benchmark with a hard timeout; resolves its stdout. */
function runBenchmark(bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const release = onAbort(async () => {
      child.kill('SIGKILL');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      release();
      if (code === 0) resolvePromise(out);
      else reject(new Error(`redis-benchmark ${args.join(' ')} ${signal ? `was stopped (${signal}, limit ${timeoutMs / 1000} s)` : `exited ${code}`}: ${err.trim().split('\n').pop() ?? ''}`));
    });
  });
}

async function benchmarkTarget(lab: Lab, bin: string, target: string, port: number, n: number): Promise<RedisBenchmarkResult> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-q', '--csv', '-t', TESTS, '-n', String(n)];
  lab.log(`redis-benchmark ${target} on 127.0.0.1:${port} (-n ${n}) ...`);
  // At the study's slowest (9k rps, always) 4 tests x n requests; 20x that is the bound.
  const out = await runBenchmark(bin, args, Math.max(30_000, Math.ceil((4 * n) / 9000) * 20_000));
  const tests = parseRedisBenchmark(out);
  if (!['GET', 'SET', 'LPUSH', 'LPOP'].every((t) => tests[t])) throw new Error(`redis-benchmark against ${target} printed no result for every test:\n${out.slice(0, 400)}`);
  lab.log(`  ${Object.entries(tests).map(([t, x]) => `${t} ${Math.round(x.rps)} rps (p50 ${x.p50Ms} ms)`).join(', ')}`);
  return { target, command: `redis-benchmark ${args.join(' ').replace(String(port), `<${target} port>`)}`, tests };
}

/** Ports of the Dynomite row, apart from `bench ha`'s pairs so both can run on one stack. */
function dynomitePorts(lab: Lab) {
  const base = lab.stack.ports.mariadb - 3306;
  return { redis: base + 6396, listen: base + 8112, peer: base + 8111, stats: base + 2232 };
}

/**
 * `dynomite`: the binary (dynomiteBin(), checked before the run starts), or null to leave the
 * Dynomite rows out.
 */
export async function runRedisBenchmarks(lab: Lab, profile: Profile, bin: string, dynomite: string | null): Promise<RedisBenchmarkResult[]> {
  const n = PROFILES[profile].redisBenchmarkRequests;
  const variants = Object.keys(REDIS_VARIANTS) as RedisVariant[];
  lab.requireUp(['redis', 'redis-aof', 'redis-always'], 0);
  const out: RedisBenchmarkResult[] = [];
  for (const v of variants) {
    const port = lab.stack.ports.redis[v];
    out.push(await benchmarkTarget(lab, bin, VARIANT_TARGET[v], port, n));
    // Its keys (key:__rand_int__, mylist) would sit in the cache Redis: the next cell starts clean.
    await withRedis(port, (c) => c.flushall());
  }
  if (dynomite) out.push(...(await benchmarkDynomite(lab, bin, dynomite, n)));
  return out;
}

/** One Redis (AOF everysec, as the study's HA pods) and one Dynomite node in front of it. */
async function benchmarkDynomite(lab: Lab, bin: string, dynomite: string, n: number): Promise<RedisBenchmarkResult[]> {
  const p = dynomitePorts(lab);
  const redis = lab.stack.extraRedis('redis-dyn', p.redis, { persistence: 'everysec' });
  const dir = join(lab.stack.dir, 'dynomite-bench');
  const name = 'dynomite-bench';
  const stop = async () => {
    await lab.stack.stopService(name);
    await lab.stack.stopService(redis.name);
  };
  const release = onAbort(stop);
  try {
    await lab.stack.startRedis(redis, { empty: true });
    // The study's node 1 (study.md §5) reduced to one rack: no seeds, DC_ONE, data_store 0 = Redis.
    const started = await startDynomite(dynomite, name, dir, {
      datacenter: 'dc1',
      rack: 'rack1',
      listenPort: p.listen,
      peerPort: p.peer,
      statsPort: p.stats,
      redisPort: p.redis,
      pemFile: dynomitePem(dynomite, join(lab.stack.dir, 'dynomite')),
      consistency: 'DC_ONE',
    });
    lab.stack.registerProcess({ name, kind: 'dynomite', port: p.listen, pidFile: started.pidFile, logFile: started.logFile, url: `redis://127.0.0.1:${p.listen}` });
    const direct = await benchmarkTarget(lab, bin, 'redis-ha', p.redis, n);
    await withRedis(p.redis, (c) => c.flushall());
    const through = await benchmarkTarget(lab, bin, 'dynomite', p.listen, n);
    return [direct, through];
  } finally {
    await stop();
    release();
  }
}

/** bench redis-benchmark: the binaries are checked before anything starts. */
export async function runRedisBenchmark(profile: Profile): Promise<void> {
  const bin = redisBenchmarkBin();
  const dynomite = dynomiteBin();
  await runOnStack('redis-benchmark', profile, async (lab, rec) => {
    rec.redisBenchmark.push(...(await runRedisBenchmarks(lab, profile, bin, dynomite)));
  });
}

/**
 * redis-benchmark's output as RedisBenchmarkResult.tests: the quiet form
 * ("SET: 181818.19 requests per second, p50=0.255 msec") and the --csv form (header
 * "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms").
 */
export function parseRedisBenchmark(output: string): Record<string, RedisBenchmarkTest> {
  const tests: Record<string, RedisBenchmarkTest> = {};
  const lines = output.split(/\r?\n/);
  const csvHeader = lines.findIndex((l) => /^"test","rps"/.test(l.trim()));
  if (csvHeader >= 0) {
    const cols = lines[csvHeader].trim().split(',').map((c) => c.replace(/"/g, ''));
    const at = (name: string) => cols.indexOf(name);
    for (const line of lines.slice(csvHeader + 1)) {
      if (!line.trim()) continue;
      const v = line.trim().split(',').map((c) => c.replace(/"/g, ''));
      const num = (name: string) => (at(name) >= 0 && v[at(name)] !== undefined ? Number(v[at(name)]) : null);
      // "LPUSH (needed to benchmark LRANGE)" and similar keep their first word.
      tests[v[0].split(' ')[0].toUpperCase()] = { rps: num('rps') ?? 0, p50Ms: num('p50_latency_ms'), p95Ms: num('p95_latency_ms'), p99Ms: num('p99_latency_ms') };
    }
    return tests;
  }
  // The quiet form may carry carriage-return progress updates; the last segment is the result.
  for (const raw of lines) {
    const line = raw.split('\r').pop()!.trim();
    const m = /^([A-Za-z_ ]+?)(?: \([^)]*\))?: ([\d.]+) requests per second(?:, p50=([\d.]+) msec)?/.exec(line);
    if (m) tests[m[1].split(' ')[0].toUpperCase()] = { rps: Number(m[2]), p50Ms: m[3] ? Number(m[3]) : null, p95Ms: null, p99Ms: null };
  }
  return tests;
}
