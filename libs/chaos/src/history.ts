// The run's history, Jepsen-style: one JSONL line per request (invoke and completion together,
// written when the request completes) and one per fault event, in one file.
import { createWriteStream, readFileSync, WriteStream } from 'node:fs';

/** add = POST of a new unique id (the set); write = POST over a shared id (the register); read = GET. */
export type OpKind = 'add' | 'write' | 'read';

/**
 * HTTP status, or `timeout` (no answer within the client's timeout) or `error` (connection
 * refused/reset: the replica is down). Only 201 acknowledges a write; a non-2xx write is
 * indeterminate (it may have taken effect), like Jepsen's `:info`.
 */
export type OpStatus = number | 'timeout' | 'error';

export interface OpRecord {
  t: 'op';
  /** Sequence number within the run. */
  n: number;
  /** dept-api replica index the request went to. */
  replica: number;
  worker: number;
  op: OpKind;
  key: string;
  /** The deptName written; for a read, the deptName returned (null for 404 or a failure). */
  value: string | null;
  /** ms since the run started (monotonic clock). */
  invokeMs: number;
  completeMs: number;
  /** Wall clock (epoch ms), for lining up with logs. */
  invokeWall: number;
  completeWall: number;
  status: OpStatus;
}

export type FaultKind =
  | 'none'
  | 'kill-node'
  | 'kill-node-empty'
  | 'pause-node'
  | 'partition'
  | 'double-partition'
  | 'partition-kill-app'
  | 'kill-agent'
  | 'latency';

export interface FaultEvent {
  t: 'fault';
  /** start = injected, stop = healed; step = an action inside a fault (e.g. the app kill). */
  phase: 'start' | 'stop' | 'step';
  kind: FaultKind;
  /** Human-readable target, e.g. `node a`, `replica 0 x node b`. */
  target: string;
  /** Fault id within the run, linking its start, steps and stop. */
  id: number;
  atMs: number;
  wall: number;
  detail?: string;
  /** On the event where a process dies: which node or app replica (for the in-flight count). */
  died?: { node?: string; replica?: number };
}

export interface MetaRecord {
  t: 'meta';
  topology: string;
  fault: string;
  seed: number;
  replicas: number;
  opTimeoutMs: number;
  startWall: number;
}

export type HistoryLine = OpRecord | FaultEvent | MetaRecord;

export function isAck(o: OpRecord): boolean {
  return o.op !== 'read' && o.status === 201;
}

/** A 4xx write did not happen; anything else that is not 201 may have (timeout, 5xx, reset). */
export function isIndeterminate(o: OpRecord): boolean {
  return o.op !== 'read' && o.status !== 201 && !(typeof o.status === 'number' && o.status >= 400 && o.status < 500);
}

export function isFailure(o: OpRecord): boolean {
  if (typeof o.status !== 'number') return true;
  return o.status >= 500 || (o.status >= 400 && o.status !== 404);
}

/** Collects the history in memory and appends it to a JSONL file as it goes. */
export class HistoryRecorder {
  readonly lines: HistoryLine[] = [];
  private readonly out: WriteStream | null;
  private t0 = performance.now();
  private n = 0;

  constructor(readonly file: string | null, meta: Omit<MetaRecord, 't' | 'startWall'>) {
    this.out = file ? createWriteStream(file, { flags: 'w' }) : null;
    this.lines.push({ t: 'meta', ...meta, startWall: Date.now() });
    this.metaWritten = false;
  }

  /** Restarts the clock (when the system is up and the workload begins); only the meta line may precede it. */
  startClock(): void {
    this.t0 = performance.now();
    const meta = this.lines.find((l): l is MetaRecord => l.t === 'meta');
    if (meta) meta.startWall = Date.now();
  }

  /** ms since the run started, monotonic, 0.1 ms resolution. */
  now(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  private metaWritten: boolean;

  private writeMeta(): void {
    if (this.metaWritten) return;
    this.metaWritten = true;
    this.out?.write(`${JSON.stringify(this.lines[0])}\n`);
  }

  private push(line: HistoryLine): void {
    this.writeMeta();
    this.lines.push(line);
    this.out?.write(`${JSON.stringify(line)}\n`);
  }

  op(r: Omit<OpRecord, 't' | 'n' | 'invokeWall' | 'completeWall'>): OpRecord {
    const wallNow = Date.now();
    const nowMs = this.now();
    const rec: OpRecord = {
      t: 'op',
      n: this.n++,
      ...r,
      invokeWall: Math.round(wallNow - (nowMs - r.invokeMs)),
      completeWall: Math.round(wallNow - (nowMs - r.completeMs)),
    };
    this.push(rec);
    return rec;
  }

  fault(e: Omit<FaultEvent, 't' | 'atMs' | 'wall'>): FaultEvent {
    const rec: FaultEvent = { t: 'fault', ...e, atMs: this.now(), wall: Date.now() };
    this.push(rec);
    return rec;
  }

  ops(): OpRecord[] {
    return this.lines.filter((l): l is OpRecord => l.t === 'op');
  }

  faults(): FaultEvent[] {
    return this.lines.filter((l): l is FaultEvent => l.t === 'fault');
  }

  close(): Promise<void> {
    this.writeMeta();
    const out = this.out;
    if (!out) return Promise.resolve();
    return new Promise((resolve) => out.end(resolve));
  }
}

/** Reads a history file back (for re-checking a kept run). */
export function readHistory(file: string): HistoryLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as HistoryLine);
}
