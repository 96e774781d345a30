// wrk (Debian's `wrk`, C, one epoll loop per thread) as api-overhead's load generator, as issue 10
// measured with it. The bench's own autocannon spends about 50 µs of CPU per request: at 1000 rows
// it filled its core (the measure was the load generator's), and with Redis on its core
// (`--redis-with load-generator`) the two filled it at every size, so the servers waited on it
// (docs/bench-runs.md, "Where Redis runs"). wrk costs a fraction of that. It sends what the
// scenario's request spec sends: the same method, path and headers, and for the POST the body of
// the same generator (written in Lua below); an answer other than 2xx or 3xx is an error.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cell, RequestSpec } from '@app/scenarios';
import { runTagFromSeed, scenarioFor } from '@app/scenarios';
import { requireBinary } from '@app/procs';
import type { LatencyMs, Resources, Totals } from '../results';
import { LOAD_GENERATOR_BOUND_MILLICORES } from '../load';
import type { Sampler } from '../load';

export type OverheadLoadGenerator = 'wrk' | 'autocannon';
export const LOAD_GENERATORS: readonly OverheadLoadGenerator[] = ['wrk', 'autocannon'];

/** One measure of load, in the shape api-overhead sums over slices (a CellResult is one too). */
export interface SliceLoad {
  durationSec: number;
  totals: Pick<Totals, 'requests' | 'ok' | 'errors' | 'tps'>;
  latencyMs: Pick<LatencyMs, 'p50' | 'p99'>;
  resources: Resources;
}

