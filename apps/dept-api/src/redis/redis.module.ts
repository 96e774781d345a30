import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisConfig } from '@app/config';
import { REDIS_EXECUTOR, RedisExecutor, SingleRedis, redact } from '@app/redis';
import { createExecutor } from './executor.factory';

@Global()
@Module({
  providers: [
    {
      provide: REDIS_EXECUTOR,
      inject: [ConfigService],
      useFactory: (config: ConfigService): RedisExecutor | null => {
        const redis = config.getOrThrow<RedisConfig>('redis');
        const executor = createExecutor(redis);
        new Logger('redis').log(
          executor ? `topology ${executor.topology} at ${redact(redis.url)}${redis.peerUrl ? ` + ${redact(redis.peerUrl)}` : ''}` : 'REDIS_MODE=none: no cache, Redis routes disabled',
        );
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

export { SingleRedis };
