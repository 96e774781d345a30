// Reproduces study.md §4 "HA application test": write-only load (AOF everysec, ramp-up on) against
// one Redis, a Dynomite pair, an Envoy-mirrored pair or the project's mirrored pair. TPS and count
// come from this run; "sync" = keys present on both instances / acknowledged writes.
//   k6 run -e BASE_URLS=http://127.0.0.1:8080 -e TOPOLOGY=dynomite -e VUS=1000 -e DURATION=120s -e RAMP_UP=10s k6/ha-write.ts
// Every key is unique and derivable: deptNo = "h" + run tag + "-VU-iteration", so the sync check
// SCANs `keyPattern` (printed in the summary) on each instance and compares with `acked`.
import { REDIS_HASH_PREFIX, haDeptNoPrefix, haWrite } from '../libs/scenarios/src/index.ts';
import { readConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { iterate, probe } from './lib/traffic.ts';
import type { SetupData } from './lib/traffic.ts';
import { summaryOutputs } from './lib/summary.ts';
import type { SummaryData } from './lib/summary.ts';

const cfg = readConfig(__ENV, {
  scenario: 'ha-write',
  table: 'ha',
  method: 'POST',
  backend: 'redis-aof',
  idMode: 'unique',
  topology: 'write-only',
  durationSec: (p) => haWrite.cells(p)[0].durationSec,
  rampUpSec: (p) => haWrite.cells(p)[0].rampUpSec,
});
const spec = haWrite.request(cfg.cell);

export const options = buildOptions(cfg);

export function setup(): SetupData {
  return probe(cfg, spec);
}

export default function (data: SetupData): void {
  iterate(cfg.cell, spec, data);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const tag = data.setup_data?.runTag;
  return summaryOutputs(data, cfg, {
    topology: cfg.cell.topology,
    keyPattern: tag ? `${REDIS_HASH_PREFIX}${haDeptNoPrefix(tag)}*` : null,
  });
}
