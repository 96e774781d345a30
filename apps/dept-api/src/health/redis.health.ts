import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { REDIS_EXECUTOR, RedisExecutor } from '@app/redis';
import { withTimeout } from '@app/async';

/** Redis through the executor's own ping, so it checks what the topology needs (one node, the pair, ...). */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_EXECUTOR) private readonly redis: RedisExecutor | null,
  ) {}

  /** Whether this instance has Redis at all (REDIS_MODE=none has not). */
  get configured(): boolean {
    return this.redis !== null;
  }

  async isHealthy(key: string, timeoutMs: number): Promise<HealthIndicatorResult> {
    const check = this.indicators.check(key);
    const redis = this.redis;
    if (!redis) return check.up({ topology: 'none' });
    try {
      await withTimeout(redis.ping(), timeoutMs);
      return check.up({ topology: redis.topology, nodes: redis.describe() });
    } catch (err) {
      return check.down({ message: (err as Error).message, topology: redis.topology, nodes: redis.describe() });
    }
  }
}
