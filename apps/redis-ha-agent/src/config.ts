import { hostname } from 'node:os';
import type { BootstrapOptions } from '@app/redis-ha';

export interface AgentConfig {
  bootstrap: BootstrapOptions;
  host: string;
  port: number;
}

/** A bad or missing environment variable; the message names it. */
export class AgentConfigError extends Error {}

/** Reads and validates the agent's environment; throws AgentConfigError naming the first bad variable. */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const redisUrl = requireUrl(env, 'REDIS_URL');
  const peerUrl = requireUrl(env, 'REDIS_PEER_URL');
  if (sameEndpoint(redisUrl, peerUrl)) throw new AgentConfigError('REDIS_PEER_URL points at the same host:port as REDIS_URL; it must be the other node of the pair');
  const username = optional(env, 'REDIS_USERNAME');
  const password = optional(env, 'REDIS_PASSWORD');
  return {
    host: optional(env, 'AGENT_HOST') ?? '0.0.0.0',
    port: integer(env, 'AGENT_PORT', 8081, 0, 65535),
    bootstrap: {
      local: { url: redisUrl, username, password },
      peer: { url: peerUrl, username, password },
      nodeName: optional(env, 'NODE_NAME') ?? hostname(),
      intervalMs: integer(env, 'AGENT_INTERVAL_MS', 1000, 50, 3_600_000),
      maxBackoffMs: integer(env, 'AGENT_MAX_BACKOFF_MS', 10_000, 50, 3_600_000),
      syncTimeoutMs: integer(env, 'AGENT_SYNC_TIMEOUT_MS', 600_000, 1000, 86_400_000),
      pauseMs: integer(env, 'AGENT_PAUSE_MS', 300, 10, 10_000),
    },
  };
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function requireUrl(env: NodeJS.ProcessEnv, name: string): string {
  const v = optional(env, name);
  if (!v) throw new AgentConfigError(`${name} is required (redis://host:port)`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new AgentConfigError(`${name} is not a valid URL; expected redis://host:port`);
  }
  if (u.protocol !== 'redis:' || !u.hostname) throw new AgentConfigError(`${name} must look like redis://host:port (got protocol ${u.protocol})`);
  return v;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const v = optional(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new AgentConfigError(`${name} must be an integer between ${min} and ${max} (got "${v}")`);
  return n;
}

function sameEndpoint(a: string, b: string): boolean {
  const ua = new URL(a);
  const ub = new URL(b);
  return ua.hostname === ub.hostname && (ua.port || '6379') === (ub.port || '6379');
}
