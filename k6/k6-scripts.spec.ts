// Offline check of the k6 scripts (k6 itself is not run here): each script is transpiled with swc,
// evaluated in a vm context whose `k6`, `k6/http` and `k6/metrics` are recording stand-ins, and its
// options, setup(), default function and handleSummary are exercised. The tests prove a script
// sends exactly the requests its scenario definition says and carries the SLO thresholds.
import { transformSync } from '@swc/core';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as vm from 'node:vm';
import {
  SCENARIOS,
  baseUrlForVu,
  haDeptNoPrefix,
  runTagFromSeed,
  seededRandom,
} from '../libs/scenarios/src/index';
import type { Cell, RequestSpec, ScenarioId } from '../libs/scenarios/src/types';

interface FakeResponse {
  status: number;
  body: string | null;
  error: string;
  error_code: number;
}
interface SentRequest {
  method: string;
  url: string;
  body: string | null;
  params: { headers?: Record<string, string>; tags?: Record<string, string>; responseCallback?: unknown };
}
type Responder = (req: SentRequest) => FakeResponse;

const rowsJson = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ deptNo: `d${i}`, deptName: `n${i}` })));

/** Answers like a healthy dept-api: GET lists `rows` rows, POST echoes the row with 201. */
const healthy =
  (rows = 10): Responder =>
  (req) =>
    req.method === 'GET'
      ? { status: 200, body: rowsJson(rows), error: '', error_code: 0 }
      : { status: 201, body: req.body, error: '', error_code: 0 };

class K6Sandbox {
  readonly sent: SentRequest[] = [];
  readonly metricAdds = new Map<string, { value: number | boolean; tags?: Record<string, string> }[]>();
  readonly checks: { name: string; ok: boolean }[] = [];
  readonly logs: string[] = [];
  responder: Responder = healthy();
  private readonly context: vm.Context;
  private readonly cache = new Map<string, { exports: Record<string, unknown> }>();

  constructor(env: Record<string, string>) {
    const self = this;
    this.context = vm.createContext({
      __ENV: env,
      __VU: 0,
      __ITER: 0,
      console: { log: () => {}, info: () => {}, debug: () => {}, error: (...a: unknown[]) => self.logs.push(a.join(' ')), warn: (...a: unknown[]) => self.logs.push(a.join(' ')) },
    });
  }

  private k6Modules(): Record<string, unknown> {
    const self = this;
    const request = (method: string, url: string, body: string | null, params: SentRequest['params'] = {}) => {
      const req = { method, url, body: body ?? null, params };
      self.sent.push(req);
      return self.responder(req);
    };
    class Metric {
      constructor(readonly name: string) {
        self.metricAdds.set(name, []);
      }
      add(value: number | boolean, tags?: Record<string, string>) {
        self.metricAdds.get(this.name)!.push({ value, tags });
      }
    }
    const http = {
      request,
      get: (url: string, params?: SentRequest['params']) => request('GET', url, null, params),
      post: (url: string, body: string | null, params?: SentRequest['params']) => request('POST', url, body, params),
      expectedStatuses: (...statuses: number[]) => ({ expectedStatuses: statuses }),
    };
    return {
      k6: {
        check: (val: unknown, sets: Record<string, (v: unknown) => boolean>) => {
          let all = true;
          for (const [name, fn] of Object.entries(sets)) {
            const ok = !!fn(val);
            self.checks.push({ name, ok });
            all = all && ok;
          }
          return all;
        },
        fail: (msg: string) => {
          throw new Error(msg);
        },
        sleep: () => {},
      },
      'k6/http': { __esModule: true, default: http, ...http },
      'k6/metrics': { Counter: Metric, Rate: Metric, Trend: Metric, Gauge: Metric },
    };
  }

  load(file: string): Record<string, unknown> {
    const path = resolve(file);
    const cached = this.cache.get(path);
    if (cached) return cached.exports;
    const { code } = transformSync(readFileSync(path, 'utf8'), {
      filename: path,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2020' },
      module: { type: 'commonjs' },
      swcrc: false,
    });
    const module = { exports: {} as Record<string, unknown> };
    this.cache.set(path, module);
    const fn = vm.runInContext(`(function (exports, require, module) {${code}\n})`, this.context) as (
      e: unknown,
      r: (id: string) => unknown,
      m: unknown,
    ) => void;
    const modules = this.k6Modules();
    fn(module.exports, (id) => {
      if (id in modules) return modules[id];
      // k6 resolves imports literally: a script must name its .ts files with the extension.
      if (!id.startsWith('.') || !id.endsWith('.ts')) throw new Error(`${file}: k6 cannot resolve import "${id}" (use a relative path ending in .ts)`);
      return this.load(join(dirname(path), id));
    }, module);
    return module.exports;
  }

