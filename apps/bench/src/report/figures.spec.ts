// The figures' method without a server: spread and verdicts of alternated rounds, the HA write
// table over rounds, the kill test's split of acknowledged writes, and machine paths redacted.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayPath, redactPaths, writeResults } from '../results';
import { haCell, run } from './test-fixtures';
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
    // The statement is about sidecars: the mirrored pair's 100 % is shown, but it is not a sidecar.
    const sync = conclusions(r).find((c) => c.id === 'sync')!;
    expect(sync.verdict).toBe('not measured');
    expect(sync.ours).toContain('mirrored-async lowest 100 %');
    expect(notes).toContain('Mirrored pair (sync) / single Redis: 1000: 0.5× (0.48×–0.52×, 3 rounds) (no target).');
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
