// Runs one cell of a scenario definition with autocannon: connections = the cell's vUsers, spread
// over the base URLs like a Service spreads connections (one autocannon instance per URL, and per
// ramp-up step), no think time, one request in flight per connection (k6 and nGrinder do not
// pipeline). Every answer is classified as the k6 scripts classify it: ok, answered, or an error
// by kind; counts are kept per second for the timelines.
//
// Body checks: each connection's responses pass the definition's quick check, and its full
// (parsing) check on iterations where iter % fullEvery === 0. For 10-row and POST answers that
// is every answer (about 2 µs each); for 1000-row answers a full parse costs about 170 µs against
// 50 µs for the quick scan on this class of machine, so 1 in 20 is parsed. A failed check is an
// error, never an ok.
import autocannon from 'autocannon';
import { randomInt } from 'node:crypto';
import { runTagFromSeed, seededRandom, spreadVUs } from '@app/scenarios';
import type { Cell, RequestSpec, ScenarioDefinition } from '@app/scenarios';
import type { CellResult, ErrorBreakdown, TimelinePoint } from '../results';
import { LatencyHistogram } from './histogram';
import { analyseKill } from './kill-analysis';
import { Sampler } from './sampler';
import { cpuPerRequest } from './cpu';
import { parseLoadTargets } from './targets';

const AUTOCANNON_VERSION: string = (require('autocannon/package.json') as { version: string }).version;

/** Longest cell the executor accepts: the study's stress test is 10 minutes. */
export const MAX_CELL_SEC = 3600;
/** Extra time an instance gets to wind down before it is stopped by force. */
const STOP_GRACE_MS = 15_000;

export interface CellProgress {
  cellId: string;
  /** Whole seconds elapsed. */
  second: number;
  durationSec: number;
  /** ok + answered in the last whole second. */
  tps: number;
  errors: number;
  connectionsOpen: number;
}

export interface RunCellOptions {
  baseUrls: string[];
  /** Overrides cell.durationSec (e.g. a shorter CI run). */
  durationSec?: number;
  onProgress?: (p: CellProgress) => void;
  /** A running sampler that also watches dept-api, Redis and MariaDB; without one only this process is sampled. */
  sampler?: Sampler;
  /** Aborting stops the load at once; the result is marked interrupted. */
  signal?: AbortSignal;
  seed?: number;
  /** Called with the deptNo of every acknowledged write (201 + echoed row), e.g. for the kill test's durability count. */
  onAcked?: (id: string) => void;
  /** Per-request timeout, seconds (default 10, k6's timeout in the scripts too). */
  timeoutSec?: number;
  /** kill cells: when the caller restarted the instance, for the recovery marks. */
  restartAtSec?: () => number | null;
}

interface ConnState {
  vu: number;
  iter: number;
  sent: string | undefined;
  outcome: 'ok' | 'answered' | 'status' | 'check';
}

interface SecondBucket {
  ok: number;
  answered: number;
  non2xx: number;
  timeouts: number;
  connection: number;
  checkFailed: number;
}

const emptyBucket = (): SecondBucket => ({ ok: 0, answered: 0, non2xx: 0, timeouts: 0, connection: 0, checkFailed: 0 });

