import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigError, readEnv } from './env';

class AppEnv {
  @IsInt() @Min(0) @Max(65535) PORT: number = 8080;
  @IsString() HOST: string = '0.0.0.0';
  /** The instance name in the study's words: dept-mariadb, dept-redis, dept-redis-aof, dept-redis-always. */
  @IsString() APP_NAME: string = 'dept-api';
  @IsInt() @Min(1024) @Max(10 * 1024 * 1024) BODY_LIMIT_BYTES: number = 16384;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'verbose']) LOG_LEVEL: string = 'info';
  @IsInt() @Min(0) @Max(120_000) SHUTDOWN_GRACE_MS: number = 10_000;
  @IsOptional() @IsIn(['true', 'false']) DOCS_ENABLED: string = 'true';
  /** Whole request, headers and body, from the first byte; a slow sender is answered 408 and closed. */
  @IsInt() @Min(100) @Max(600_000) REQUEST_TIMEOUT_MS: number = 30_000;
  /** Request line and headers; at most REQUEST_TIMEOUT_MS. */
  @IsInt() @Min(100) @Max(600_000) HEADERS_TIMEOUT_MS: number = 10_000;
  /** A new connection that sends nothing for this long is closed (once a request starts, the headers and request timeouts apply; between requests, the keep-alive timeout). */
  @IsInt() @Min(100) @Max(600_000) CONNECTION_TIMEOUT_MS: number = 75_000;
  /** An idle keep-alive connection is closed after this (Fastify's default 72 s, kept for the load runs). */
  @IsInt() @Min(100) @Max(600_000) KEEP_ALIVE_TIMEOUT_MS: number = 72_000;
}

export interface AppConfig {
  port: number;
  host: string;
  name: string;
  bodyLimitBytes: number;
  logLevel: string;
  shutdownGraceMs: number;
  docsEnabled: boolean;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = readEnv(AppEnv);
  if (env.HEADERS_TIMEOUT_MS > env.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(`invalid configuration:\n  HEADERS_TIMEOUT_MS=${env.HEADERS_TIMEOUT_MS}: must not exceed REQUEST_TIMEOUT_MS=${env.REQUEST_TIMEOUT_MS}`);
  }
  return {
    port: env.PORT,
    host: env.HOST,
    name: env.APP_NAME,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    docsEnabled: env.DOCS_ENABLED !== 'false',
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: env.HEADERS_TIMEOUT_MS,
    connectionTimeoutMs: env.CONNECTION_TIMEOUT_MS,
    keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
  };
});
