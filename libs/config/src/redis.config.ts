import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateIf, Matches } from 'class-validator';
import { ConfigError, readEnv } from './env';

const REDIS_URL_PATTERN = /^redis:\/\/[^\s]+$/;
/** `host:port,host:port,...` (at least one; IPv6 hosts in brackets: `[::1]:26379`). */
const SENTINELS_PATTERN = /^\s*(\[[^\]\s]+\]|[^\s,:[\]]+):\d{1,5}\s*(,\s*(\[[^\]\s]+\]|[^\s,:[\]]+):\d{1,5}\s*)*$/;

class RedisEnv {
  /** none: no Redis (dept-mariadb); single: one Redis or one proxy; mirrored: the HA pair client; sentinel: ioredis on Redis Sentinel. */
  @IsIn(['none', 'single', 'mirrored', 'sentinel'], { message: 'REDIS_MODE must be one of none, single, mirrored, sentinel' }) REDIS_MODE: string = 'single';
  @Matches(REDIS_URL_PATTERN, { message: 'REDIS_URL must look like redis://host:port' }) REDIS_URL: string = 'redis://127.0.0.1:6379';
  @ValidateIf((o: RedisEnv) => o.REDIS_MODE === 'mirrored')
  @Matches(REDIS_URL_PATTERN, { message: 'REDIS_PEER_URL must be set to redis://host:port when REDIS_MODE=mirrored' })
  REDIS_PEER_URL?: string;
  @ValidateIf((o: RedisEnv) => o.REDIS_MODE === 'sentinel')
  @Matches(SENTINELS_PATTERN, { message: 'REDIS_SENTINELS must be set to host:port[,host:port...] (the Sentinels) when REDIS_MODE=sentinel' })
  REDIS_SENTINELS?: string;
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'REDIS_SENTINEL_NAME must be the master group name Sentinel monitors (letters, digits, . _ -)' })
  REDIS_SENTINEL_NAME: string = 'mymaster';
  @IsOptional()
  @Matches(/^\s*[^\s,=]+:\d{1,5}=[^\s,=]+:\d{1,5}\s*(,\s*[^\s,=]+:\d{1,5}=[^\s,=]+:\d{1,5}\s*)*$/, {
    message: 'REDIS_SENTINEL_NAT_MAP must be host:port=host:port[,...] (address the Sentinels name = address to connect to)',
  })
  REDIS_SENTINEL_NAT_MAP?: string;
  @IsOptional() @IsString() REDIS_SENTINEL_USERNAME?: string;
  @IsOptional() @IsString() REDIS_SENTINEL_PASSWORD?: string;
  /** Sentinel mode: WAIT for this many replicas after each write (0 = off). */
  @IsInt({ message: 'REDIS_SENTINEL_WAIT_REPLICAS must be an integer from 0 to 10' }) @Min(0, { message: 'REDIS_SENTINEL_WAIT_REPLICAS must be an integer from 0 to 10' }) @Max(10, { message: 'REDIS_SENTINEL_WAIT_REPLICAS must be an integer from 0 to 10' })
  REDIS_SENTINEL_WAIT_REPLICAS: number = 0;
  @IsIn(['async', 'sync']) REDIS_MIRROR_MODE: string = 'async';
  @IsOptional() @IsString() REDIS_USERNAME?: string;
  @IsOptional() @IsString() REDIS_PASSWORD?: string;
  /** marker: a node counts only once its redis-ha-agent marked it in sync; role: any master (no agents). */
  @IsIn(['marker', 'role']) REDIS_HA_READINESS: string = 'marker';
  @IsInt() @Min(10) @Max(30_000) REDIS_OP_TIMEOUT_MS: number = 1000;
  @IsInt() @Min(1) @Max(7 * 24 * 3600) CACHE_TTL_SECONDS: number = 600;
}

export interface RedisConfig {
  mode: 'none' | 'single' | 'mirrored' | 'sentinel';
  url: string;
  peerUrl?: string;
  /** Sentinel mode: the Sentinels' addresses (empty otherwise). */
  sentinels?: { host: string; port: number }[];
  /** Sentinel mode: the master group name (default `mymaster`). */
  sentinelName?: string;
  /** Sentinel mode: announced `host:port` -> address to connect to (a proxy in the fault runs). */
  sentinelNatMap?: Record<string, { host: string; port: number }>;
  sentinelUsername?: string;
  sentinelPassword?: string;
  /** Sentinel mode: replicas to WAIT for after each write (0 = off). */
  sentinelWaitReplicas?: number;
  mirrorMode: 'async' | 'sync';
  haReadiness: 'marker' | 'role';
  username?: string;
  password?: string;
  opTimeoutMs: number;
  cacheTtlSeconds: number;
}

export function redisFromEnv(env: NodeJS.ProcessEnv = process.env): RedisConfig {
  const e = readEnv(RedisEnv, env);
  const sentinels = e.REDIS_MODE === 'sentinel' ? parseSentinels(e.REDIS_SENTINELS ?? '') : [];
  const badPort = sentinels.find((s) => s.port < 1 || s.port > 65535);
  if (badPort) throw new ConfigError(`invalid configuration:\n  REDIS_SENTINELS=${JSON.stringify(e.REDIS_SENTINELS)}: port ${badPort.port} of ${badPort.host} is not 1-65535`);
  return {
    mode: e.REDIS_MODE as RedisConfig['mode'],
    url: e.REDIS_URL,
    peerUrl: e.REDIS_PEER_URL,
    sentinels,
    sentinelName: e.REDIS_SENTINEL_NAME,
    sentinelNatMap: e.REDIS_SENTINEL_NAT_MAP ? parseNatMap(e.REDIS_SENTINEL_NAT_MAP) : undefined,
    sentinelUsername: e.REDIS_SENTINEL_USERNAME || undefined,
    sentinelPassword: e.REDIS_SENTINEL_PASSWORD || undefined,
    sentinelWaitReplicas: e.REDIS_SENTINEL_WAIT_REPLICAS,
    mirrorMode: e.REDIS_MIRROR_MODE as RedisConfig['mirrorMode'],
    haReadiness: e.REDIS_HA_READINESS as RedisConfig['haReadiness'],
    username: e.REDIS_USERNAME || undefined,
    password: e.REDIS_PASSWORD || undefined,
    opTimeoutMs: e.REDIS_OP_TIMEOUT_MS,
    cacheTtlSeconds: e.CACHE_TTL_SECONDS,
  };
}

/** `host:port,host:port` (already validated) into addresses; `[::1]:26379` for IPv6. */
export function parseSentinels(list: string): { host: string; port: number }[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const i = s.lastIndexOf(':');
      return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
    });
}

/** `a:1=b:2,c:3=d:4` into `{ 'a:1': { host: 'b', port: 2 }, ... }` (already validated). */
export function parseNatMap(list: string): Record<string, { host: string; port: number }> {
  const out: Record<string, { host: string; port: number }> = {};
  for (const pair of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [from, to] = pair.split('=');
    out[from] = parseSentinels(to)[0];
  }
  return out;
}

export const redisConfig = registerAs('redis', () => redisFromEnv());
