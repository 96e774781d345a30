import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { readEnv } from './env';

class AppEnv {
  @IsInt() @Min(0) @Max(65535) PORT: number = 8080;
  @IsString() HOST: string = '0.0.0.0';
  /** The instance name in the study's words: dept-mariadb, dept-redis, dept-redis-aof, dept-redis-always. */
  @IsString() APP_NAME: string = 'dept-api';
  @IsInt() @Min(1024) @Max(10 * 1024 * 1024) BODY_LIMIT_BYTES: number = 16384;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'verbose']) LOG_LEVEL: string = 'info';
  @IsInt() @Min(0) @Max(120_000) SHUTDOWN_GRACE_MS: number = 10_000;
  @IsOptional() @IsIn(['true', 'false']) DOCS_ENABLED: string = 'true';
}

export interface AppConfig {
  port: number;
  host: string;
  name: string;
  bodyLimitBytes: number;
  logLevel: string;
  shutdownGraceMs: number;
  docsEnabled: boolean;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = readEnv(AppEnv);
  return {
    port: env.PORT,
    host: env.HOST,
    name: env.APP_NAME,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    docsEnabled: env.DOCS_ENABLED !== 'false',
  };
});
