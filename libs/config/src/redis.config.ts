import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateIf, Matches } from 'class-validator';
import { readEnv } from './env';

const REDIS_URL_PATTERN = /^redis:\/\/[^\s]+$/;

class RedisEnv {
  /** none: no Redis (dept-mariadb); single: one Redis or one proxy; mirrored: the HA pair client. */
  @IsIn(['none', 'single', 'mirrored']) REDIS_MODE: string = 'single';
  @Matches(REDIS_URL_PATTERN, { message: 'REDIS_URL must look like redis://host:port' }) REDIS_URL: string = 'redis://127.0.0.1:6379';
  @ValidateIf((o: RedisEnv) => o.REDIS_MODE === 'mirrored')
  @Matches(REDIS_URL_PATTERN, { message: 'REDIS_PEER_URL must be set to redis://host:port when REDIS_MODE=mirrored' })
  REDIS_PEER_URL?: string;
  @IsIn(['async', 'sync']) REDIS_MIRROR_MODE: string = 'async';
  @IsOptional() @IsString() REDIS_USERNAME?: string;
  @IsOptional() @IsString() REDIS_PASSWORD?: string;
  /** marker: a node counts only once its redis-ha-agent marked it in sync; role: any master (no agents). */
  @IsIn(['marker', 'role']) REDIS_HA_READINESS: string = 'marker';
  @IsInt() @Min(10) @Max(30_000) REDIS_OP_TIMEOUT_MS: number = 1000;
  @IsInt() @Min(1) @Max(7 * 24 * 3600) CACHE_TTL_SECONDS: number = 600;
}

export interface RedisConfig {
  mode: 'none' | 'single' | 'mirrored';
  url: string;
  peerUrl?: string;
  mirrorMode: 'async' | 'sync';
  haReadiness: 'marker' | 'role';
  username?: string;
  password?: string;
  opTimeoutMs: number;
  cacheTtlSeconds: number;
}

export function redisFromEnv(env: NodeJS.ProcessEnv = process.env): RedisConfig {
  const e = readEnv(RedisEnv, env);
  return {
    mode: e.REDIS_MODE as RedisConfig['mode'],
    url: e.REDIS_URL,
    peerUrl: e.REDIS_PEER_URL,
    mirrorMode: e.REDIS_MIRROR_MODE as RedisConfig['mirrorMode'],
    haReadiness: e.REDIS_HA_READINESS as RedisConfig['haReadiness'],
    username: e.REDIS_USERNAME || undefined,
    password: e.REDIS_PASSWORD || undefined,
    opTimeoutMs: e.REDIS_OP_TIMEOUT_MS,
    cacheTtlSeconds: e.CACHE_TTL_SECONDS,
  };
}

export const redisConfig = registerAs('redis', () => redisFromEnv());