  setVu(vu: number, iter: number): void {
    this.context.__VU = vu;
    this.context.__ITER = iter;
  }

  adds(metric: string): number {
    return (this.metricAdds.get(metric) ?? []).reduce((s, a) => s + Number(a.value), 0);
  }
}

const K6_DIR = __dirname;
const script = (name: string) => join(K6_DIR, `${name}.ts`);

interface Script {
  options: { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]>; summaryTrendStats: string[] };
  setup: () => { seed: number; runTag: string; baseUrls: string[] };
  default: (data: unknown) => void;
  handleSummary: (data: unknown) => Record<string, string>;
  killMarker?: (data: unknown) => void;
}

function loadScript(name: string, env: Record<string, string>) {
  const box = new K6Sandbox(env);
  const mod = box.load(script(name)) as unknown as Script;
  return { box, mod };
}

/** Runs VUs 1..vus for `iters` iterations each; returns the load requests (not the setup probes). */
function drive(box: K6Sandbox, mod: Script, data: unknown, vus: number, iters: number): SentRequest[] {
  const before = box.sent.length;
  for (let iter = 0; iter < iters; iter++)
    for (let vu = 1; vu <= vus; vu++) {
      box.setVu(vu, iter);
      mod.default(data);
    }
  return box.sent.slice(before);
}

/** What the definition says VU `vu` sends on iteration `iter`. */
function expected(def: ScenarioId, cell: Cell, urls: string[], seed: number, vu: number, iter: number) {
  const spec: RequestSpec = SCENARIOS[def].request(cell);
  const body = spec.body
    ? spec.body({ vu, iter, rand: seededRandom(seed, vu, iter), runTag: runTagFromSeed(seed), payloadExtraBytes: cell.payloadExtraBytes })
    : null;
  return { method: spec.method, url: baseUrlForVu(vu, urls) + spec.path, body, headers: spec.headers };
}

function fakeSummary(setupData: unknown, counts: Record<string, number>, durationMs = 10_000) {
  const metrics: Record<string, unknown> = {};
  for (const [name, count] of Object.entries(counts)) metrics[name] = { values: { count, rate: count / (durationMs / 1000) } };
  metrics['http_req_duration{expected_response:true}'] = {
    values: { med: 4, 'p(95)': 9, 'p(99)': 15, max: 40, avg: 5 },
    thresholds: { 'p(99)<3000': { ok: true } },
  };
  metrics.dept_errors = { values: { rate: 0.02 }, thresholds: { 'rate<0.01': { ok: false } } };
  return { metrics, state: { testRunDurationMs: durationMs }, setup_data: setupData };
}

const URLS = ['http://127.0.0.1:18080', 'http://127.0.0.1:18081'];

