// One request of a scenario per iteration, classified the way bench classifies it: ok, answered
// (a status the study counted as an answer), or an error by kind (status, timeout, connection,
// failed body check). Bodies come from the shared definitions with the seeded generator.
import http from 'k6/http';
import { check, fail } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import {
  baseUrlForVu,
  buildBody,
  runTagFromSeed,
  seededRandom,
} from '../../libs/scenarios/src/index.ts';
import type { Cell, RequestSpec } from '../../libs/scenarios/src/index.ts';
import type { RunConfig } from './config.ts';

export const okCount = new Counter('dept_ok');
export const answeredCount = new Counter('dept_answered');
export const statusErrors = new Counter('dept_err_status');
export const timeoutErrors = new Counter('dept_err_timeout');
export const connectionErrors = new Counter('dept_err_connection');
export const checkErrors = new Counter('dept_err_check');
export const ackedWrites = new Counter('dept_acked');
/** true per request that ended in an error of any kind; the error-rate SLO reads it. */
export const errorRate = new Rate('dept_errors');

/** What setup() hands to every VU: one seed for the whole run, so ids never collide across VUs. */
export interface SetupData {
  seed: number;
  runTag: string;
  startedAtMs: number;
  baseUrls: string[];
}

/** k6's error_code for a request timeout; every other non-HTTP failure is a connection error. */
const K6_TIMEOUT_CODE = 1050;

/**
 * Checks every base URL answers before load starts, and for GET scenarios that the answer has the
 * row count the run expects. Fails with a message naming what to start.
 */
export function probe(cfg: RunConfig, spec: RequestSpec): SetupData {
  for (const base of cfg.baseUrls) {
    const res = http.request('GET', base + (spec.method === 'GET' ? spec.path : '/v1/departments'), null, {
      headers: { Accept: 'application/json' },
      timeout: '5s',
      tags: { name: 'setup probe' },
    });
    if (res.status === 0) {
      fail(
        `dept-api is not answering at ${base} (${res.error}). Start it first, e.g. ` +
          `\`docker compose up -d dept-${cfg.cell.backend}\` or \`npm run start:dept-api\` ` +
          `(one URL per replica in BASE_URLS), then run k6 again.`,
      );
    }
    if (spec.method === 'GET') {
      const reason =
        res.status === spec.okStatus
          ? spec.check({ status: res.status, body: String(res.body ?? '') }, undefined, 'full')
          : `status ${res.status}`;
      if (reason) {
        fail(
          `${base}${spec.path} answered but not as this run expects (${reason}; ROWS=${cfg.cell.rows}). ` +
            `Seed the departments table to ${cfg.cell.rows} rows, or set ROWS to the size it has.`,
        );
      }
    }
  }
  const seed = cfg.seed ?? Math.floor(Math.random() * 0x7fffffff);
  return { seed, runTag: runTagFromSeed(seed), startedAtMs: Date.now(), baseUrls: cfg.baseUrls };
}

/** One iteration: one request, counted. */
export function iterate(cell: Cell, spec: RequestSpec, data: SetupData): void {
  const vu = __VU;
  const iter = __ITER;
  const body = buildBody(spec, {
    vu,
    iter,
    rand: seededRandom(data.seed, vu, iter),
    runTag: data.runTag,
    payloadExtraBytes: cell.payloadExtraBytes,
  });
  const url = baseUrlForVu(vu, data.baseUrls) + spec.path;
  const res = http.request(spec.method, url, body ?? null, {
    headers: spec.headers,
    tags: { name: spec.name },
    timeout: '10s',
    // http_req_failed and the expected_response tag follow the same rule as the counters below.
    responseCallback: http.expectedStatuses(spec.okStatus, ...spec.answeredStatuses),
  });

  if (res.status === 0) {
    (res.error_code === K6_TIMEOUT_CODE ? timeoutErrors : connectionErrors).add(1);
    errorRate.add(true);
    return;
  }
  if (res.status !== spec.okStatus) {
    if (spec.answeredStatuses.includes(res.status)) {
      answeredCount.add(1, { status: String(res.status) });
      errorRate.add(false);
    } else {
      statusErrors.add(1, { status: String(res.status) });
      errorRate.add(true);
    }
    return;
  }
  // Large bodies get the full parse on a sample of iterations only (see CheckPolicy).
  const level = iter % spec.checkPolicy.fullEvery === 0 ? 'full' : 'quick';
  const reason = spec.check({ status: res.status, body: String(res.body ?? '') }, body, level);
  const passed = check(res, { 'body is the right answer': () => reason === null }, { name: spec.name });
  if (!passed) {
    checkErrors.add(1, { reason: reason ?? '' });
    errorRate.add(true);
    return;
  }
  okCount.add(1);
  errorRate.add(false);
  if (spec.writtenId && body !== undefined) ackedWrites.add(1);
}
