// The workload, through the API only: workers spread over the dept-api replicas (worker w uses
// replica w mod N), paced to a total rate, each with at most one request in flight.
// - add: POST /api/departmentRedises with a new unique id (the set: every acked id must survive)
// - write: POST over one of a few shared ids with a deptName unique to this write (the register)
// - read: GET /api/departmentRedises/{id} of a shared id, or of an id another worker added
import { sleep } from '@app/async';
import type { HistoryRecorder, OpKind, OpRecord, OpStatus } from './history';
import { Prng } from './prng';

export interface WorkloadOptions {
  urls: (replica: number) => string;
  replicas: number;
  /** Total requests per second over all workers. */
  rate: number;
  workers: number;
  durationMs: number;
  /** Shared ids overwritten by every replica. */
  sharedKeys: number;
  /** Fractions of add and write; the rest are reads. */
  mix: { add: number; write: number };
  /** The client gives up after this (recorded `timeout`); above the API's own op timeouts. */
  clientTimeoutMs: number;
}

export interface WorkloadStats {
  requests: number;
  acked: number;
}

async function request(url: string, method: 'GET' | 'POST', body: unknown, timeoutMs: number): Promise<{ status: OpStatus; deptName: string | null }> {
  try {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let deptName: string | null = null;
    if (method === 'GET' && res.status === 200) {
      try {
        deptName = (JSON.parse(text) as { deptName?: string }).deptName ?? null;
      } catch {
        deptName = null;
      }
    }
    return { status: res.status, deptName };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { status: 'timeout', deptName: null };
    return { status: 'error', deptName: null };
  }
}

/** Runs the workload until `durationMs` passes or `stopped()`; every request goes into the history. */
export async function runWorkload(o: WorkloadOptions, h: HistoryRecorder, prng: Prng, stopped: () => boolean): Promise<WorkloadStats> {
  const acked: string[] = [];
  let seq = 0;
  const stats: WorkloadStats = { requests: 0, acked: 0 };
  const start = h.now();
  const end = start + o.durationMs;
  const interval = (1000 * o.workers) / o.rate;

  const worker = async (w: number): Promise<void> => {
    const rnd = prng.fork(`worker-${w}`);
    const replica = w % o.replicas;
    const base = o.urls(replica);
    let next = start + (interval * w) / o.workers;
    let i = 0;
    while (!stopped()) {
      const now = h.now();
      if (now >= end) break;
      if (next > now) await sleep(next - now);
      next += interval;
      if (h.now() >= end || stopped()) break;
      const roll = rnd.next();
      let op: OpKind;
      let key: string;
      let value: string | null = null;
      if (roll < o.mix.add) {
        op = 'add';
        key = `u${w}-${i++}`;
      } else if (roll < o.mix.add + o.mix.write) {
        op = 'write';
        key = `s${rnd.int(0, o.sharedKeys - 1)}`;
      } else {
        op = 'read';
        key = acked.length && rnd.next() < 0.5 ? acked[rnd.int(Math.max(0, acked.length - 200), acked.length - 1)] : `s${rnd.int(0, o.sharedKeys - 1)}`;
      }
      if (op !== 'read') value = `r${replica}#${seq++}`;
      const invokeMs = h.now();
      const res = op === 'read'
        ? await request(`${base}/api/departmentRedises/${encodeURIComponent(key)}`, 'GET', undefined, o.clientTimeoutMs)
        : await request(`${base}/api/departmentRedises`, 'POST', { deptNo: key, deptName: value }, o.clientTimeoutMs);
      const rec: OpRecord = h.op({ replica, worker: w, op, key, value: op === 'read' ? res.deptName : value, invokeMs, completeMs: h.now(), status: res.status });
      stats.requests++;
      if (rec.status === 201) {
        stats.acked++;
        if (op === 'add') acked.push(key);
      }
    }
  };
  await Promise.all(Array.from({ length: o.workers }, (_, w) => worker(w)));
  return stats;
}