/** What wrk printed: the answers, the non-2xx/3xx ones, socket errors, the elapsed time, latency percentiles (ms). */
export interface WrkOutput {
  requests: number;
  durationSec: number;
  non2xx: number;
  socketErrors: number;
  latencyMs: Record<'50' | '75' | '90' | '99', number>;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Parses `wrk --latency` output; throws with the text when a line it needs is missing. */
export function parseWrk(out: string): WrkOutput {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(out);
  if (!total) throw new Error(`wrk printed no "requests in" line:\n${out.trim()}`);
  const latency = {} as WrkOutput['latencyMs'];
  for (const p of ['50', '75', '90', '99'] as const) {
    const m = new RegExp(`^\\s*${p}(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`wrk printed no ${p}% latency (run it with --latency):\n${out.trim()}`);
    latency[p] = Math.round(Number(m[1]) * UNIT_MS[m[2]] * 1000) / 1000;
  }
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    requests: Number(total[1]),
    durationSec: (Number(total[2]) * UNIT_MS[total[3]]) / 1000,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((a, n) => a + Number(n), 0) : 0,
    latencyMs: latency,
  };
}

const luaString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/**
 * The wrk Lua script for a scenario's request: method, headers, and for a body the generator the
 * spec names, in Lua. Only the bodies api-overhead sends are known here: the study's random
 * generator (`studyBody`) and the unique one (`uniqueBody`, one VU per wrk thread, `u<tag>-<vu>-<n>`);
 * anything else is refused rather than sent differently. No `response` function: with one, wrk
 * parses every answer in Lua and costs what this file exists to save; wrk counts answers other than
 * 2xx and 3xx itself, and the spec's ok statuses (200, 201) are 2xx.
 */
export function wrkScript(spec: RequestSpec, cell: Pick<Cell, 'idMode' | 'payloadExtraBytes'>, runTag: string): string {
  const lines = [`wrk.method = ${luaString(spec.method)}`];
  for (const [k, v] of Object.entries(spec.headers)) lines.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`);
  if (spec.body) {
    if (cell.payloadExtraBytes) throw new Error('wrk: bodies with extra payload bytes are not written in Lua; use --load-generator autocannon');
    if (cell.idMode === 'random') {
      lines.push(
        'math.randomseed(os.time())',
        'request = function()',
        `  local body = string.format('{"deptNo":"t%04d","deptName":"test_%06d"}', math.random(0, 9999), math.random(0, 999999))`,
        '  return wrk.format(nil, nil, nil, body)',
        'end',
      );
    } else {
      // The prefix the spec's own generator writes (`u` for POST /api/departmentRedises).
      const sample = JSON.parse(spec.body({ rand: Math.random, vu: 1, iter: 1, runTag, payloadExtraBytes: 0 })) as { deptNo: string };
      const prefix = sample.deptNo.slice(0, sample.deptNo.indexOf(runTag));
      if (`${prefix}${runTag}-1-1` !== sample.deptNo) throw new Error(`wrk: the body generator of ${spec.name} is not one wrk knows`);
      lines.push(
        'local n = 0',
        'local vu = 0',
        'local counter = 0',
        'setup = function(thread) counter = counter + 1; thread:set("vu", counter) end',
        'init = function() vu = wrk.thread:get("vu") or 1 end',
        'request = function()',
        '  n = n + 1',
        `  local body = string.format('{"deptNo":"${prefix}${runTag}-%d-%d","deptName":"test_${runTag}_%d_%d"}', vu, n, vu, n)`,
        '  return wrk.format(nil, nil, nil, body)',
        'end',
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** One shell word, single-quoted. */
const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;

function ticksOfShell(stat: string): number {
  // /proc/<pid>/stat of the shell after wrk exited: fields 16 and 17 (cutime, cstime), the CPU of
  // the children it waited for, that is wrk's.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[13]) + Number(f[14]);
}

/**
 * One slice of wrk load against `baseUrl`, sampled by `sampler` (the servers and Redis). wrk's CPU
 * comes from its parent shell's cutime + cstime; its mean over the slice is the load generator's.
 * `path` replaces the scenario's path (bench api-layers: the same request to another route).
 */
export async function runWrk(cell: Cell, baseUrl: string, durationSec: number, sampler: Sampler, hz: number, path?: string): Promise<SliceLoad> {
  const spec = scenarioFor(cell).request(cell);
  const dir = mkdtempSync(join(tmpdir(), 'wrk-'));
  const script = join(dir, 'request.lua');
  writeFileSync(script, wrkScript(spec, cell, runTagFromSeed(Date.now())));
  // wrk takes whole seconds: it runs one second longer and is stopped with SIGINT at the slice's
  // end (it then prints what it measured, over the time it actually ran).
  const args = ['-t1', `-c${cell.vUsers}`, `-d${Math.ceil(durationSec) + 1}s`, '--latency', '-s', script, `${baseUrl}${path ?? spec.path}`];
  // The shell forwards SIGUSR1 to wrk as SIGINT, waits for it to exit (a trapped signal ends the
  // first wait early), and prints its own stat last: its cutime + cstime are wrk's CPU.
  const quoted = args.map(quote).join(' ');
  const cmd = `${quote(requireBinary('wrk'))} ${quoted} & w=$!; trap 'kill -INT $w' USR1; wait $w; s=$?; if [ $s -gt 128 ]; then wait $w; s=$?; fi; cat /proc/$$/stat; exit $s`;
  await sampler.tick();
  const t0 = Date.now();
  const child = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const stop = setTimeout(() => child.kill('SIGUSR1'), durationSec * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(stop);
  const t1 = Date.now();
  await sampler.tick();
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`wrk failed (exit ${code}): ${err.trim() || out.trim()}`);
  const w = parseWrk(out);
  const statLine = out.trim().split('\n').pop()!;
  const wrkCpuSec = ticksOfShell(statLine) / hz;
  const resources = sampler.window(t0, t1);
  const meanMillicores = Math.round((wrkCpuSec * 1000) / Math.max(w.durationSec, 0.001));
  resources.loadGenerator = { meanMillicores, peakMillicores: meanMillicores, bound: meanMillicores >= LOAD_GENERATOR_BOUND_MILLICORES };
  const errors = w.non2xx + w.socketErrors;
  const ok = Math.max(0, w.requests - w.non2xx);
  return {
    durationSec: Math.round(w.durationSec * 1000) / 1000,
    totals: { requests: w.requests, ok, errors, tps: Math.round((ok / w.durationSec) * 1000) / 1000 },
    latencyMs: { p50: w.latencyMs['50'], p99: w.latencyMs['99'] },
    resources,
  };
}
