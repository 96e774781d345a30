// A dataset under the workload (issue 8: convergence by dataset size): every writable node gets the
// same `keys` string keys of 64 bytes, written directly (never through the API or a proxy), in
// pipelined batches; a replica gets them by replication. Each node then rewrites its AOF, so a node
// killed and restarted with its data comes back with the preload, as a long-lived node would.
import Redis from 'ioredis';
import { waitFor } from '@app/async';

export const PRELOAD_PREFIX = 'chaos:preload:';
const BATCH = 10_000;
const VALUE = 'x'.repeat(64);

function client(url: string): Redis {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 60_000, retryStrategy: () => null });
  c.on('error', () => undefined);
  return c;
}

/** Fills the nodes; resolves once every node holds `keys` preload keys and its AOF is rewritten. */
export async function preloadNodes(urls: readonly string[], keys: number): Promise<void> {
  if (keys <= 0) return;
  const clients = urls.map(client);
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const roles = await Promise.all(clients.map(async (c) => ((await c.call('ROLE')) as [string])[0]));
    await Promise.all(
      clients.map(async (c, n) => {
        if (roles[n] !== 'master') return;
        for (let from = 0; from < keys; from += BATCH) {
          const pipe = c.pipeline();
          for (let i = from; i < Math.min(keys, from + BATCH); i++) pipe.set(`${PRELOAD_PREFIX}${i}`, VALUE);
          const res = (await pipe.exec()) ?? [];
          const failed = res.find(([err]) => err);
          if (failed) throw new Error(`preload of ${urls[n]}: ${failed[0]!.message}`);
        }
      }),
    );
    const timeoutMs = 30_000 + keys / 10;
    for (const [n, c] of clients.entries()) {
      await waitFor(`preload: ${urls[n]} holding ${keys} keys`, async () => (await c.dbsize()) >= keys, timeoutMs);
      await c.call('BGREWRITEAOF').catch(() => undefined); // "already in progress" is fine
      await waitFor(`preload: ${urls[n]} AOF rewrite`, async () => {
        const info = await c.info('persistence');
        return /aof_rewrite_in_progress:0/.test(info) && !/aof_rewrite_scheduled:1/.test(info);
      }, timeoutMs);
    }
  } finally {
    clients.forEach((c) => c.disconnect());
  }
}
