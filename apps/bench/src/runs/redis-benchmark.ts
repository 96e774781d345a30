// redis-benchmark -q --csv -t get,set,lpush,lpop against each Redis variant of the stack and,
// when DYNOMITE_BIN is set, against a Redis directly and through a Dynomite in front of it (the
// study's "Redis direct (HA env)" and "through Dynomite :8102" rows). Request counts are bounded
// per profile; every child process has a timeout and is stopped on Ctrl-C.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Profile } from '@app/scenarios';
import { MissingBinaryError, assertPortFree, canConnect, isAlive, readPid, requireBinary, spawnDaemon, waitFor } from '@app/procs';
import { parseRedisBenchmark } from '../report';
import type { RedisBenchmarkResult } from '../report';
import { REDIS_VARIANTS, RedisVariant } from '../stack';
import { UserError, onAbort } from '../cli-kit';
import { Lab, withRedis } from './lab';

/** -n per test: bounded so the whole run takes seconds (the study did not state its -n). */
export const BENCHMARK_REQUESTS: Record<Profile, number> = { smoke: 2000, local: 20000, study: 100000 };
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

export interface DynomiteSetup {
  bin: string;
  pem: string;
}

/**
 * DYNOMITE_BIN (optional): the binary, and a PEM key file Dynomite insists on loading even with
 * secure_server_option none (DYNOMITE_PEM, else conf/dynomite.pem beside the binary's folder).
 */
export function dynomiteSetup(): DynomiteSetup | null {
  const bin = process.env.DYNOMITE_BIN;
  if (!bin) return null;
  if (!executable(bin)) throw new MissingBinaryError('dynomite', `DYNOMITE_BIN=${bin} is not an executable file: point it at the dynomite binary (e.g. /opt/dynomite/bin/dynomite) or unset it to skip the Dynomite rows`);
  const pem = resolve(process.env.DYNOMITE_PEM ?? join(dirname(bin), '..', 'conf', 'dynomite.pem'));
  if (!existsSync(pem)) {
    throw new UserError(`Dynomite needs a pem_key_file and ${pem} does not exist: set DYNOMITE_PEM to a key file (e.g. \`openssl genrsa -out dynomite.pem 2048\`)`);
  }
  return { bin, pem };
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

export async function runRedisBenchmarks(lab: Lab, profile: Profile, bin: string, dynomite: DynomiteSetup | null): Promise<RedisBenchmarkResult[]> {
  const n = BENCHMARK_REQUESTS[profile];
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
async function benchmarkDynomite(lab: Lab, bin: string, dyn: DynomiteSetup, n: number): Promise<RedisBenchmarkResult[]> {
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
    await assertPortFree(p.listen, 'dynomite client port');
    await assertPortFree(p.peer, 'dynomite peer port');
    await assertPortFree(p.stats, 'dynomite stats port');
    await lab.stack.startRedis(redis, { empty: true });
    const conf = join(dir, 'dynomite.yml');
    const log = join(dir, 'dynomite.log');
    const pidFile = join(dir, 'pid');
    // The study's node 1 (study.md §5) reduced to one rack: no seeds, DC_ONE, data_store 0 = Redis.
    const yml = [
      'dyn_o_mite:',
      '  datacenter: dc1',
      '  rack: rack1',
      `  listen: 127.0.0.1:${p.listen}`,
      `  dyn_listen: 127.0.0.1:${p.peer}`,
      `  stats_listen: 127.0.0.1:${p.stats}`,
      '  dyn_seed_provider: simple_provider',
      '  servers:',
      `  - 127.0.0.1:${p.redis}:1`,
      "  tokens: '0'",
      '  data_store: 0',
      '  secure_server_option: none',
      `  pem_key_file: ${dyn.pem}`,
      '  read_consistency: DC_ONE',
      '  write_consistency: DC_ONE',
      '',
    ].join('\n');
    mkdirSync(dir, { recursive: true });
    writeFileSync(conf, yml);
    spawnDaemon(dyn.bin, ['-c', conf], { logFile: log, pidFile });
    lab.stack.registerProcess({ name, kind: 'dynomite', port: p.listen, pidFile, logFile: log, url: `redis://127.0.0.1:${p.listen}` });
    await waitFor(`dynomite on 127.0.0.1:${p.listen} (log: ${log})`, async () => {
      if (!isAlive(readPid(pidFile))) throw new Error(`dynomite exited at start; see ${log}`);
      return canConnect(p.listen);
    }, 15_000);
    const direct = await benchmarkTarget(lab, bin, 'redis-ha', p.redis, n);
    await withRedis(p.redis, (c) => c.flushall());
    const through = await benchmarkTarget(lab, bin, 'dynomite', p.listen, n);
    return [direct, through];
  } finally {
    await stop();
    release();
  }
}
