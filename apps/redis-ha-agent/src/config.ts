import { hostname } from 'node:os';
import { agentFromEnv } from '@app/config';
import type { BootstrapOptions } from '@app/redis-ha';

export interface AgentConfig {
  bootstrap: BootstrapOptions;
  host: string;
  port: number;
}

/** Reads and validates the agent's environment (libs/config); a bad variable is a ConfigError naming it. */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const e = agentFromEnv(env);
  const credentials = { username: e.username, password: e.password };
  return {
    host: e.host,
    port: e.port,
    bootstrap: {
      local: { url: e.redisUrl, ...credentials },
      peer: { url: e.peerUrl, ...credentials },
      nodeName: e.nodeName ?? hostname(),
      intervalMs: e.intervalMs,
      maxBackoffMs: e.maxBackoffMs,
      syncTimeoutMs: e.syncTimeoutMs,
      pauseMs: e.pauseMs,
      replayIntervalMs: e.replayIntervalMs,
    },
  };
}
