// bench scale --profile smoke through the built CLI, on a stack of its own (free BENCH_PORT_BASE,
// BENCH_RUN_DIR and BENCH_RESULTS_DIR in a temp folder): results.json parses against the schema,
// holds the scale family with every size of the profile and its floor, the report has its tables
// and charts and carries no machine path; the stack is stopped after. Behaviour only, never speed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROFILES } from '@app/scenarios';
import { isAlive, isPortFree, readPid } from '@app/procs';
import { readResults } from '../results';

const ROOT = resolve(__dirname, '../../../..');
const MAIN = join(ROOT, 'dist', 'apps', 'bench', 'src', 'main.js');
const tmp = mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'bench-scale-'));

async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Every port below the kernel's ephemeral range (32768-60999 here): a port in it can be taken
    // by an outgoing connection's local port between the free check and the listen (a dept-api of
    // the smoke stack failed with EADDRINUSE on 59282 that way). Bases 21000-24000: at most
    // base + 8112 = 32112.
    const base = 21000 + 100 * Math.floor(Math.random() * 31);
    const offsets = [3306, 6379, 6380, 6381, 6396, 8111, 8112, 2232, ...[0, 1, 2, 3].flatMap((i) => [8080 + i, 8090 + i])];
    if ((await Promise.all(offsets.map((o) => isPortFree(base + o)))).every(Boolean)) return base;
  }
  throw new Error('no free port range found for the bench scale test');
}

describe('bench scale --profile smoke', () => {
  let env: NodeJS.ProcessEnv;
  const runDir = join(tmp, 'stack');
  const resultsDir = join(tmp, 'results');
  const bench = (args: string[], timeoutMs = 240_000) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], { env, encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before these tests (CI builds first)`);
    env = { ...process.env, BENCH_PORT_BASE: String(await freeBase()), BENCH_RUN_DIR: runDir, BENCH_RESULTS_DIR: resultsDir };
    delete env.DYNOMITE_BIN;
  });

  afterAll(() => {
    bench(['stack', 'down'], 120_000);
    const file = join(runDir, 'services.json');
    const services = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { name: string; pidFile: string }[]) : [];
    expect(services.filter((s) => isAlive(readPid(s.pidFile))).map((s) => s.name)).toEqual([]);
  }, 150_000);

  it('has --help, and verify-docs passes on this repository through the CLI', () => {
    for (const cmd of ['scale', 'verify-docs']) {
      const r = bench([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: bench /);
    }
    const v = bench(['verify-docs']);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^verify-docs: \d+ citation\(s\), \d+ figure\(s\) .*all match their results\.json/);
  });

  it('needs the stack, and says how to start it', () => {
    const r = bench(['scale', '--profile', 'smoke']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the stack is not up .*stack up --replicas/);
    expect(existsSync(resultsDir) ? readdirSync(resultsDir) : []).toEqual([]);
  });

  it('measures every size beside its floor and writes tables and charts', () => {
    const up = bench(['stack', 'up', '--replicas', '1'], 150_000);
    if (up.code !== 0) throw new Error(`stack up failed:\n${up.stderr}`);
    const r = bench(['scale', '--profile', 'smoke'], 300_000);
    if (r.code !== 0) throw new Error(`bench scale exited ${r.code}:\n${r.stderr.slice(-3000)}`);
    const id = /^run (\S+)$/m.exec(r.stdout)![1];
    const dir = join(resultsDir, id);
    const results = readResults(dir); // validates against results.schema.json
    const s = results.scale!;
    const sizes = PROFILES.smoke.scale;
    for (const target of ['dept-api-cached', 'dept-api-mariadb', 'redis-benchmark']) {
      const points = s.get.filter((p) => p.target === target);
      expect(points.map((p) => p.rows)).toEqual(sizes.rows);
      for (const p of points) {
        expect(p.tps).toBeGreaterThan(0);
        expect(p.errors).toBe(0);
        expect(p.bytesPerSec).toBeGreaterThan(0);
        if (target !== 'redis-benchmark') expect(p.cpuUsPerRequest.app).not.toBeNull();
        expect(target === 'dept-api-mariadb' ? p.cpuUsPerRequest.mariadb : p.cpuUsPerRequest.redis).not.toBeNull();
      }
    }
    // The floor reads a value of the very bytes the API serves.
    for (const rows of sizes.rows) {
      const at = s.get.filter((p) => p.rows === rows);
      expect(new Set(at.map((p) => p.bodyBytes)).size).toBe(1);
    }
    expect(s.bootstrap.map((b) => b.keys)).toEqual(sizes.bootstrapKeys);
    for (const b of s.bootstrap) {
      expect(b.agentSyncRatio).toBe(1);
      expect(b.redisFullSyncMs).not.toBeNull();
      expect(b.redisFullSyncKeys).toBe(b.keys);
    }
    expect(typeof s.pinning.applied).toBe('boolean');
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('How cost grows: GET by rows');
    expect(md).toContain('How cost grows: HA bootstrap by keys');
    expect(readdirSync(join(dir, 'charts')).sort()).toEqual(['scale-bootstrap.svg', 'scale-get-bytes.svg', 'scale-get-tps.svg', 'scale-mariadb-tps.svg']);
    // Committable: no machine path in what the run wrote.
    for (const f of ['results.json', 'report.md']) expect(readFileSync(join(dir, f), 'utf8')).not.toContain(tmp);
  }, 500_000);
});