function inc(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** VU numbers (1-based) a URL gets: round robin, as baseUrlForVu assigns them. */
function vusForUrl(urlIndex: number, urlCount: number, total: number): number[] {
  const vus: number[] = [];
  for (let vu = urlIndex + 1; vu <= total; vu += urlCount) vus.push(vu);
  return vus;
}

interface InstancePlan {
  url: string;
  vus: number[];
  startAfterSec: number;
}

/** One instance per URL, or per URL and ramp step: steps start evenly so all VUs run at rampUpSec. */
function planInstances(urls: string[], cell: Cell): InstancePlan[] {
  const counts = spreadVUs(cell.vUsers, urls.length);
  const plans: InstancePlan[] = [];
  urls.forEach((url, i) => {
    const vus = vusForUrl(i, urls.length, cell.vUsers);
    if (counts[i] === 0) return;
    const steps = cell.rampUpSec > 0 ? Math.min(5, vus.length) : 1;
    for (let s = 0; s < steps; s++) {
      const slice = vus.filter((_, k) => k % steps === s);
      plans.push({ url, vus: slice, startAfterSec: steps > 1 ? (s * cell.rampUpSec) / (steps - 1) : 0 });
    }
  });
  return plans;
}

export async function runCell(def: ScenarioDefinition, cell: Cell, options: RunCellOptions): Promise<CellResult> {
  const targets = parseLoadTargets(options.baseUrls);
  const durationSec = options.durationSec ?? cell.durationSec;
  if (!(durationSec > 0 && durationSec <= MAX_CELL_SEC)) throw new RangeError(`cell ${cell.id}: duration ${durationSec}s is outside (0, ${MAX_CELL_SEC}]`);
  if (!Number.isInteger(cell.vUsers) || cell.vUsers < 1) throw new RangeError(`cell ${cell.id}: vUsers must be a whole number >= 1`);
  if (cell.rampUpSec >= durationSec) throw new RangeError(`cell ${cell.id}: ramp-up ${cell.rampUpSec}s must be shorter than the duration ${durationSec}s`);
  if (options.signal?.aborted) throw new Error(`cell ${cell.id}: aborted before it started`);

  const spec: RequestSpec = def.request(cell);
  const seed = options.seed ?? randomInt(0, 0x7fffffff);
  const runTag = runTagFromSeed(seed);
  const timeoutSec = options.timeoutSec ?? 10;

  const ownSampler = options.sampler ? null : new Sampler().start();
  const sampler = options.sampler ?? ownSampler!;

  const latency = new LatencyHistogram();
  const buckets: SecondBucket[] = [];
  const errors: ErrorBreakdown = { byStatus: {}, answeredByStatus: {}, timeouts: 0, connection: {}, checkFailed: {}, checksRun: { quick: 0, full: 0 } };
  let bytesRead = 0;
  let interrupted = false;
  const notes: string[] = [];

  // A reading at the start, so the cell's CPU time is counted from its first request.
  await sampler.tick();
  const t0 = Date.now();
  const bucketAt = (now: number): SecondBucket => {
    const s = Math.max(0, Math.floor((now - t0) / 1000));
    while (buckets.length <= s) buckets.push(emptyBucket());
    return buckets[s];
  };

  const states = new WeakMap<object, ConnState>();
  const instances: autocannon.Instance[] = [];
  const startTimers: NodeJS.Timeout[] = [];
  let openConnections = 0;

  const runInstance = (plan: InstancePlan): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let next = 0;
      const fullEvery = Math.max(1, spec.checkPolicy.fullEvery);
      const request: autocannon.Request = {
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
      };
      const instance = autocannon(
        {
          url: plan.url,
          connections: plan.vus.length,
          duration: Math.max(0.5, durationSec - plan.startAfterSec),
          pipelining: 1,
          timeout: timeoutSec,
          // autocannon checks its stop flag on this tick: 100 ms keeps cells close to their length.
          sampleInt: 100,
          requests: [request],
          setupClient: (client: autocannon.Client) => {
            const state: ConnState = { vu: plan.vus[next++] ?? plan.vus[0], iter: 0, sent: undefined, outcome: 'ok' };
            states.set(client, state);
            client.setRequests([
              {
                ...request,
                setupRequest: (req: autocannon.Request) => {
                  const iter = state.iter++;
                  if (!spec.body) return req;
                  state.sent = spec.body({ vu: state.vu, iter, rand: seededRandom(seed, state.vu, iter), runTag, payloadExtraBytes: cell.payloadExtraBytes });
                  return { ...req, body: state.sent };
                },
                onResponse: (status: number, body: string) => {
                  if (status === spec.okStatus) {
                    // state.iter was advanced when the request was built; this answer is iteration iter - 1.
                    const level = (state.iter - 1) % fullEvery === 0 ? 'full' : 'quick';
                    errors.checksRun[level]++;
                    const reason = spec.check({ status, body }, state.sent, level);
                    if (reason) {
                      state.outcome = 'check';
                      inc(errors.checkFailed, reason);
                    } else {
                      state.outcome = 'ok';
                      if (options.onAcked && spec.writtenId && state.sent) {
                        const id = spec.writtenId(state.sent);
                        if (id) options.onAcked(id);
                      }
                    }
                  } else if (spec.answeredStatuses.includes(status)) {
                    state.outcome = 'answered';
                    inc(errors.answeredByStatus, String(status));
                  } else {
                    state.outcome = 'status';
                    inc(errors.byStatus, String(status));
                  }
                },
              },
            ]);
          },
        },
        (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
      );
      instances.push(instance);
      openConnections += plan.vus.length;
      instance.on('done', () => {
        openConnections -= plan.vus.length;
      });
      instance.on('response', (client: autocannon.Client, _status: number, resBytes: number, responseTime: number) => {
        const state = states.get(client);
        const b = bucketAt(Date.now());
        bytesRead += resBytes;
        switch (state?.outcome) {
          case 'ok':
            b.ok++;
            latency.record(responseTime);
            break;
          case 'answered':
            b.answered++;
            latency.record(responseTime);
            break;
          case 'check':
            // The status was the expected one, so its time counts (k6's expected_response) but not the answer.
            b.checkFailed++;
            latency.record(responseTime);
            break;
          default:
            b.non2xx++;
        }
      });
      instance.on('reqError', (err: { message?: string; code?: string }) => {
        const b = bucketAt(Date.now());
        if (err?.message === 'request timed out') {
          b.timeouts++;
          errors.timeouts++;
        } else {
          b.connection++;
          inc(errors.connection, err?.code ?? 'ERROR');
        }
      });
    });

  const abort = () => {
    interrupted = true;
    for (const t of startTimers) clearTimeout(t);
    for (const i of instances) i.stop();
  };
  options.signal?.addEventListener('abort', abort, { once: true });
  // Bound in time whatever autocannon does: stop everything shortly after the planned end.
  const hardStop = setTimeout(() => {
    notes.push(`stopped by the executor's timer ${STOP_GRACE_MS / 1000}s after the planned end`);
    abort();
  }, durationSec * 1000 + STOP_GRACE_MS);

  let lastReported = -1;
  const progress = setInterval(() => {
    const second = Math.floor((Date.now() - t0) / 1000) - 1;
    if (second < 0 || second === lastReported || !options.onProgress) return;
    lastReported = second;
    const b = buckets[second] ?? emptyBucket();
    options.onProgress({
      cellId: cell.id,
      second,
      durationSec,
      tps: b.ok + b.answered,
      errors: b.non2xx + b.timeouts + b.connection + b.checkFailed,
      connectionsOpen: openConnections,
    });
  }, 250);

  try {
    const plans = planInstances(
      targets.map((t) => t.baseUrl),
      cell,
    );
    await Promise.all(
      plans.map(
        (plan) =>
          new Promise<void>((resolve, reject) => {
            const go = () => (interrupted ? resolve() : runInstance(plan).then(resolve, reject));
            if (plan.startAfterSec === 0) go();
            else startTimers.push(setTimeout(go, plan.startAfterSec * 1000));
          }),
      ),
    );
  } finally {
    clearTimeout(hardStop);
    clearInterval(progress);
    options.signal?.removeEventListener('abort', abort);
  }
  const endMs = Date.now();
  const measuredSec = (endMs - t0) / 1000;
  // One reading at the end, so the cell's CPU time is counted up to its last request.
  await sampler.tick();
  const resources = sampler.window(t0, endMs);
  if (ownSampler) await ownSampler.stop();

  // Whole seconds only; a last partial second would read as a dip.
  const wholeSeconds = Math.max(1, Math.floor(measuredSec));
  const timeline: TimelinePoint[] = buckets.slice(0, wholeSeconds).map((b, t) => ({
    t,
    ok: b.ok,
    answered: b.answered,
    errors: b.non2xx + b.timeouts + b.connection + b.checkFailed,
    non2xx: b.non2xx,
    timeouts: b.timeouts,
    connection: b.connection,
    checkFailed: b.checkFailed,
  }));

  const sum = (f: (b: SecondBucket) => number) => buckets.reduce((a, b) => a + f(b), 0);
  const ok = sum((b) => b.ok);
  const answered = sum((b) => b.answered);
  const errorCount = sum((b) => b.non2xx + b.timeouts + b.connection + b.checkFailed);
  const requests = ok + answered + errorCount;
  const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
  // Rates use the recorded duration, so anyone can recompute them from results.json.
  const recordedSec = round(measuredSec, 2);

  if (resources.loadGenerator.bound) {
    notes.push(`bound by the load generator: autocannon used ${resources.loadGenerator.meanMillicores}m on average (>= 900m)`);
  }
  if (requests && errorCount / requests >= 0.01) notes.push('errors >= 1 %: the study calls TPS at this error rate unreliable');

  const result: CellResult = {
    cell: { ...cell, durationSec },
    executor: 'autocannon',
    loadGenerator: `autocannon ${AUTOCANNON_VERSION}`,
    baseUrls: targets.map((t) => t.baseUrl),
    startedAt: new Date(t0).toISOString(),
    runTag,
    seed,
    durationSec: recordedSec,
    totals: {
      requests,
      ok,
      answered,
      errors: errorCount,
      errorPct: requests ? round((errorCount / requests) * 100, 3) : 0,
      tps: round((ok + answered) / recordedSec),
      okTps: round(ok / recordedSec),
      peakTps: Math.max(0, ...timeline.map((p) => p.ok + p.answered)),
      bytesRead,
    },
    errors,
    latencyMs: {
      p50: round(latency.percentile(50), 2),
      p95: round(latency.percentile(95), 2),
      p99: round(latency.percentile(99), 2),
      max: round(latency.max, 2),
      mean: round(latency.mean(), 2),
    },
    timeline,
    resources,
    notes,
  };
  if (interrupted) result.interrupted = true;
  if (resources.processes.some((p) => p.role === 'app' || p.role === 'redis')) result.cpuPerRequest = cpuPerRequest(resources, requests);
  if (cell.killAtSec !== undefined) {
    result.kill = analyseKill(timeline, cell.killAtSec, options.restartAtSec?.() ?? null);
  }
  return result;
}
