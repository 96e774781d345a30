// Smoke test of the built CLI's HA runs (`npm run build` first; CI builds before testing): each run
// on its own port range (BENCH_PORT_BASE, below the ephemeral range and away from the default
// 20000) and throwaway run/results folders, so it never touches a user's stack. Checks that
// results.json validates and its figures agree with each other; the measured values themselves
// are not asserted.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateResults } from '../apps/bench/src/results/schema';
import type { CellResult, RunResults } from '../apps/bench/src/results/model';

const MAIN = join(__dirname, '..', 'dist', 'apps', 'bench', 'src', 'main.js');
const root = mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'bench-ha-'));
const dynomite = !!process.env.DYNOMITE_BIN;

function bench(args: string[], timeoutMs: number): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      {
        timeout: timeoutMs,
        env: {
          ...process.env,
          BENCH_PORT_BASE: '14000',
          BENCH_RUN_DIR: join(root, 'run'),
          BENCH_RESULTS_DIR: join(root, 'results'),
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function latestResults(prefix: string): RunResults {
  const dirs = readdirSync(join(root, 'results')).filter((d) => d.includes(prefix)).sort();
  expect(dirs.length).toBeGreaterThan(0);
  const dir = join(root, 'results', dirs[dirs.length - 1]);
  expect(existsSync(join(dir, 'report.md'))).toBe(true);
  return validateResults(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')));
}

function consistent(r: CellResult): void {
  const t = r.totals;
  expect(t.requests).toBe(t.ok + t.answered + t.errors);
  expect(t.tps).toBeCloseTo((t.ok + t.answered) / r.durationSec, 0);
  expect(r.timeline.reduce((n, p) => n + p.ok, 0)).toBeLessThanOrEqual(t.ok);
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before the tests`);
});

describe('bench ha (built CLI, smoke profile)', () => {
  it('ha --help lists the runs', async () => {
    const res = await bench(['ha', '--help'], 20_000);
    expect(res.code).toBe(0);
    for (const cmd of ['up', 'down', 'write', 'kill', 'commands', 'sync-check']) expect(res.stdout).toContain(cmd);
  });

  it('ha write: one row of the HA table per variant, sync over the acknowledged keys', async () => {
    const variants = ['single', 'mirrored-async', 'mirrored-sync', ...(dynomite ? ['dynomite'] : [])];
    const res = await bench(['ha', 'write', '--profile', 'smoke', '--vusers', '1000', '--duration', '2', '--variant', ...variants], 120_000);
    expect(res.stderr).not.toMatch(/^bench: /m);
    expect(res.code).toBe(0);
    const results = latestResults('-ha-write-smoke');
    expect(results.cells.map((c) => c.ha?.variant)).toEqual(variants);
    for (const c of results.cells) {
      consistent(c);
      expect(c.cell.scenario).toBe('ha-write');
      if (c.ha!.variant === 'single') {
        expect(c.sync).toBeUndefined();
        continue;
      }
      const s = c.ha!.ackedSync!;
      // Every acknowledged POST wrote its own key: acknowledged ids = ok answers.
      expect(s.acked).toBe(c.totals.ok);
      expect(s.equalOnBoth + s.onlyA + s.onlyB + s.missing + s.different).toBe(s.acked);
      expect(c.sync!.syncRatio).toBeCloseTo(s.acked ? s.equalOnBoth / s.acked : 1, 5);
      expect(c.ha!.keyspace!.keysA).toBeGreaterThanOrEqual(s.equalOnBoth + s.onlyA + s.different);
    }
    const report = readFileSync(join(root, 'results', readdirSync(join(root, 'results')).filter((d) => d.includes('-ha-write-smoke')).sort().pop()!, 'report.md'), 'utf8');
    expect(report).toContain('mirrored pair, sync (ours)');
  }, 150_000);

  it('ha kill: the mirrored pair with the agent, and bootstrap timing', async () => {
    const res = await bench(['ha', 'kill', '--profile', 'smoke', '--topology', 'mirrored', '--agent', 'with', '--sizes', '2000'], 150_000);
    expect(res.stderr).not.toMatch(/^bench: /m);
    expect(res.code).toBe(0);
    const results = latestResults('-ha-kill-smoke');
    expect(results.cells.map((c) => c.ha?.part)).toEqual(['read', 'write']);
    for (const c of results.cells) {
      consistent(c);
      const k = c.ha!.kill!;
      expect(k.restartAtSec).not.toBeNull();
      expect(k.restartAtSec!).toBeGreaterThan(k.killAtSec);
      expect(k.failedAfterKill).toBeLessThanOrEqual(c.totals.errors);
      expect(c.kill).toBeDefined();
      expect(c.ha!.agents).toBe(true);
    }
    const write = results.cells[1];
    expect(write.ha!.ackedSync!.acked).toBe(write.totals.ok);
    const boot = results.ha!.bootstrap!;
    expect(boot.map((p) => p.keys)).toEqual([2000]);
    // The agent copied the filled node into the empty one; "ready after restart" includes the bootstrap.
    expect(boot[0].bootstrapMs).not.toBeNull();
    expect(boot[0].keysAfter).toBe(2000);
    expect(boot[0].syncRatio).toBe(1);
    expect(boot[0].readyAfterRestartMs!).toBeGreaterThanOrEqual(boot[0].bootstrapMs!);
  }, 180_000);

  it('ha commands: every probe answered, closed or timed out, none crashed the run', async () => {
    const res = await bench(['ha', 'commands', '--profile', 'smoke'], 90_000);
    expect(res.stderr).not.toMatch(/^bench: /m);
    expect(res.code).toBe(0);
    const probes = latestResults('-ha-commands-smoke').ha!.commands!;
    const paths = [...new Set(probes.map((p) => p.path))];
    expect(paths.length).toBe(dynomite ? 3 : 2);
    for (const path of paths) expect(probes.filter((p) => p.path === path).map((p) => p.command)).toEqual(['KEYS', 'HELLO', 'INFO', 'FLUSHALL', 'MULTI/EXEC', 'HSET multi-field']);
    // A plain Redis answers all six.
    expect(probes.filter((p) => p.path === 'direct Redis').every((p) => p.outcome === 'reply')).toBe(true);
  }, 120_000);
});
