// The checker: a pure function over the history and the final state of the nodes, read directly
// after the last heal and a convergence wait. Definitions (docs/ha.md "Fault runs"):
//
// - acked write: a POST answered 201. A write answered otherwise (timeout, reset, 5xx) is
//   indeterminate: it may have taken effect at any later time (Jepsen's :info), so it is never
//   counted lost and a node holding its value is never wrong for it. A 4xx write did not happen.
// - W1 real-time-precedes W2 when W1 completed before W2 was invoked (an indeterminate write
//   never completes, so it precedes nothing).
// - lost (per key): the key has acked writes and no node holds an acceptable value, i.e. a value
//   written by a write that real-time-precedes no acked write of that key. For a unique key (the
//   set) that is "absent on every node". A node value nobody wrote counts as unknown and is not
//   acceptable either.
// - in-flight at death: a lost key whose last acked write was invoked before, and completed at
//   most `inFlightWindowMs` before, a kill -9 of a node or of that write's app replica (async
//   mode's admitted window: the mirror had not completed when the only copy died).
// - one-node key: a department hash on one node only; differing: on both, deptName differs.
// - stale read: a read of key k returned v (or 404) although an acked write W' of k completed
//   before the read began and v's write real-time-precedes W' (404: any such W'). Same-replica
//   when W' went through the read's replica, else cross-replica. A value nobody wrote is
//   counted apart (neverWritten).
// - failed request: an answer 5xx/4xx other than 404, a timeout or a refused connection. Counted
//   per fault window ([start, stop + opTimeoutMs] by invoke time) and outside every window;
//   `withinBound` = took at most failBoundMs (default opTimeoutMs + 500 ms).
import type { FaultEvent, FaultKind, HistoryLine, OpRecord } from './history';
import { isAck, isFailure, isIndeterminate } from './history';

/** One node's departments as read directly at the end: id -> deptName (null: hash without deptName). */
export interface NodeSnapshot {
  name: string;
  values: Record<string, string | null>;
  /** Members of the id set. */
  ids: string[];
}

export interface CheckOptions {
  opTimeoutMs: number;
  /** A failed request "within the op timeout" took at most this (default opTimeoutMs + 500). */
  failBoundMs?: number;
  /** Default opTimeoutMs. */
  inFlightWindowMs?: number;
  /** Convergence measured by the orchestrator after the last heal; null = not within its bound. */
  convergenceMs?: number | null;
  /** Most examples kept per list in the result. */
  sample?: number;
}

export interface FaultWindowResult {
  id: number;
  kind: FaultKind;
  target: string;
  startMs: number;
  stopMs: number | null;
  requests: number;
  failed: number;
  failedWithinBound: number;
  maxFailedMs: number;
}

export interface CheckResult {
  ops: number;
  writes: number;
  acked: number;
  ackedAdds: number;
  ackedOverwrites: number;
  indeterminate: number;
  lost: { total: number; set: number; register: number; inFlightAtDeath: number; beyondInFlight: number; keys: string[] };
  /** Node values no request ever wrote. */
  unknownValues: number;
  oneNodeKeys: { count: number; byNode: Record<string, number>; keys: string[] };
  differing: { count: number; keys: Array<{ key: string; values: Array<string | null> }> };
  /** Hash present but id missing from the set, or the reverse (any node). */
  idSetMismatch: number;
  convergenceMs: number | null | undefined;
  staleReads: {
    reads: number;
    total: number;
    sameReplica: number;
    crossReplica: number;
    notFound: number;
    neverWritten: number;
    byReplica: Record<string, number>;
    examples: Array<{ n: number; key: string; got: string | null; newer: string }>;
  };
  failures: { total: number; withinBound: number; maxMs: number; windows: FaultWindowResult[]; outside: { requests: number; failed: number; failedWithinBound: number; maxFailedMs: number } };
}

const INF = Number.POSITIVE_INFINITY;

