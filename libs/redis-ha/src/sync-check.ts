import Redis from 'ioredis';
import { createRedisClient, waitUntilReady } from '@app/redis';
import { HA_KEY_PREFIX } from './probe';

export interface SyncCheckOptions {
  /** SCAN MATCH pattern; default every key. */
  match?: string;
  /** SCAN COUNT hint, also the pipeline batch size for value reads. Default 1000. */
  count?: number;
  /** How many differing keys to list in `sample`. Default 20. */
  sampleSize?: number;
  /** Key prefixes left out (the HA readiness marker by default). */
  excludePrefixes?: string[];
  /** The whole check fails after this long. Default 300000. */
  timeoutMs?: number;
}

export interface SyncDifference {
  key: string;
  kind: 'onlyA' | 'onlyB' | 'different';
  typeA?: string;
  typeB?: string;
}

export interface SyncReport {
  keysA: number;
  keysB: number;
  /** Keys present on both nodes (same or different value). */
  both: number;
  /** Keys present on both with the same type and value. */
  equal: number;
  onlyA: number;
  onlyB: number;
  different: number;
  /** equal / |A ∪ B|: the study's "Sync" column. 1 when both nodes are empty. */
  syncRatio: number;
  sample: SyncDifference[];
}

/** A node: an ioredis client (left open) or a URL (connected and closed here). */
export type SyncNode = Redis | { url: string; username?: string; password?: string };

/**
 * Compares two nodes' keyspaces, SCANning each node directly (never KEYS) and reading values
 * per type in pipelined batches: string GET, hash HGETALL, set SMEMBERS, list LRANGE,
 * zset ZRANGE WITHSCORES, stream XRANGE. TTLs are not compared.
 */
export async function syncCheck(nodeA: SyncNode, nodeB: SyncNode, options: SyncCheckOptions = {}): Promise<SyncReport> {
  const count = options.count ?? 1000;
  const sampleSize = options.sampleSize ?? 20;
  const exclude = options.excludePrefixes ?? [HA_KEY_PREFIX];
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const [a, closeA] = open(nodeA);
  const [b, closeB] = open(nodeB);
  try {
    await Promise.all([waitUntilReady(a), waitUntilReady(b)]);
    const [keysA, keysB] = await Promise.all([scanAll(a, options.match, count, exclude, deadline), scanAll(b, options.match, count, exclude, deadline)]);
    const report: SyncReport = { keysA: keysA.size, keysB: keysB.size, both: 0, equal: 0, onlyA: 0, onlyB: 0, different: 0, syncRatio: 1, sample: [] };
    const add = (d: SyncDifference) => {
      if (report.sample.length < sampleSize) report.sample.push(d);
    };
    const common: string[] = [];
    for (const k of keysA) {
      if (keysB.has(k)) common.push(k);
      else {
        report.onlyA++;
        add({ key: k, kind: 'onlyA' });
      }
    }
    for (const k of keysB) {
      if (!keysA.has(k)) {
        report.onlyB++;
        add({ key: k, kind: 'onlyB' });
      }
    }
    for (let i = 0; i < common.length; i += count) {
      checkDeadline(deadline);
      const batch = common.slice(i, i + count);
      const [valuesA, valuesB] = await Promise.all([readValues(a, batch), readValues(b, batch)]);
      batch.forEach((key, j) => {
        const va = valuesA[j];
        const vb = valuesB[j];
        // A key can expire or be deleted between SCAN and the read: it then exists on one side only.
        if (va.type === 'none' && vb.type === 'none') return;
        if (vb.type === 'none') {
          report.onlyA++;
          add({ key, kind: 'onlyA', typeA: va.type });
          return;
        }
        if (va.type === 'none') {
          report.onlyB++;
          add({ key, kind: 'onlyB', typeB: vb.type });
          return;
        }
        report.both++;
        if (va.type === vb.type && va.value === vb.value) report.equal++;
        else {
          report.different++;
          add({ key, kind: 'different', typeA: va.type, typeB: vb.type });
        }
      });
    }
    const union = report.both + report.onlyA + report.onlyB;
    report.syncRatio = union === 0 ? 1 : report.equal / union;
    return report;
  } finally {
    closeA();
    closeB();
  }
}

function open(node: SyncNode): [Redis, () => void] {
  if (node instanceof Redis) return [node, () => undefined];
  // Value reads of big keys can take longer than the API's op timeout.
  const client = createRedisClient({ ...node, opTimeoutMs: 30_000, connectTimeoutMs: 5000 });
  return [client, () => client.disconnect()];
}

function checkDeadline(deadline: number): void {
  if (Date.now() > deadline) throw new Error('sync check timed out; narrow it with `match` or raise `timeoutMs`');
}

async function scanAll(client: Redis, match: string | undefined, count: number, exclude: string[], deadline: number): Promise<Set<string>> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    checkDeadline(deadline);
    const [next, batch] = match ? await client.scan(cursor, 'MATCH', match, 'COUNT', count) : await client.scan(cursor, 'COUNT', count);
    cursor = next;
    for (const k of batch) if (!exclude.some((p) => k.startsWith(p))) keys.add(k);
  } while (cursor !== '0');
  return keys;
}

interface TypedValue {
  type: string;
  /** Canonical form: binary-safe (hex) and order-independent for sets and hashes. */
  value: string;
}

async function readValues(client: Redis, keys: string[]): Promise<TypedValue[]> {
  const typePipe = client.pipeline();
  for (const k of keys) typePipe.type(k);
  const types = unwrap(await typePipe.exec()).map(String);
  const valuePipe = client.pipeline();
  keys.forEach((k, i) => {
    switch (types[i]) {
      case 'string': valuePipe.getBuffer(k); break;
      case 'hash': valuePipe.hgetallBuffer(k); break;
      case 'set': valuePipe.smembersBuffer(k); break;
      case 'list': valuePipe.lrangeBuffer(k, 0, -1); break;
      case 'zset': valuePipe.zrangeBuffer(k, 0, -1, 'WITHSCORES'); break;
      case 'stream': valuePipe.xrangeBuffer(k, '-', '+'); break;
      // Module types: the serialised value is the only portable view.
      default: valuePipe.dumpBuffer(k);
    }
  });
  const values = unwrapLoose(await valuePipe.exec());
  return keys.map((_, i) => ({ type: types[i], value: canonical(types[i], values[i]) }));
}

function unwrap(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('pipeline was discarded');
  return results.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

// The key may have changed type or vanished between TYPE and the read: record the error as the value.
function unwrapLoose(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('pipeline was discarded');
  return results.map(([err, v]) => (err ? { error: err.message } : v));
}

function hex(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return `[${v.map(hex).join(',')}]`;
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function canonical(type: string, v: unknown): string {
  if (type === 'set' && Array.isArray(v)) return v.map(hex).sort().join(',');
  if (type === 'hash' && v && typeof v === 'object' && !Array.isArray(v) && !('error' in v)) {
    return Object.entries(v as Record<string, Buffer>).map(([f, x]) => `${Buffer.from(f).toString('hex')}=${hex(x)}`).sort().join(',');
  }
  return hex(v);
}
