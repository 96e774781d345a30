// Reproduces study.md §4 "Instance-kill test": 1000 vUsers for 3 minutes while the Redis instance
// is killed at 1:40 and re-created. How deep is the TPS dip, how long until it is back, and (POST)
// how many acknowledged writes survive the restart for none / everysec / always?
//   k6 run --out json=timeline.json -e BASE_URLS=http://127.0.0.1:8080 -e BACKEND=redis-aof -e METHOD=POST \
//          -e PROFILE=study k6/kill.ts
// k6 cannot kill a pod: at KILL_AT a one-shot scenario logs the moment and, when KILL_HOOK_URL is
// set, POSTs to it (a chaos hook, or a small script running `kubectl delete pod`). The per-second
// TPS comes from --out json (dept_ok points bucketed by second).
import http from 'k6/http';
import { REDIS_HASH_PREFIX, kill } from '../libs/scenarios/src/index.ts';
import { readConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { iterate, probe } from './lib/traffic.ts';
import type { SetupData } from './lib/traffic.ts';
import { summaryOutputs } from './lib/summary.ts';
import type { SummaryData } from './lib/summary.ts';

const cfg = readConfig(__ENV, {
  scenario: 'kill',
  table: 'kill',
  method: 'GET',
  backend: 'redis',
  idMode: 'unique',
  durationSec: (p) => kill.cells(p)[0].durationSec,
  killAtSec: (p) => kill.cells(p)[0].killAtSec ?? 100,
  restartDelaySec: (p) => kill.cells(p)[0].restartDelaySec ?? 5,
  // A kill costs some requests by design; the study saw 0.1 %. 5 % still flags a broken recovery.
  maxErrorRate: 0.05,
});
const spec = kill.request(cfg.cell);

export const options = buildOptions(cfg, {
  kill_marker: {
    executor: 'shared-iterations',
    vus: 1,
    iterations: 1,
    startTime: `${cfg.cell.killAtSec}s`,
    exec: 'killMarker',
    gracefulStop: '5s',
  },
});

export function setup(): SetupData {
  return probe(cfg, spec);
}

export default function (data: SetupData): void {
  iterate(cfg.cell, spec, data);
}

export function killMarker(data: SetupData): void {
  const at = ((Date.now() - data.startedAtMs) / 1000).toFixed(1);
  console.warn(`kill: t=${at}s: SIGKILL the ${cfg.cell.backend} Redis now (restart it after ${cfg.cell.restartDelaySec}s)`);
  if (cfg.killHookUrl) {
    http.post(cfg.killHookUrl, JSON.stringify({ backend: cfg.cell.backend, restartDelaySec: cfg.cell.restartDelaySec }), {
      headers: { 'Content-Type': 'application/json' },
      tags: { name: 'kill hook' },
    });
  }
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const tag = data.setup_data?.runTag;
  return summaryOutputs(data, cfg, {
    killAtSec: cfg.cell.killAtSec,
    restartDelaySec: cfg.cell.restartDelaySec,
    // POST: compare dept_acked with the keys present after the restart (SCAN this pattern).
    ...(cfg.cell.method === 'POST' && tag ? { keyPattern: `${REDIS_HASH_PREFIX}k${tag}-*` } : {}),
  });
}
