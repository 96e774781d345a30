// bench ha chaos: thin wiring of libs/chaos's runChaos (all logic lives there) into the bench
// CLI: results under results/<stamp>-ha-chaos-<profile>/, charts through the bench's vega-lite
// renderer, Ctrl-C through the bench's cleanups.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runChaos } from '@app/chaos';
import type { ChaosFault, ChaosProfile, ChaosResult, TopologyName } from '@app/chaos';
import { renderSvgs } from '../report';
import { isInterrupted, onAbort } from '../cli/abort';
import { log } from '../cli/log';
import { resultsRoot } from '../results';

export interface HaChaosOptions {
  topologies: TopologyName[];
  faults: ChaosFault[];
  replicas: number;
  seed: number;
  profile: ChaosProfile;
  durationSec?: number;
  rate?: number;
  lanes?: number;
  preloadKeys?: number;
}

export async function runHaChaos(o: HaChaosOptions): Promise<ChaosResult> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let dir = join(resultsRoot(), `${stamp}-ha-chaos-${o.profile}`);
  for (let i = 2; existsSync(dir); i++) dir = join(resultsRoot(), `${stamp}-ha-chaos-${o.profile}-${i}`);
  return runChaos({
    topologies: o.topologies,
    faults: o.faults,
    replicas: o.replicas,
    seed: o.seed,
    profile: o.profile,
    durationMs: o.durationSec === undefined ? undefined : o.durationSec * 1000,
    rate: o.rate,
    lanes: o.lanes,
    preloadKeys: o.preloadKeys,
    outDir: dir,
    log,
    render: (specs) => renderSvgs(specs),
    onCleanup: (fn) => {
      onAbort(fn);
    },
    stopped: isInterrupted,
  });
}
