// issue 2's measure: how much of the cached GET's cost is dept-api (NestJS on Fastify) rather
// than HTTP + Redis. The same autocannon settings against a bare Fastify + ioredis process and
// against dept-redis (one process each), at 10 and 1000 rows, both serving the one cached string.
// Sizes: PROFILES[profile].apiOverhead; rounds alternate bare and dept-api so drift on a shared
// host (other processes, CPU frequency) hits both alike; the ratios use each side's median.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CacheKeys } from '@app/departments';
import { PROFILES, SCENARIOS } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import { freePort } from '@app/procs';
import type { ApiOverhead, ApiOverheadMeasurement, CellResult } from '../results';
import { StackError } from '../stack';
import { onAbort } from '../cli/abort';
import { runOnStack } from './frame';
import { Lab } from './lab';

export const OVERHEAD_TARGETS = { deptVsBare10: 0.7, rows1000Vs10: 0.25 };

const BARE_MAIN = join(__dirname, 'bare-server.js');

/** Starts the bare server and resolves once it prints "ready"; it exits when our stdin pipe closes. */
async function startBare(port: number, redisPort: number): Promise<ChildProcess> {
  if (!existsSync(BARE_MAIN)) throw new StackError(`${BARE_MAIN} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [BARE_MAIN, String(port), String(redisPort)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bare-server did not start within 15 s: ${err.trim()}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bare-server exited (${code}) at start: ${err.trim()}`));
    });
  });
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
    child.kill('SIGTERM');
  });
}

/** The middle value (the mean of the two middle ones for an even count); undefined when empty. */
export function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? Math.round((a / b) * 1000) / 1000 : null);

export async function measureApiOverhead(lab: Lab, profile: Profile): Promise<ApiOverhead> {
  const size = PROFILES[profile].apiOverhead;
  lab.requireUp(['redis'], 1);
  const redisPort = lab.stack.ports.redis['redis-cache'];
  const barePort = await freePort();
  const bare = await startBare(barePort, redisPort);
  const release = onAbort(() => stopChild(bare));
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const deptUrl = lab.stack.apiUrl('redis', 0);
  const measurements: ApiOverheadMeasurement[] = [];
  const base = SCENARIOS['get-departments'].cells(profile).find((c) => c.backend === 'redis' && c.studyRow.replicas === 1)!;
  try {
    let index = 0;
    for (const rows of [10, 1000]) {
      const cell: Cell = { ...base, id: `api-overhead/rows${rows}`, rows, vUsers: size.connections, durationSec: size.durationSec, replicas: 1, studyRow: { ...base.studyRow, rows } };
      await lab.prepare(cell, [deptUrl]);
      // Both must send the very same bytes, or the comparison means nothing.
      const [a, b] = await Promise.all([bareUrl, deptUrl].map((u) => fetch(`${u}/v1/departments`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text())));
      if (a !== b) throw new Error(`bare-server and dept-api answer differently at ${rows} rows (${a.length} vs ${b.length} bytes)`);
      const plan = Array.from({ length: size.rounds }, (_, i) => [[i + 1, 'bare', bareUrl], [i + 1, 'dept-api', deptUrl]] as const).flat();
      for (const [round, target, url] of plan) {
        const sampler = lab.sampler(cell, [{ name: 'bare-server', role: 'other', pid: bare.pid! }]);
        let r: CellResult;
        try {
          r = await lab.run({ ...cell, id: `${cell.id}/${target}/round${round}` }, ++index, 4 * size.rounds, sampler, {}, [url]);
        } finally {
          await sampler.stop();
        }
        const server = r.resources.processes.find((p) => p.name === (target === 'bare' ? 'bare-server' : lab.stack.apiName('redis', 0)))!;
        const redisProc = r.resources.processes.find((p) => p.role === 'redis');
        measurements.push({
          target,
          rows,
          round,
          url,
          durationSec: r.durationSec,
          requests: r.totals.requests,
          ok: r.totals.ok,
          errors: r.totals.errors,
          tps: r.totals.tps,
          p50Ms: r.latencyMs.p50,
          p99Ms: r.latencyMs.p99,
          meanMillicores: server.meanMillicores,
          peakMillicores: server.peakMillicores,
          peakRssBytes: server.peakRssBytes,
          redisMeanMillicores: redisProc?.meanMillicores ?? 0,
          loadGeneratorMeanMillicores: r.resources.loadGenerator.meanMillicores,
        });
      }
    }
  } finally {
    await stopChild(bare);
    release();
  }
  const tps = (target: string, rows: number) => median(measurements.filter((m) => m.target === target && m.rows === rows).map((m) => m.tps));
  const ratios = {
    deptVsBare10: ratio(tps('dept-api', 10), tps('bare', 10)),
    deptVsBare1000: ratio(tps('dept-api', 1000), tps('bare', 1000)),
    rows1000Vs10: ratio(tps('dept-api', 1000), tps('dept-api', 10)),
  };
  return {
    connections: size.connections,
    durationSec: size.durationSec,
    rounds: size.rounds,
    redisKey: CacheKeys.findAll,
    measurements,
    ratios,
    targets: { ...OVERHEAD_TARGETS },
    met: {
      deptVsBare10: ratios.deptVsBare10 !== null && ratios.deptVsBare10 >= OVERHEAD_TARGETS.deptVsBare10,
      rows1000Vs10: ratios.rows1000Vs10 !== null && ratios.rows1000Vs10 >= OVERHEAD_TARGETS.rows1000Vs10,
    },
  };
}

/** bench api-overhead: the measurements and the ratios against their targets, printed at the end. */
export async function runApiOverhead(profile: Profile): Promise<void> {
  let o!: ApiOverhead;
  await runOnStack('api-overhead', profile, async (lab, rec) => {
    o = rec.apiOverhead = await measureApiOverhead(lab, profile);
  });
  for (const m of o.measurements) console.log(`  ${m.target.padEnd(8)} ${String(m.rows).padStart(4)} rows, round ${m.round}: ${Math.round(m.tps)} TPS, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, server CPU ${m.meanMillicores}m`);
  console.log(`  dept-api / bare at 10 rows: ${o.ratios.deptVsBare10 ?? 'n/a'} (target >= ${o.targets.deptVsBare10}: ${o.met.deptVsBare10 ? 'met' : 'missed'})`);
  console.log(`  dept-api / bare at 1000 rows: ${o.ratios.deptVsBare1000 ?? 'n/a'}`);
  console.log(`  dept-api 1000 rows / 10 rows: ${o.ratios.rows1000Vs10 ?? 'n/a'} (target >= ${o.targets.rows1000Vs10}: ${o.met.rows1000Vs10 ? 'met' : 'missed'})`);
}
