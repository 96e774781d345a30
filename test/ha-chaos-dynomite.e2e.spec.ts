// The study's Dynomite sidecar pair in the fault runs (issue 8: the anchors side by side, same
// faults, same checker): `runChaos` with the `dynomite` topology on the smoke schedule. Needs
// DYNOMITE_BIN; skipped with a message otherwise. Run it alone (about 1 minute):
//   npm run build && DYNOMITE_BIN=/path/to/dynomite npx jest --runInBand test/ha-chaos-dynomite.e2e.spec.ts
import { join } from 'node:path';
import { runChaos, toxiproxyBin, TOXIPROXY_MISSING } from '@app/chaos';
import type { ChaosResult } from '@app/chaos';
import { needsDynomite } from './dynomite';

const { describe: describeDynomite } = needsDynomite('test/ha-chaos-dynomite.e2e.spec.ts');

describeDynomite('fault runs on the Dynomite pair', () => {
  let result: ChaosResult;

  beforeAll(async () => {
    if (!toxiproxyBin()) throw new Error(TOXIPROXY_MISSING);
    result = await runChaos({
      topologies: ['dynomite'],
      faults: ['none', 'kill-node-empty'],
      replicas: 2,
      seed: 8,
      profile: 'smoke',
      outDir: join(__dirname, '..', '.run', 'ha-chaos-dynomite-spec'),
      db: {
        port: Number(process.env.TEST_DB_PORT),
        user: process.env.TEST_DB_USER ?? 'dept',
        password: process.env.TEST_DB_PASSWORD ?? '',
        database: process.env.TEST_DB_NAME ?? 'employees',
      },
      log: (line) => process.stderr.write(`ha-chaos-dynomite: ${line}\n`),
    });
  }, 240_000);

  it('runs every fault on the pair and checks it, none skipped', () => {
    expect(result.skipped).toEqual([]);
    expect(result.runs.map((r) => `${r.topology}/${r.fault}`)).toEqual(['dynomite/none', 'dynomite/kill-node-empty']);
    for (const r of result.runs) {
      expect(r.error).toBeUndefined();
      expect(r.check.acked).toBeGreaterThan(0);
    }
  });

  it('with no fault, both Redis behind the pair hold the same departments', () => {
    const none = result.runs.find((r) => r.fault === 'none')!;
    expect(none.check.lost.total).toBe(0);
    expect(none.check.oneNodeKeys.count).toBe(0);
    expect(none.check.differing.count).toBe(0);
  });

  it('a Redis restarted empty behind its Dynomite stays without what it held: Dynomite does not repair it (the gap the agent closes)', () => {
    const empty = result.runs.find((r) => r.fault === 'kill-node-empty')!;
    expect(empty.check.oneNodeKeys.count).toBeGreaterThan(0);
    expect(empty.convergenceMs).toBeNull();
  });
});
