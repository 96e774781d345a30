// Direct reads of the nodes at the end of a run (never through a proxy or the API): every
// department hash's deptName and the id set; keys under `__redis-ha:` are left out.
import Redis from 'ioredis';
import { sleep } from '@app/async';
import type { NodeSnapshot } from './checker';
import type { HistoryLine } from './history';

export const DEPT_SET = 'htdp1:dept-spring:repository:departments';
export const DEPT_PREFIX = `${DEPT_SET}:`;
const HA_PREFIX = '__redis-ha:';

export async function readNode(name: string, url: string, timeoutMs = 10_000): Promise<NodeSnapshot> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: timeoutMs, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const keys: string[] = [];
    let cursor = '0';
    const deadline = Date.now() + timeoutMs;
    do {
      const [next, batch] = await c.scan(cursor, 'MATCH', `${DEPT_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch.filter((k) => !k.startsWith(HA_PREFIX)));
      if (Date.now() > deadline) throw new Error(`scan of ${name} took over ${timeoutMs} ms`);
    } while (cursor !== '0');
    const values: Record<string, string | null> = {};
    const pipe = c.pipeline();
    for (const k of keys) pipe.hget(k, 'deptName');
    const res = keys.length ? ((await pipe.exec()) ?? []) : [];
    keys.forEach((k, i) => {
      const [err, v] = res[i] ?? [null, null];
      if (err) return; // not a hash (WRONGTYPE): not a department
      values[k.slice(DEPT_PREFIX.length)] = (v as string | null) ?? null;
    });
    const ids = await c.smembers(DEPT_SET);
    return { name, values, ids };
  } finally {
    c.disconnect();
  }
}

/** deptName of each given department id on one node (null: absent), read directly, pipelined. */
export async function readDepartments(url: string, ids: readonly string[], timeoutMs = 10_000): Promise<Array<string | null>> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: timeoutMs, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    if (!ids.length) return [];
    const pipe = c.pipeline();
    for (const id of ids) pipe.hget(`${DEPT_PREFIX}${id}`, 'deptName');
    const res = (await pipe.exec()) ?? [];
    return ids.map((_, i) => {
      const [err, v] = res[i] ?? [null, null];
      if (err) throw err;
      return (v as string | null) ?? null;
    });
  } finally {
    c.disconnect();
  }
}

export function sameState(a: NodeSnapshot, b: NodeSnapshot): boolean {
  const ka = Object.keys(a.values);
  if (ka.length !== Object.keys(b.values).length) return false;
  if (ka.some((k) => !(k in b.values) || a.values[k] !== b.values[k])) return false;
  if (a.ids.length !== b.ids.length) return false;
  const ib = new Set(b.ids);
  return a.ids.every((i) => ib.has(i));
}

/**
 * Polls the nodes until they hold the same departments, at most `boundMs`. Returns the ms from
 * `fromMs` (the last heal, on the run's clock `now`) to the first equal read, or null; and the
 * last snapshots read.
 */
export async function waitConverged(nodes: Array<{ name: string; url: string }>, boundMs: number, now: () => number, fromMs: number, everyMs = 200): Promise<{ convergenceMs: number | null; snapshots: NodeSnapshot[] }> {
  const deadline = Date.now() + boundMs;
  let snapshots: NodeSnapshot[] = [];
  for (;;) {
    try {
      snapshots = await Promise.all(nodes.map((n) => readNode(n.name, n.url)));
      if (snapshots.length < 2 || snapshots.every((s) => sameState(snapshots[0], s))) return { convergenceMs: Math.max(0, Math.round(now() - fromMs)), snapshots };
    } catch {
      // a node still restarting: try again
    }
    if (Date.now() > deadline) break;
    await sleep(everyMs);
  }
  if (!snapshots.length) snapshots = await Promise.all(nodes.map((n) => readNode(n.name, n.url)));
  return { convergenceMs: null, snapshots };
}

/** Keys written before `healMs` and not since: the ones whose copies must agree after the heal. */
export function keysSettledBefore(lines: readonly HistoryLine[], healMs: number): Set<string> {
  const before = new Set<string>();
  const after = new Set<string>();
  for (const l of lines) {
    if (l.t !== 'op' || l.op === 'read') continue;
    (l.invokeMs < healMs ? before : after).add(l.key);
  }
  for (const k of after) before.delete(k);
  return before;
}

/**
 * Convergence after the last heal, measured while the workload goes on: polls both nodes until
 * every key written before the heal (and not since) has the same value, or absence, on both.
 * Returns ms from the heal, or null if not within `boundMs`.
 */
export async function waitHealConverged(nodes: Array<{ name: string; url: string }>, lines: readonly HistoryLine[], healMs: number, now: () => number, boundMs: number, stopped: () => boolean, everyMs = 250): Promise<number | null> {
  if (nodes.length < 2) return 0;
  const deadline = Date.now() + boundMs;
  while (Date.now() <= deadline && !stopped()) {
    try {
      // Only the keys that must agree, read by id: a poll costs the workload's keys, not the
      // dataset's (a SCAN of a node preloaded with 1M keys took about a second per poll).
      const keys = [...keysSettledBefore(lines, healMs)];
      const [a, b] = await Promise.all(nodes.slice(0, 2).map((n) => readDepartments(n.url, keys)));
      if (a.every((v, i) => v === b[i])) return Math.max(0, Math.round(now() - healMs));
    } catch {
      // a node still restarting
    }
    await sleep(everyMs);
  }
  return null;
}
