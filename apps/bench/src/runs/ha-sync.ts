// The HA runs' sync measures (acknowledged keys looked up on both nodes; syncCheck over the
// keyspaces, which is also `bench ha sync-check`), and the small readings they share.
import type Redis from 'ioredis';
import { REDIS_HASH_PREFIX } from '@app/scenarios';
import { syncCheck } from '@app/redis-ha';
import type { SyncNode, SyncReport } from '@app/redis-ha';
import type { AckedSync, KeyspaceSync } from '../results';
import { HA_NAMES, HaPair, Stack } from '../stack';
import { UserError } from '../cli/errors';
import { runFrame } from './frame';

/**
 * The study's "Sync" over what the API acknowledged: every acknowledged deptNo's hash, read on
 * both nodes directly with pipelined HGETALL, present and equal on both. Bounded by the batch count.
 */
export async function ackedSync(a: Redis, b: Redis, ackedIds: Iterable<string>, batch = 1000): Promise<AckedSync> {
  const ids = [...new Set(ackedIds)];
  const out: AckedSync = { acked: ids.length, equalOnBoth: 0, onlyA: 0, onlyB: 0, missing: 0, different: 0, ratio: 1 };
  for (let i = 0; i < ids.length; i += batch) {
    const keys = ids.slice(i, i + batch).map((id) => REDIS_HASH_PREFIX + id);
    const read = async (c: Redis) => {
      const p = c.pipeline();
      for (const k of keys) p.hgetall(k);
      const res = await p.exec();
      if (!res) throw new Error('pipeline discarded');
      return res.map(([err, v]) => (err ? null : (v as Record<string, string>)));
    };
    const [va, vb] = await Promise.all([read(a), read(b)]);
    keys.forEach((_, j) => {
      const x = va[j] && Object.keys(va[j]!).length ? va[j] : null;
      const y = vb[j] && Object.keys(vb[j]!).length ? vb[j] : null;
      if (x && y) {
        if (canonicalHash(x) === canonicalHash(y)) out.equalOnBoth++;
        else out.different++;
      } else if (x) out.onlyA++;
      else if (y) out.onlyB++;
      else out.missing++;
    });
  }
  out.ratio = out.acked ? round(out.equalOnBoth / out.acked, 6) : 1;
  return out;
}

function canonicalHash(h: Record<string, string>): string {
  return Object.keys(h).sort().map((k) => `${k}=${h[k]}`).join('\u0000');
}

export function toKeyspace(match: string, r: SyncReport): KeyspaceSync {
  return {
    match,
    keysA: r.keysA,
    keysB: r.keysB,
    equal: r.equal,
    onlyA: r.onlyA,
    onlyB: r.onlyB,
    different: r.different,
    syncRatio: round(r.syncRatio, 6),
    sample: r.sample.map((d) => ({ key: d.key, kind: d.kind })),
  };
}

export async function keyspaceSync(a: SyncNode, b: SyncNode, match = '*', timeoutMs = 120_000, sampleSize = 10): Promise<KeyspaceSync> {
  return toKeyspace(match, await syncCheck(a, b, { match: match === '*' ? undefined : match, sampleSize, timeoutMs }));
}

/** dept_redis_ha_events{event=...} from dept-api's /metrics (mirrored pair only; {} otherwise). */
export async function clientEvents(apiUrl: string): Promise<Record<string, number>> {
  try {
    const res = await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
    const text = await res.text();
    const out: Record<string, number> = {};
    // Other labels (the registry's default app label) may come before or after `event`.
    for (const m of text.matchAll(/^dept_redis_ha_events\{[^}]*\bevent="([^"]+)"[^}]*\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
    return out;
  } catch {
    return {};
  }
}

/** Keys on a node, HA marker excluded (DBSIZE minus the marker when present). */
export async function keyCount(c: Redis): Promise<number> {
  const [size, marker] = await Promise.all([c.dbsize(), c.exists('__redis-ha:ready')]);
  return size - marker;
}

export const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
export const pct = (ratio: number) => `${round(ratio * 100, 2)} %`;

export interface SyncCheckOptions {
  /** redis:// URLs; default the local pair's nodes. */
  a?: string;
  b?: string;
  match: string;
  sample: number;
  /** Also write results/<run-id>/ with the report. */
  save?: boolean;
}

/** bench ha sync-check: the study's "Sync" column over two keyspaces, printed; recorded with --save. */
export async function runSyncCheck(o: SyncCheckOptions): Promise<void> {
  const pair = new HaPair(new Stack());
  const a = o.a ?? pair.redisUrl('a');
  const b = o.b ?? pair.redisUrl('b');
  const t0 = Date.now();
  let report;
  try {
    report = await keyspaceSync({ url: a }, { url: b }, o.match, 300_000, o.sample);
  } catch (err) {
    throw new UserError(`sync check of ${a} and ${b} failed: ${(err as Error).message}${o.a ? '' : ` (is the pair up? \`bench ha up\`; nodes ${HA_NAMES.redis.a}, ${HA_NAMES.redis.b})`}`);
  }
  const ms = Date.now() - t0;
  console.log(`a ${a}: ${report.keysA} keys;  b ${b}: ${report.keysB} keys  (match ${o.match}, ${ms} ms, SCAN)`);
  console.log(`equal on both ${report.equal}, only on a ${report.onlyA}, only on b ${report.onlyB}, different ${report.different}`);
  console.log(`Sync: ${pct(report.syncRatio)}`);
  for (const d of report.sample.slice(0, o.sample)) console.log(`  ${d.kind.padEnd(9)} ${d.key}`);
  if (o.save) {
    await runFrame('ha-sync-check', 'local', async (record) => {
      record.ha.syncChecks = [{ a, b, durationMs: ms, report }];
    });
  }
}
