import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import { REDIS_EXECUTOR, RedisExecutor } from '@app/redis';
import { withTimeout } from '@app/async';
import { DepartmentsRepository } from '../departments/departments.repository';

const CHECK_TIMEOUT_MS = 1000;


@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: DepartmentsRepository,
    @Inject(REDIS_EXECUTOR) private readonly redis: RedisExecutor | null,
  ) {}

  /** The process is up; dependencies are not checked (a restart would not fix them). */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when MariaDB and (if configured) Redis answer within 1 s. */
  @Get('ready')
  @HealthCheck()
  ready() {
    const checks: HealthIndicatorFunction[] = [
      async () => {
        const s = this.indicators.check('mariadb');
        try {
          await this.db.ping(CHECK_TIMEOUT_MS);
          return s.up();
        } catch (err) {
          return s.down({ message: (err as Error).message });
        }
      },
    ];
    const redis = this.redis;
    if (redis) {
      checks.push(async () => {
        const s = this.indicators.check('redis');
        try {
          await withTimeout(redis.ping(), CHECK_TIMEOUT_MS);
          return s.up({ topology: redis.topology, nodes: redis.describe() });
        } catch (err) {
          return s.down({ message: (err as Error).message, topology: redis.topology, nodes: redis.describe() });
        }
      });
    }
    return this.health.check(checks);
  }
}