describe('k6 scripts, offline against recording stand-ins', () => {
  it('type-check against @types/k6 (tsc -p k6/tsconfig.json)', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', join(K6_DIR, 'tsconfig.json'), '--noEmit'], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('get-departments: closed model, SLO thresholds, and exactly the cached GETs spread over the replicas', () => {
    const { box, mod } = loadScript('get-departments', { BASE_URLS: URLS.join(','), VUS: '4', DURATION: '10s', BACKEND: 'redis-aof', SEED: '7' });
    expect(mod.options.scenarios.main).toMatchObject({ executor: 'constant-vus', vus: 4, duration: '10s' });
    expect(Object.keys(mod.options.thresholds).sort()).toEqual(['checks', 'dept_errors', 'http_req_duration{expected_response:true}']);
    expect(mod.options.thresholds.dept_errors).toEqual(['rate<0.01']);
    expect(mod.options.summaryTrendStats).toContain('p(99)');

    const data = mod.setup();
    expect(box.sent.map((r) => r.url)).toEqual(URLS.map((u) => `${u}/v1/departments`));
    expect(data.seed).toBe(7);

    const sent = drive(box, mod, data, 4, 3);
    const cell = { ...SCENARIOS['get-departments'].cells('local')[1], vUsers: 4, rows: 10, replicas: 2, backend: 'redis-aof' as const };
    const want = [];
    for (let iter = 0; iter < 3; iter++) for (let vu = 1; vu <= 4; vu++) want.push(expected('get-departments', cell, URLS, 7, vu, iter));
    expect(sent.map((r) => ({ method: r.method, url: r.url, body: r.body, headers: r.params.headers }))).toEqual(want);
    expect(sent.filter((r) => r.url.startsWith(URLS[0]))).toHaveLength(6);
    expect(box.adds('dept_ok')).toBe(12);
    expect(box.adds('dept_err_check')).toBe(0);
  });

  it('get-departments: BACKEND=mariadb takes the no-cache route; a wrong row count is a failed check', () => {
    const { box, mod } = loadScript('get-departments', { BASE_URLS: URLS[0], VUS: '2', BACKEND: 'mariadb', ROWS: '1000', SEED: '1' });
    box.responder = healthy(1000);
    const data = mod.setup();
    box.responder = () => ({ status: 200, body: rowsJson(999), error: '', error_code: 0 });
    const sent = drive(box, mod, data, 2, 1);
    expect(sent.every((r) => r.url === `${URLS[0]}/v1/departmentsNoCache`)).toBe(true);
    expect(box.adds('dept_err_check')).toBe(2);
    expect(box.metricAdds.get('dept_err_check')![0].tags).toEqual({ reason: 'wrong row count' });
    expect(box.adds('dept_ok')).toBe(0);
    expect(box.metricAdds.get('dept_errors')!.every((a) => a.value === true)).toBe(true);
  });

  it('post-redis: sends the study generator bodies, byte for byte, and counts statuses and timeouts as errors', () => {
    const { box, mod } = loadScript('post-redis', { BASE_URLS: URLS.join(','), VUS: '3', BACKEND: 'redis-always', SEED: '99', PAYLOAD_BYTES: '100' });
    const data = mod.setup();
    const cell = { ...SCENARIOS['post-redis'].cells('local')[0], payloadExtraBytes: 100 };
    const sent = drive(box, mod, data, 3, 2);
    const want = [];
    for (let iter = 0; iter < 2; iter++) for (let vu = 1; vu <= 3; vu++) want.push(expected('post-redis', cell, URLS, 99, vu, iter));
    expect(sent.map((r) => ({ method: r.method, url: r.url, body: r.body, headers: r.params.headers }))).toEqual(want);
    expect(sent[0].body).toMatch(/^\{"deptNo":"t\d{4}","deptName":"test_\d{6}","payload":"x{100}"\}$/);
    expect(sent[0].params.responseCallback).toEqual({ expectedStatuses: [201] });
    expect(box.adds('dept_ok')).toBe(6);
    expect(box.adds('dept_acked')).toBe(6);

    box.responder = () => ({ status: 500, body: 'boom', error: '', error_code: 0 });
    drive(box, mod, data, 1, 1);
    expect(box.metricAdds.get('dept_err_status')!.at(-1)).toEqual({ value: 1, tags: { status: '500' } });
    box.responder = () => ({ status: 0, body: null, error: 'request timeout', error_code: 1050 });
    drive(box, mod, data, 1, 1);
    box.responder = () => ({ status: 0, body: null, error: 'connection refused', error_code: 1212 });
    drive(box, mod, data, 1, 1);
    expect(box.adds('dept_err_timeout')).toBe(1);
    expect(box.adds('dept_err_connection')).toBe(1);
    box.responder = (req) => ({ status: 201, body: req.body!.replace('test_', 'TEST_'), error: '', error_code: 0 });
    drive(box, mod, data, 1, 1);
    expect(box.metricAdds.get('dept_err_check')!.at(-1)!.tags).toEqual({ reason: 'deptName not echoed' });
  });

  it('post-mariadb: unique ids by default (409 is an error); ID_MODE=random counts 409 as an answer', () => {
    const { box, mod } = loadScript('post-mariadb', { BASE_URLS: URLS[0], VUS: '2', SEED: '5' });
    const data = mod.setup();
    const sent = drive(box, mod, data, 2, 2);
    const tag = runTagFromSeed(5);
    expect(sent.map((r) => JSON.parse(r.body!).deptNo)).toEqual([`u${tag}-1-0`, `u${tag}-2-0`, `u${tag}-1-1`, `u${tag}-2-1`]);
    expect(sent.every((r) => r.url === `${URLS[0]}/api/departments`)).toBe(true);
    box.responder = () => ({ status: 409, body: '{}', error: '', error_code: 0 });
    drive(box, mod, data, 1, 1);
    expect(box.adds('dept_err_status')).toBe(1);

    const random = loadScript('post-mariadb', { BASE_URLS: URLS[0], VUS: '2', SEED: '5', ID_MODE: 'random' });
    const d2 = random.mod.setup();
    random.box.responder = () => ({ status: 409, body: '{}', error: '', error_code: 0 });
    const s2 = drive(random.box, random.mod, d2, 2, 1);
    expect(JSON.parse(s2[0].body!).deptNo).toMatch(/^t\d{4}$/);
    expect(random.box.adds('dept_answered')).toBe(2);
    expect(random.box.adds('dept_err_status')).toBe(0);
    expect(s2[0].params.responseCallback).toEqual({ expectedStatuses: [201, 409] });
  });

  it('kill: a one-shot marker at KILL_AT calls the hook; POST keys are unique; summary names the key pattern', () => {
    const { box, mod } = loadScript('kill', {
      BASE_URLS: URLS[0], PROFILE: 'study', METHOD: 'POST', BACKEND: 'redis-aof', SEED: '3', KILL_HOOK_URL: 'http://127.0.0.1:9/kill',
    });
    expect(mod.options.scenarios.main).toMatchObject({ executor: 'constant-vus', vus: 1000, duration: '180s' });
    expect(mod.options.scenarios.kill_marker).toMatchObject({ executor: 'shared-iterations', iterations: 1, startTime: '100s', exec: 'killMarker' });
    expect(mod.options.thresholds.dept_errors).toEqual(['rate<0.05']);
    const data = mod.setup();
    const sent = drive(box, mod, data, 2, 1);
    expect(sent.map((r) => JSON.parse(r.body!).deptNo)).toEqual([`k${runTagFromSeed(3)}-1-0`, `k${runTagFromSeed(3)}-2-0`]);
    mod.killMarker!(data);
    expect(box.sent.at(-1)).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:9/kill' });
    expect(box.logs.some((l) => /SIGKILL the redis-aof Redis now/.test(l))).toBe(true);
    const out = mod.handleSummary(fakeSummary(data, { dept_ok: 2000, dept_err_connection: 10 }));
    const s = JSON.parse(out['summary-kill.json']);
    expect(s).toMatchObject({ killAtSec: 100, restartDelaySec: 5, keyPattern: `htdp1:dept-spring:repository:departments:k${runTagFromSeed(3)}-*` });
  });

  it('ha-write: ramping-vus with the profile ramp-up, h<tag>- keys, and a summary with the same fields bench records', () => {
    const { box, mod } = loadScript('ha-write', { BASE_URLS: URLS.join(','), VUS: '6', DURATION: '20s', RAMP_UP: '4s', TOPOLOGY: 'envoy', SEED: '11' });
    expect(mod.options.scenarios.main).toMatchObject({
      executor: 'ramping-vus',
      stages: [{ duration: '4s', target: 6 }, { duration: '16s', target: 6 }],
    });
    const data = mod.setup();
    const sent = drive(box, mod, data, 6, 1);
    const prefix = haDeptNoPrefix(runTagFromSeed(11));
    expect(sent.every((r) => JSON.parse(r.body!).deptNo.startsWith(prefix))).toBe(true);
    expect(new Set(sent.map((r) => r.url))).toEqual(new Set(URLS.map((u) => `${u}/api/departmentRedises`)));

    const out = mod.handleSummary(fakeSummary(data, { dept_ok: 900, dept_answered: 0, dept_err_status: 50, dept_err_check: 50, dept_acked: 900 }));
    const s = JSON.parse(out['summary-ha-write.json']);
    expect(s.totals).toEqual({ requests: 1000, ok: 900, answered: 0, errors: 100, errorPct: 10, tps: 90, okTps: 90 });
    expect(s.latencyMs).toEqual({ p50: 4, p95: 9, p99: 15, max: 40, mean: 5 });
    expect(s.cell).toMatchObject({ scenario: 'ha-write', topology: 'envoy', vUsers: 6, replicas: 2 });
    expect(s.topology).toBe('envoy');
    expect(s.keyPattern).toBe(`htdp1:dept-spring:repository:departments:${prefix}*`);
    expect(s.thresholds).toEqual({ 'http_req_duration{expected_response:true}: p(99)<3000': true, 'dept_errors: rate<0.01': false });
    expect(out.stdout).toMatch(/SLOs missed: dept_errors: rate<0.01/);
  });

  it('MODEL=arrival-rate switches to an open model and guards against dropped iterations', () => {
    const { mod } = loadScript('post-redis', { MODEL: 'arrival-rate', RATE: '500', VUS: '100' });
    expect(mod.options.scenarios.main).toMatchObject({ executor: 'constant-arrival-rate', rate: 500, timeUnit: '1s', preAllocatedVUs: 100 });
    expect(mod.options.thresholds.dropped_iterations).toEqual(['count<1']);
  });

  it('setup() fails with a message naming what to start, or what to fix', () => {
    const down = loadScript('get-departments', { BASE_URLS: URLS[0], BACKEND: 'redis' });
    down.box.responder = () => ({ status: 0, body: null, error: 'dial tcp: connection refused', error_code: 1212 });
    expect(() => down.mod.setup()).toThrow(/dept-api is not answering at http:\/\/127\.0\.0\.1:18080 .*docker compose up -d dept-redis/);

    const wrongRows = loadScript('get-departments', { BASE_URLS: URLS[0], ROWS: '1000' });
    expect(() => wrongRows.mod.setup()).toThrow(/wrong row count; ROWS=1000\)\. Seed the departments table to 1000 rows/);

    expect(() => loadScript('get-departments', { VUS: 'many' })).toThrow(/VUS=many is not a whole number/);
    expect(() => loadScript('get-departments', { DURATION: '10s', RAMP_UP: '10s' })).toThrow(/RAMP_UP \(10s\) must be shorter/);
  });
});
