import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health';

const CHECK_TIMEOUT_MS = 1000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mariadb: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
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
    const checks: HealthIndicatorFunction[] = [() => this.mariadb.pingCheck('mariadb', { timeout: CHECK_TIMEOUT_MS })];
    if (this.redis.configured) checks.push(() => this.redis.isHealthy('redis', CHECK_TIMEOUT_MS));
    return this.health.check(checks);
  }
}
