// bench verify-docs: the repository's own README.md and docs/*.md hold (CI runs this), and the
// check catches each way a citation can go wrong, on a throwaway repository.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunResults } from '../results';
import { figureMatches, resolvePath, verifyDocs } from './verify-docs';

const ROOT = resolve(__dirname, '../../../..');

const run: RunResults = {
  schemaVersion: 1,
  runId: '20261201-000000-scale-local',
  profile: 'local',
  command: 'bench scale --profile local',
  startedAt: '2026-12-01T00:00:00.000Z',
  finishedAt: '2026-12-01T00:05:00.000Z',
  host: { cpus: 2, cpuModel: 'test', memBytes: 1, node: 'v20', platform: 'linux x64' },
  cells: [],
  redisBenchmark: [],
  notes: [],
  scale: {
    connections: 50,
    durationSec: 8,
    redisBenchmarkRequests: 20000,
    pinning: { applied: true, loadGenerator: '1', servers: '0', note: 'pinned' },
    get: [10, 1000].map((rows) => ({
      target: 'dept-api-cached' as const,
      rows,
      bodyBytes: rows * 50,
      durationSec: 8,
      requests: 1000,
      errors: 0,
      tps: rows === 10 ? 31416.4 : 2436.2,
      bytesPerSec: 1048576 * 3.14,
      p50Ms: 1,
      p99Ms: 2,
      cpuUsPerRequest: { app: 30.5, redis: 4, mariadb: null, loadGenerator: 20 },
    })),
    bootstrap: [],
  },
};

describe('bench verify-docs', () => {
  it("the repository's README.md and docs/*.md: every cited figure matches its committed results.json", () => {
    const r = verifyDocs(ROOT);
    expect(r.problems).toEqual([]);
    expect(r.files).toEqual(expect.arrayContaining(['README.md', 'docs/bench-runs.md', 'docs/ha.md']));
    expect(r.figures).toBeGreaterThan(0);
  });

  describe('on a throwaway repository', () => {
    let root: string;
    const doc = (text: string) => writeFileSync(join(root, 'docs', 'bench-runs.md'), text);
    const messages = () => verifyDocs(root).problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
    const cite = (pairs: string) => `<!-- results: docs/results/scale-local ${pairs} -->`;

    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'verify-docs-'));
      mkdirSync(join(root, 'docs', 'results', 'scale-local'), { recursive: true });
      writeFileSync(join(root, 'docs', 'results', 'scale-local', 'results.json'), JSON.stringify(run));
      writeFileSync(join(root, 'README.md'), '# lab\n');
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('a figure that matches, with its command named, passes', () => {
      doc(`\`npm run bench -- scale --profile local\`: 31,416 TPS ${cite('scale.get[target=dept-api-cached][rows=10].tps=31416')}, 2.4k at 1000 rows ${cite('scale.get[rows=1000].tps=2.4k')}, 3.1 MiB/s ${cite('scale.get.0.bytesPerSec=3.1Mi')}\n`);
      expect(messages()).toEqual([]);
    });

    it('a figure that differs from results.json, or is not in the text, or a path that does not resolve', () => {
      doc(`bench scale --profile local\n30000 TPS ${cite('scale.get[rows=10].tps=30000')}\nsome text ${cite('scale.get[rows=10].tps=31416')}\nx 1 ${cite('scale.get[rows=99].tps=1')}\ny 2 ${cite('scale.nothing=2')}\n`);
      const m = messages();
      expect(m).toEqual([
        expect.stringMatching(/bench-runs\.md:2: figure 30000 does not match .*= 31416\.4/),
        expect.stringMatching(/bench-runs\.md:3: figure 31416 .*does not appear in the text/),
        expect.stringMatching(/bench-runs\.md:4: .*\[rows=99\] matches 0 elements/),
        expect.stringMatching(/bench-runs\.md:5: .*no field "nothing"/),
      ]);
    });

    it("another run's own results.json (no schemaVersion) is read as JSON and must name its command", () => {
      for (const [id, body] of [['chaos', { command: 'bench ha chaos --profile smoke', runs: [{ fault: 'none', lost: 0 }] }], ['nameless', { x: 5 }]] as const) {
        mkdirSync(join(root, 'docs', 'results', id));
        writeFileSync(join(root, 'docs', 'results', id, 'results.json'), JSON.stringify(body));
      }
      doc('`npm run bench -- ha chaos --profile smoke`: 0 lost <!-- results: docs/results/chaos runs[fault=none].lost=0 -->\n5 <!-- results: docs/results/nameless x=5 -->\n');
      expect(messages()).toEqual([expect.stringMatching(/:2: docs\/results\/nameless\/results\.json names no command/)]);
    });

    it('the command of the run must be named in the file', () => {
      doc(`31416 TPS ${cite('scale.get[rows=10].tps=31416')}\n`);
      expect(messages()).toEqual([expect.stringMatching(/command of the cited run is not named.*npm run bench -- scale --profile local/)]);
    });

    it('a cited or mentioned run without results.json, a report folder without one, a citation that does not parse', () => {
      mkdirSync(join(root, 'docs', 'results', 'study-local'));
      writeFileSync(join(root, 'docs', 'results', 'study-local', 'report.md'), '# report\n');
      doc(`bench scale --profile local\n1 TPS <!-- results: docs/results/nope x=1 -->\n(run \`20261126-222012-study-local\`, [report](docs/results/study-local/report.md))\n<!-- results: nonsense -->\n<!-- results:docs/results/scale-local tps -->\n`);
      expect(messages()).toEqual([
        expect.stringMatching(/:2: docs\/results\/nope\/results\.json is not committed/),
        expect.stringMatching(/:3: docs\/results\/study-local is mentioned but .*not committed/),
        expect.stringMatching(/:3: run 20261126-222012-study-local is mentioned/),
        expect.stringMatching(/:4: citation names "nonsense", not docs\/results\/<id>/),
        expect.stringMatching(/:5: a "results:" comment that does not parse/),
        expect.stringMatching(/docs\/results\/study-local:0: .*has no results\.json/),
      ]);
    });
  });

  it('figures round to their own precision; suffixes scale', () => {
    expect(figureMatches(2436, '2.4k')).toBe(true);
    expect(figureMatches(2436, '2.5k')).toBe(false);
    expect(figureMatches(0.995, '99.5%')).toBe(true);
    expect(figureMatches(12.34, '12')).toBe(true);
    expect(figureMatches(12.6, '12')).toBe(false);
    expect(figureMatches('12', '12')).toBe(false);
    expect(resolvePath({ a: [{ k: 1, v: 5 }] }, 'a[k=1].v')).toBe(5);
  });
});
