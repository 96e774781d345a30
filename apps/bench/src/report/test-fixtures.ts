// Results built by hand for the report's tests (figures.spec.ts, report.browser.spec.ts): cells
// with the shape the executor writes, without running any load.
import { SCENARIOS, haWrite } from '@app/scenarios';
import type { CellResult, RunResults } from '../results';
import { hostInfo } from '../results';

/** A minimal ha-write cell of one variant and round with a given TPS. */
export function haCell(variant: 'single' | 'mirrored-async' | 'mirrored-sync', round: number, tps: number): CellResult {
  const base = haWrite.cells('smoke').find((c) => c.topology === (variant === 'single' ? 'write-only' : 'mirrored') && c.studyRow.vUsers === 1000)!;
  const requests = Math.round(tps * 3);
  return {
    cell: { ...base, id: variant === 'mirrored-sync' ? `${base.id}/sync` : base.id, durationSec: 3 },
    executor: 'autocannon',
    loadGenerator: 'autocannon 9.0.0',
    baseUrls: ['http://127.0.0.1:1'],
    startedAt: new Date().toISOString(),
    runTag: 'abcd',
    seed: 1,
    durationSec: 3,
    totals: { requests, ok: requests, answered: 0, errors: 0, errorPct: 0, tps, okTps: tps, peakTps: tps, bytesRead: 0 },
    errors: { byStatus: {}, answeredByStatus: {}, timeouts: 0, connection: {}, checkFailed: {}, checksRun: { quick: 0, full: 0 } },
    latencyMs: { p50: 1, p95: 2, p99: 3, max: 4, mean: 1 },
    timeline: [0, 1, 2].map((t) => ({ t, ok: tps, answered: 0, errors: 0, non2xx: 0, timeouts: 0, connection: 0, checkFailed: 0 })),
    resources: { intervalMs: 1000, processes: [], redis: [], appPeakMillicores: null, loadGenerator: { meanMillicores: 0, peakMillicores: 0, bound: false } },
    cpuPerRequest: { requests, appCpuSec: 1, redisCpuSec: 0.25, appUsPerRequest: Math.round(1e6 / requests), redisUsPerRequest: Math.round(2.5e5 / requests) },
    ha: { variant, agents: true },
    ...(variant === 'single' ? {} : { sync: { acked: requests, onBoth: requests, onlyA: 0, onlyB: 0, syncRatio: 1 } }),
    round,
    notes: [],
  };
}

/** A kill cell (POST, AOF everysec) with acknowledged writes split by phase. */
export function killCell(): CellResult {
  const base = SCENARIOS.kill.cells('smoke').find((c) => c.method === 'POST' && c.backend === 'redis-aof')!;
  const c = haCell('single', 1, 900);
  const timeline = [900, 880, 0, 300, 870, 900].map((ok, t) => ({ t, ok, answered: 0, errors: ok ? 0 : 400, non2xx: ok ? 0 : 400, timeouts: 0, connection: 0, checkFailed: 0 }));
  return {
    ...c,
    cell: { ...base, durationSec: 6, killAtSec: 2, restartDelaySec: 1 },
    ha: undefined,
    round: undefined,
    timeline,
    kill: { killAtSec: 2, restartAtSec: 3.1, baselineTps: 890, minTps: 0, dipAtSec: 2, dipPct: 100, recoverySec: 2 },
    durability: {
      acked: 3850, present: 3850, lost: 0, lostPct: 0,
      beforeKill: { acked: 1780, present: 1780, lost: 0, lostPct: 0 },
      whileDown: { acked: 0, present: 0, lost: 0, lostPct: 0 },
      afterRestart: { acked: 2070, present: 2070, lost: 0, lostPct: 0 },
    },
  };
}

export function run(cells: CellResult[], notes: string[] = []): RunResults {
  const now = new Date().toISOString();
  return { schemaVersion: 1, runId: 'figures', profile: 'local', command: 'bench ha write --profile local', startedAt: now, finishedAt: now, host: hostInfo(), cells, redisBenchmark: [], notes };
}
