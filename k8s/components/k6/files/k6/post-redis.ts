// Reproduces study.md §4 "Application POST TPS" (redis, AOF everysec, AOF always columns) and,
// with PAYLOAD_BYTES=100 VUS=1000 DURATION=10m, the AOF stress test: what does each persistence
// mode cost a write path that stores one Spring-layout hash per department?
//   k6 run -e BASE_URLS=http://127.0.0.1:8080 -e BACKEND=redis-always -e VUS=1000 -e DURATION=120s k6/post-redis.ts
// Bodies are the study's generator {"deptNo":"t%04d","deptName":"test_%06d"}; ID_MODE=unique
// switches to one key per request.
import { postRedis } from '../libs/scenarios/src/index.ts';
import { readConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { iterate, probe } from './lib/traffic.ts';
import type { SetupData } from './lib/traffic.ts';
import { summaryOutputs } from './lib/summary.ts';
import type { SummaryData } from './lib/summary.ts';

const cfg = readConfig(__ENV, { scenario: 'post-redis', table: 'post', method: 'POST', backend: 'redis', idMode: 'random' });
const spec = postRedis.request(cfg.cell);

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
