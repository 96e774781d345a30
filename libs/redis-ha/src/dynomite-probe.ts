// Whether a Dynomite sidecar pair replicates: used by bench's `ha up --topology dynomite`, the
// fault runs' `dynomite` topology (libs/chaos) and the Dynomite specs.
import { waitFor } from '@app/async';
import { createRedisClient } from '@app/redis';
import { HA_KEY_PREFIX } from './probe';

/**
 * Waits until a write through each Dynomite shows up on the other node's Redis, i.e. the two
 * sidecars have found each other. Uses a key under the HA prefix, left out of every count.
 */
export async function waitDynomiteReplicating(dynPorts: [number, number], redisPorts: [number, number], timeoutMs = 20_000): Promise<void> {
  const key = `${HA_KEY_PREFIX}dynomite-probe`;
  const clients = [...dynPorts, ...redisPorts].map((p) => createRedisClient({ url: `redis://127.0.0.1:${p}`, opTimeoutMs: 1000 }));
  try {
    for (const [via, other] of [[0, 3], [1, 2]] as const) {
      const value = `${Date.now()}-${via}`;
      await waitFor(`a write through Dynomite :${dynPorts[via]} to reach Redis :${redisPorts[other - 2]}`, async () => {
        await clients[via].set(key, value);
        return (await clients[other].get(key)) === value;
      }, timeoutMs, 250);
    }
    // Direct DEL on both Redis: a multi-node DEL through Dynomite answers :0 under DC_QUORUM.
    await Promise.all([clients[2].del(key), clients[3].del(key)]);
  } finally {
    for (const c of clients) c.disconnect();
  }
}
