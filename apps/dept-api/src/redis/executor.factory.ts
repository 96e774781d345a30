import { Logger } from '@nestjs/common';
import type { RedisConfig } from '@app/config';
import { RedisExecutor, SentinelRedis, SingleRedis } from '@app/redis';
import { MirroredRedis } from '@app/redis-ha';

/** Picks the Redis topology from configuration; `none` means the instance runs without Redis. */
export function createExecutor(redis: RedisConfig): RedisExecutor | null {
  const auth = { username: redis.username, password: redis.password };
  switch (redis.mode) {
    case 'none':
      return null;
    case 'single':
      return new SingleRedis({ url: redis.url, ...auth, opTimeoutMs: redis.opTimeoutMs, connectTimeoutMs: redis.opTimeoutMs });
    case 'mirrored': {
      const logger = new Logger('redis-ha');
      return new MirroredRedis({
        nodes: [
          { url: redis.url, name: 'a', ...auth },
          { url: redis.peerUrl!, name: 'b', ...auth },
        ],
        mode: redis.mirrorMode,
        opTimeoutMs: redis.opTimeoutMs,
        readiness: redis.haReadiness,
        logger: { log: (m) => logger.log(m), warn: (m) => logger.warn(m) },
      });
    }
    case 'sentinel':
      // ioredis's own Sentinel support: fails fast during a failover (no offline queue), see SentinelRedis.
      return new SentinelRedis({
        sentinels: redis.sentinels ?? [],
        name: redis.sentinelName,
        ...auth,
        sentinelUsername: redis.sentinelUsername,
        sentinelPassword: redis.sentinelPassword,
        opTimeoutMs: redis.opTimeoutMs,
        connectTimeoutMs: redis.opTimeoutMs,
        waitReplicas: redis.sentinelWaitReplicas,
        natMap: redis.sentinelNatMap,
      });
  }
}
