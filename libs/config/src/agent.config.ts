import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ConfigError, readEnv } from './env';

const REDIS_URL_PATTERN = /^redis:\/\/[^\s]+$/;

/** redis-ha-agent's environment (docs/ha.md): its Redis, the peer, its HTTP port and its pace. */
class AgentEnv {
  @Matches(REDIS_URL_PATTERN, { message: 'REDIS_URL must be set to redis://host:port (this node\'s Redis)' }) REDIS_URL: string;
  @Matches(REDIS_URL_PATTERN, { message: 'REDIS_PEER_URL must be set to redis://host:port (the other node of the pair)' }) REDIS_PEER_URL: string;
  @IsOptional() @IsString() REDIS_USERNAME?: string;
  @IsOptional() @IsString() REDIS_PASSWORD?: string;
  /** Default: the host name. */
  @IsOptional() @IsString() NODE_NAME?: string;
  @IsString() AGENT_HOST: string = '0.0.0.0';
  @IsInt() @Min(0) @Max(65535) AGENT_PORT: number = 8081;
  @IsInt() @Min(50) @Max(3_600_000) AGENT_INTERVAL_MS: number = 1000;
  @IsInt() @Min(50) @Max(3_600_000) AGENT_MAX_BACKOFF_MS: number = 10_000;
  @IsInt() @Min(1000) @Max(86_400_000) AGENT_SYNC_TIMEOUT_MS: number = 600_000;
  @IsInt() @Min(10) @Max(10_000) AGENT_PAUSE_MS: number = 300;
  /** How often hints (writes the peer missed) are replayed while the node is ready. */
  @IsInt() @Min(10) @Max(60_000) AGENT_REPLAY_INTERVAL_MS: number = 100;
}

export interface AgentEnvConfig {
  redisUrl: string;
  peerUrl: string;
  username?: string;
  password?: string;
  nodeName?: string;
  host: string;
  port: number;
  intervalMs: number;
  maxBackoffMs: number;
  syncTimeoutMs: number;
  pauseMs: number;
  replayIntervalMs: number;
}

/** An unset variable and an empty one are the same: the default applies. */
function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

function endpoint(name: string, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`invalid configuration:\n  ${name}=${JSON.stringify(url)}: ${name} is not a valid URL; expected redis://host:port`);
  }
  return `${u.hostname}:${u.port || '6379'}`;
}

export function agentFromEnv(env: NodeJS.ProcessEnv = process.env): AgentEnvConfig {
  const e = readEnv(AgentEnv, withoutEmpty(env));
  if (endpoint('REDIS_URL', e.REDIS_URL) === endpoint('REDIS_PEER_URL', e.REDIS_PEER_URL)) {
    throw new ConfigError(`invalid configuration:\n  REDIS_PEER_URL=${JSON.stringify(e.REDIS_PEER_URL)}: points at the same host:port as REDIS_URL; it must be the other node of the pair`);
  }
  return {
    redisUrl: e.REDIS_URL,
    peerUrl: e.REDIS_PEER_URL,
    username: e.REDIS_USERNAME,
    password: e.REDIS_PASSWORD,
    nodeName: e.NODE_NAME,
    host: e.AGENT_HOST,
    port: e.AGENT_PORT,
    intervalMs: e.AGENT_INTERVAL_MS,
    maxBackoffMs: e.AGENT_MAX_BACKOFF_MS,
    syncTimeoutMs: e.AGENT_SYNC_TIMEOUT_MS,
    pauseMs: e.AGENT_PAUSE_MS,
    replayIntervalMs: e.AGENT_REPLAY_INTERVAL_MS,
  };
}
