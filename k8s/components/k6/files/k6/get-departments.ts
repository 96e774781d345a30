// Reproduces study.md §4 "Application GET TPS": does a cached GET of all departments answer faster
// than MariaDB, at 1000/2000/3000 vUsers, 10 or 1000 rows, 1 or 2 replicas, for mariadb, redis,
// AOF everysec and AOF always? One run = one cell of that table.
//   k6 run -e BASE_URLS=http://127.0.0.1:8080 -e BACKEND=redis-aof -e VUS=1000 -e DURATION=120s -e ROWS=10 k6/get-departments.ts
// BACKEND=mariadb takes the no-cache route (/v1/departmentsNoCache), as the study's "mariadb" column.
import { getDepartments } from '../libs/scenarios/src/index.ts';
import { readConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { iterate, probe } from './lib/traffic.ts';
import type { SetupData } from './lib/traffic.ts';
import { summaryOutputs } from './lib/summary.ts';
import type { SummaryData } from './lib/summary.ts';

const cfg = readConfig(__ENV, { scenario: 'get-departments', table: 'get', method: 'GET', backend: 'redis', idMode: 'random' });
const spec = getDepartments.request(cfg.cell);

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
