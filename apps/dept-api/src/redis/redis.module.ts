import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisConfig } from '@app/config';
import { REDIS_EXECUTOR, RedisExecutor, SentinelRedis, redact } from '@app/redis';
import { MirroredRedis } from '@app/redis-ha';
import { ApiMetrics } from '@app/observability';
import { createExecutor } from './executor.factory';

@Global()
@Module({
  providers: [
    {
      provide: REDIS_EXECUTOR,
      inject: [ConfigService, ApiMetrics],
      useFactory: (config: ConfigService, metrics: ApiMetrics): RedisExecutor | null => {
        const redis = config.getOrThrow<RedisConfig>('redis');
        const executor = createExecutor(redis);
        if (executor instanceof SentinelRedis) {
          metrics.addCollector('dept_redis_sentinel_events', 'Sentinel client counters since start (connects, master switches, READONLY replies, short WAITs, revived)', ['event'], () =>
            Object.entries(executor.stats()).map(([event, value]) => ({ labels: { event }, value: Number(value) })),
          );
        }
        if (executor instanceof MirroredRedis) {
          // Mirror failures, failovers and ejections are counted by the client and read at scrape time.
          metrics.addCollector('dept_redis_ha_events', 'Mirrored-pair client counters since start (mirror ok/failed/skipped, failovers, ejections, ...)', ['event'], () =>
            Object.entries(executor.stats()).map(([event, value]) => ({ labels: { event }, value: Number(value) })),
          );
        }
        const where =
          redis.mode === 'sentinel'
            ? `master group ${redis.sentinelName ?? 'mymaster'} via Sentinels ${(redis.sentinels ?? []).map((x) => `${x.host}:${x.port}`).join(',')}`
            : `${redact(redis.url)}${redis.peerUrl ? ` + ${redact(redis.peerUrl)}` : ''}`;
        new Logger('redis').log(executor ? `topology ${executor.topology} at ${where}` : 'REDIS_MODE=none: no cache, Redis routes disabled');
        return executor;
      },
    },
  ],
  exports: [REDIS_EXECUTOR],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_EXECUTOR) private readonly executor: RedisExecutor | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.executor?.close();
  }
}
