import type { RedisConfig } from '@app/config';
import { RedisExecutor, SingleRedis } from '@app/redis';

/** Picks the Redis topology from configuration; `none` means the instance runs without Redis. */
export function createExecutor(redis: RedisConfig): RedisExecutor | null {
  const common = { username: redis.username, password: redis.password, opTimeoutMs: redis.opTimeoutMs, connectTimeoutMs: redis.opTimeoutMs };
  switch (redis.mode) {
    case 'none':
      return null;
    case 'single':
      return new SingleRedis({ url: redis.url, ...common });
    case 'mirrored':
      throw new Error('REDIS_MODE=mirrored is not wired yet');
  }
}
