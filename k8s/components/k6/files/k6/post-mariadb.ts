// Reproduces study.md §4 "Application POST TPS" (mariadb column): how many inserts per second does
// the app sustain straight into MariaDB at 1000/2000/3000 vUsers and 1 or 2 replicas?
//   k6 run -e BASE_URLS=http://127.0.0.1:8080,http://127.0.0.1:8081 -e BACKEND=mariadb -e VUS=3000 k6/post-mariadb.ts
// Ids are unique per (run, VU, iteration) by default, so a 409 is a real error. ID_MODE=random
// uses the study's generator (10,000 possible deptNos): duplicates then answer 409 and are counted
// as answers, as the study counted them, in dept_answered, apart from dept_ok.
import { postMariadb } from '../libs/scenarios/src/index.ts';
import { readConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { iterate, probe } from './lib/traffic.ts';
import type { SetupData } from './lib/traffic.ts';
import { summaryOutputs } from './lib/summary.ts';
import type { SummaryData } from './lib/summary.ts';

const cfg = readConfig(__ENV, { scenario: 'post-mariadb', table: 'post', method: 'POST', backend: 'mariadb', idMode: 'unique' });
const spec = postMariadb.request(cfg.cell);

export const options = buildOptions(cfg);

export function setup(): SetupData {
  return probe(cfg, spec);
}

export default function (data: SetupData): void {
  iterate(cfg.cell, spec, data);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, cfg);
}