/** When a write is known complete: its answer for an acked (or refused) write, never for an indeterminate one. */
function effectiveComplete(w: OpRecord): number {
  return isIndeterminate(w) ? INF : w.completeMs;
}

export function check(lines: readonly HistoryLine[], nodes: readonly NodeSnapshot[], o: CheckOptions): CheckResult {
  const sample = o.sample ?? 20;
  const failBoundMs = o.failBoundMs ?? o.opTimeoutMs + 500;
  const inFlightWindowMs = o.inFlightWindowMs ?? o.opTimeoutMs;
  const ops = lines.filter((l): l is OpRecord => l.t === 'op');
  const faults = lines.filter((l): l is FaultEvent => l.t === 'fault');

  // Writes by key, and by (key, value): values are unique per write.
  const writesByKey = new Map<string, OpRecord[]>();
  const writeByValue = new Map<string, OpRecord>();
  for (const o2 of ops) {
    if (o2.op === 'read') continue;
    let list = writesByKey.get(o2.key);
    if (!list) writesByKey.set(o2.key, (list = []));
    list.push(o2);
    if (o2.value !== null) writeByValue.set(`${o2.key}\u0000${o2.value}`, o2);
  }
  const writes = ops.filter((x) => x.op !== 'read');
  const acked = writes.filter(isAck);

  // ---- lost acknowledged writes ----------------------------------------------------------------
  const deaths = faults.filter((f) => f.died);
  let unknownValues = 0;
  for (const n of nodes) {
    for (const [key, v] of Object.entries(n.values)) if (v === null || !writeByValue.has(`${key}\u0000${v}`)) unknownValues++;
  }
  const lostKeys: string[] = [];
  let lostSet = 0;
  let lostRegister = 0;
  let inFlightAtDeath = 0;
  for (const [key, list] of writesByKey) {
    const keyAcked = list.filter(isAck);
    if (!keyAcked.length) continue;
    const acceptable = (v: string | null | undefined): boolean => {
      if (v === undefined || v === null) return false;
      const w = writeByValue.get(`${key}\u0000${v}`);
      if (!w) return false;
      const done = effectiveComplete(w);
      return !keyAcked.some((a) => a !== w && done < a.invokeMs);
    };
    if (nodes.some((n) => acceptable(n.values[key]))) continue;
    lostKeys.push(key);
    if (list.every((w) => w.op === 'add')) lostSet++;
    else lostRegister++;
    const last = keyAcked.reduce((a, b) => (b.completeMs > a.completeMs ? b : a));
    const died = deaths.some((d) => {
      const relevant = d.died?.node !== undefined || d.died?.replica === last.replica;
      return relevant && d.atMs >= last.invokeMs && d.atMs <= last.completeMs + inFlightWindowMs;
    });
    if (died) inFlightAtDeath++;
  }

  // ---- node agreement --------------------------------------------------------------------------
  const oneNode: string[] = [];
  const byNode: Record<string, number> = {};
  const differing: Array<{ key: string; values: Array<string | null> }> = [];
  let differingCount = 0;
  if (nodes.length > 1) {
    const all = new Set(nodes.flatMap((n) => Object.keys(n.values)));
    for (const key of [...all].sort()) {
      const present = nodes.filter((n) => key in n.values);
      if (present.length < nodes.length) {
        for (const n of present) byNode[n.name] = (byNode[n.name] ?? 0) + 1;
        oneNode.push(key);
        continue;
      }
      const values = nodes.map((n) => n.values[key]);
      if (values.some((v) => v !== values[0])) {
        differingCount++;
        if (differing.length < sample) differing.push({ key, values });
      }
    }
  }
  let idSetMismatch = 0;
  for (const n of nodes) {
    const ids = new Set(n.ids);
    for (const key of Object.keys(n.values)) if (!ids.has(key)) idSetMismatch++;
    for (const id of ids) if (!(id in n.values)) idSetMismatch++;
  }

  // ---- stale reads -----------------------------------------------------------------------------
  const stale = { reads: 0, total: 0, sameReplica: 0, crossReplica: 0, notFound: 0, neverWritten: 0, byReplica: {} as Record<string, number>, examples: [] as CheckResult['staleReads']['examples'] };
  for (const r of ops) {
    if (r.op !== 'read' || (r.status !== 200 && r.status !== 404)) continue;
    stale.reads++;
    const keyAcked = (writesByKey.get(r.key) ?? []).filter(isAck);
    let newer: OpRecord[];
    if (r.status === 404) {
      newer = keyAcked.filter((a) => a.completeMs < r.invokeMs);
      if (newer.length) stale.notFound++;
    } else {
      const w = r.value === null ? undefined : writeByValue.get(`${r.key}\u0000${r.value}`);
      if (!w) {
        stale.neverWritten++;
        continue;
      }
      const done = effectiveComplete(w);
      newer = keyAcked.filter((a) => a !== w && a.completeMs < r.invokeMs && done < a.invokeMs);
    }
    if (!newer.length) continue;
    stale.total++;
    if (newer.some((a) => a.replica === r.replica)) stale.sameReplica++;
    else stale.crossReplica++;
    stale.byReplica[String(r.replica)] = (stale.byReplica[String(r.replica)] ?? 0) + 1;
    if (stale.examples.length < sample) stale.examples.push({ n: r.n, key: r.key, got: r.value, newer: newer[newer.length - 1].value ?? '' });
  }

  // ---- failed requests per fault window --------------------------------------------------------
  const windows: FaultWindowResult[] = [];
  const starts = faults.filter((f) => f.phase === 'start' && f.kind !== 'none');
  for (const s of starts) {
    const stop = faults.find((f) => f.phase === 'stop' && f.id === s.id);
    windows.push({ id: s.id, kind: s.kind, target: s.target, startMs: s.atMs, stopMs: stop?.atMs ?? null, requests: 0, failed: 0, failedWithinBound: 0, maxFailedMs: 0 });
  }
  const outside = { requests: 0, failed: 0, failedWithinBound: 0, maxFailedMs: 0 };
  let failedTotal = 0;
  let failedWithin = 0;
  let maxFailed = 0;
  for (const op of ops) {
    const inWindows = windows.filter((w) => op.invokeMs >= w.startMs && op.invokeMs <= (w.stopMs ?? INF) + o.opTimeoutMs);
    const buckets = inWindows.length ? inWindows : [outside];
    const failed = isFailure(op);
    const ms = op.completeMs - op.invokeMs;
    for (const b of buckets) {
      b.requests++;
      if (!failed) continue;
      b.failed++;
      if (ms <= failBoundMs) b.failedWithinBound++;
      b.maxFailedMs = Math.max(b.maxFailedMs, Math.round(ms));
    }
    if (failed) {
      failedTotal++;
      if (ms <= failBoundMs) failedWithin++;
      maxFailed = Math.max(maxFailed, Math.round(ms));
    }
  }

  return {
    ops: ops.length,
    writes: writes.length,
    acked: acked.length,
    ackedAdds: acked.filter((a) => a.op === 'add').length,
    ackedOverwrites: acked.filter((a) => a.op === 'write').length,
    indeterminate: writes.filter(isIndeterminate).length,
    lost: { total: lostKeys.length, set: lostSet, register: lostRegister, inFlightAtDeath, beyondInFlight: lostKeys.length - inFlightAtDeath, keys: lostKeys.slice(0, sample) },
    unknownValues,
    oneNodeKeys: { count: oneNode.length, byNode, keys: oneNode.slice(0, sample) },
    differing: { count: differingCount, keys: differing },
    idSetMismatch,
    convergenceMs: o.convergenceMs,
    staleReads: stale,
    failures: { total: failedTotal, withinBound: failedWithin, maxMs: maxFailed, windows, outside },
  };
}
