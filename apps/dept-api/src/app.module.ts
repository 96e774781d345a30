import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { appConfig, databaseConfig, DatabaseConfig, redisConfig } from '@app/config';
import { dataSourceOptions } from '@app/mariadb';
import { DepartmentsModule } from './departments/departments.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { RedisModule } from './redis/redis.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, ignoreEnvFile: true, load: [appConfig, databaseConfig, redisConfig] }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        ...dataSourceOptions(config.getOrThrow<DatabaseConfig>('database')),
        retryAttempts: 5,
        retryDelay: 2000,
      }),
    }),
    MetricsModule,
    RedisModule,
    DepartmentsModule,
    HealthModule,
  ],
})
export class AppModule {}
