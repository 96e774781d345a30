// The figures' method without a server: spread and verdicts of alternated rounds, the HA write
// table over rounds, the kill test's split of acknowledged writes, and machine paths redacted.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haWrite } from '@app/scenarios';
import type { CellResult, RunResults } from '../results';
import { displayPath, hostInfo, redactPaths, writeResults } from '../results';
import { splitByPhase } from '../runs/kill';
import { allTables } from './tables';
import { haWriteRatio } from './tables/ha';
import { conclusions } from './conclusions';
import { ratioText, spreadOf, verdictAtLeast } from './spread';

describe('spread and verdicts', () => {
  it('gives median, min and max, and never "met" when the range crosses the target', () => {
    expect(spreadOf([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spreadOf([4, 1, 2, 3])!.median).toBe(2.5);
    expect(spreadOf([])).toBeNull();
    expect(verdictAtLeast(spreadOf([0.85, 0.9, 0.95])!, 0.8)).toBe('met');
    expect(verdictAtLeast(spreadOf([0.6, 0.7, 0.75])!, 0.8)).toBe('missed');
    expect(verdictAtLeast(spreadOf([0.75, 0.85, 0.9])!, 0.8)).toBe('not resolved');
    expect(ratioText(spreadOf([0.75, 0.85, 0.9]), 0.8)).toBe('0.85× (0.75–0.9×, 3 rounds; target >= 0.8×: not resolved)');
  });
});

/** A minimal ha-write cell of one variant and round with a given TPS. */
function haCell(variant: 'single' | 'mirrored-async' | 'mirrored-sync', round: number, tps: number): CellResult {
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
    timeline: [],
    resources: { intervalMs: 1000, processes: [], redis: [], appPeakMillicores: null, loadGenerator: { meanMillicores: 0, peakMillicores: 0, bound: false } },
    cpuPerRequest: { requests, appCpuSec: 1, redisCpuSec: 0.25, appUsPerRequest: Math.round(1e6 / requests), redisUsPerRequest: Math.round(2.5e5 / requests) },
    ha: { variant, agents: true },
    ...(variant === 'single' ? {} : { sync: { acked: requests, onBoth: requests, onlyA: 0, onlyB: 0, syncRatio: 1 } }),
    round,
    notes: [],
  };
}

function run(cells: CellResult[], notes: string[] = []): RunResults {
  const now = new Date().toISOString();
  return { schemaVersion: 1, runId: 'figures', profile: 'local', command: 'bench ha write --profile local', startedAt: now, finishedAt: now, host: hostInfo(), cells, redisBenchmark: [], notes };
}

describe('HA write over alternated rounds', () => {
  it('pairs each round with its own single-Redis cell and prints a crossing range as not resolved', () => {
    // Round ratios 0.95, 0.75, 0.85: median 0.85 above the 0.8 target, but the range crosses it.
    const cells = [
      haCell('single', 1, 1000), haCell('mirrored-async', 1, 950), haCell('mirrored-sync', 1, 500),
      haCell('single', 2, 1000), haCell('mirrored-async', 2, 750), haCell('mirrored-sync', 2, 520),
      haCell('single', 3, 1000), haCell('mirrored-async', 3, 850), haCell('mirrored-sync', 3, 480),
    ];
    const r = run(cells);
    expect(haWriteRatio(r, 'mirrored-async', 1000)).toEqual({ median: 0.85, min: 0.75, max: 0.95, n: 3 });
    const ha = allTables(r).find((t) => t.id === 'ha')!;
    const notes = ha.notes.join('\n');
    expect(notes).toContain('1000: 0.85× (0.75–0.95×, 3 rounds; target >= 0.8×: not resolved)');
    expect(notes).not.toMatch(/target >= 0\.8×: met/);
    expect(notes).toContain('interleaved over 3 rounds');
    const row = ha.rows.find((x) => x[0] === '1000')!;
    expect(row[2]).toContain('1000 (1000–1000, 3 rounds) / 3,000 (3,000–3,000, 3 rounds) / n/a');
    expect(row[3]).toContain('850 (750–950, 3 rounds)');
    expect(row[3]).toContain('CPU/req app');
    // Only the tables the run has: HA and the cell list, no study table of "–".
    expect(allTables(r).map((t) => t.id)).toEqual(['ha', 'cells']);
    expect(conclusions(r).find((c) => c.id === 'sync')!.verdict).toBe('holds');
  });
});

describe('kill test: acknowledged writes by phase', () => {
  it('splits by when the answer arrived: before the kill, while down, after the restart', () => {
    const acked = [
      { id: 'a', atSec: 1 },
      { id: 'b', atSec: 4.9 },
      { id: 'c', atSec: 5.2 },
      { id: 'd', atSec: 6.5 },
      { id: 'e', atSec: 9 },
    ];
    expect(splitByPhase(acked, 5, 6)).toEqual({ beforeKill: ['a', 'b'], whileDown: ['c'], afterRestart: ['d', 'e'] });
    expect(splitByPhase(acked, null, null).beforeKill).toHaveLength(5);
  });
});

describe('machine paths', () => {
  it('are written relative to the repository or reduced to their last name', () => {
    const root = '/work/repo';
    expect(displayPath('/work/repo/.run/stack', root)).toBe('./.run/stack');
    expect(displayPath('/opt/dynomite/bin/dynomite', root)).toBe('…/dynomite');
    const text = 'Measured on the stack in /work/repo/.run/stack; Dynomite: /opt/dynomite/bin/dynomite; GET /v1/departments at http://127.0.0.1:8080/v1/departments';
    expect(redactPaths(text, root)).toBe('Measured on the stack in ./.run/stack; Dynomite: …/dynomite; GET /v1/departments at http://127.0.0.1:8080/v1/departments');
  });

  it('never reach a results.json', () => {
    const dir = mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'paths-'));
    writeResults(dir, run([], [`stack in ${join(tmpdir(), 'somewhere', 'stack')}; binary /opt/x/bin/tool`]));
    const written = readFileSync(join(dir, 'results.json'), 'utf8');
    expect(written).not.toContain('/opt/x');
    expect(written).not.toContain(join(tmpdir(), 'somewhere'));
    expect(written).toContain('…/tool');
  });
});
