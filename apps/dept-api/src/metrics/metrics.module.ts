import { Controller, Get, Global, Header, Module } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '@app/config';
import { ApiMetrics } from '@app/observability';

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: ApiMetrics,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => new ApiMetrics(config.getOrThrow<AppConfig>('app').name),
    },
  ],
  exports: [ApiMetrics],
})
export class MetricsModule {}
