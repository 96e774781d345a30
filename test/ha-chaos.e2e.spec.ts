// The HA pair under real faults (issue 8): a short seeded smoke schedule through `runChaos`
// (libs/chaos): MariaDB from the test setup, two Redis, both redis-ha-agents, toxiproxy-server
// between each dept-api replica and each node, 2 built dept-api processes
// (dist/apps/dept-api: run `npm run build` first). One run per topology x fault; each run is
// checked from its history and a direct read of both nodes after the heal.
//
// The assertions are the invariants, as stated there. On the first mirrored client (before
// versions and hints) several of them failed (the asymmetric double partition lost acked writes; a
// replica killed during a cut left keys on one node for good: docs/results/ha-chaos-smoke-before-
// redesign); they hold on the versioned pair. Convergence is asserted against a CI bound; the
// 2 s target is the report's (bench ha chaos), measured, not asserted on a shared CI host.
// Run it alone (about 4 minutes on a 2-core box):
//   npm run build && npx jest --runInBand test/ha-chaos.e2e.spec.ts
// Results (history.jsonl per run, results.json, report.md) stay under .run/ha-chaos-spec/.
import { join } from 'node:path';
import { runChaos, toxiproxyBin, TOXIPROXY_MISSING } from '@app/chaos';
import type { ChaosFault, ChaosResult, ChaosRunResult, TopologyName } from '@app/chaos';

const TOPOLOGIES: TopologyName[] = ['mirrored-sync', 'mirrored-async'];
/** The failing cases first, then a node restarted empty, then same-key races with no fault. */
const FAULTS: ChaosFault[] = ['double-partition', 'partition-kill-app', 'kill-node-empty', 'none'];
/** The report's target is 2 s; CI asserts convergence within this looser bound (a loaded host). */
const CONVERGENCE_BOUND_MS = 5000;
const OUT = join(__dirname, '..', '.run', 'ha-chaos-spec');

let result: ChaosResult;

beforeAll(async () => {
  if (!toxiproxyBin()) throw new Error(TOXIPROXY_MISSING);
  result = await runChaos({
    topologies: TOPOLOGIES,
    faults: FAULTS,
    replicas: 2,
    seed: 8,
    profile: 'smoke',
    outDir: OUT,
    convergenceBoundMs: CONVERGENCE_BOUND_MS,
    db: {
      port: Number(process.env.TEST_DB_PORT),
      user: process.env.TEST_DB_USER ?? 'dept',
      password: process.env.TEST_DB_PASSWORD ?? '',
      database: process.env.TEST_DB_NAME ?? 'employees',
    },
    log: (line) => process.stderr.write(`ha-chaos: ${line}\n`),
  });
}, 330_000);

function run(topology: TopologyName, fault: ChaosFault): ChaosRunResult {
  const r = result.runs.find((x) => x.topology === topology && x.fault === fault);
  if (!r) throw new Error(`no run for ${topology} / ${fault}`);
  return r;
}

describe.each(TOPOLOGIES)('%s under the smoke schedule', (topology) => {
  describe.each(FAULTS)('%s', (fault) => {
    it('ran: the workload was acknowledged and both nodes were read', () => {
      const r = run(topology, fault);
      expect(r.error).toBeUndefined();
      expect(r.check.acked).toBeGreaterThan(100);
      expect(r.nodes).toHaveLength(2);
    });

    it(topology === 'mirrored-sync' ? 'loses no acknowledged write' : 'loses no acknowledged write beyond those in flight at a node or app death', () => {
      const lost = run(topology, fault).check.lost;
      expect({ lost: topology === 'mirrored-sync' ? lost.total : lost.beyondInFlight, keys: lost.keys }).toEqual({ lost: 0, keys: expect.any(Array) });
    });

    it('leaves no key on one node only after convergence', () => {
      const c = run(topology, fault).check.oneNodeKeys;
      expect({ oneNodeKeys: c.count, sample: c.keys.slice(0, 5) }).toEqual({ oneNodeKeys: 0, sample: [] });
    });

    it('leaves no value differing between the nodes after convergence', () => {
      const c = run(topology, fault).check.differing;
      expect({ differing: c.count, sample: c.keys.slice(0, 5) }).toEqual({ differing: 0, sample: [] });
    });

    it(`converges within ${CONVERGENCE_BOUND_MS} ms of the last heal`, () => {
      const r = run(topology, fault);
      if (r.lastHealMs !== null) {
        expect(r.convergenceMs).not.toBeNull();
        expect(r.convergenceMs).toBeLessThanOrEqual(CONVERGENCE_BOUND_MS);
      }
      expect(r.quiesceMs).not.toBeNull();
      expect(r.quiesceMs).toBeLessThanOrEqual(CONVERGENCE_BOUND_MS);
    });
  });
});
