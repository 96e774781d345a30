import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AgentEvent, AgentState, BootstrapAgent } from '@app/redis-ha';

const STATES: AgentState[] = ['starting', 'ready', 'bootstrapping', 'waiting', 'local-down'];

/** The agent's Prometheus metrics, in their own registry (several agents can share a process in tests). */
export function createAgentMetrics(agent: BootstrapAgent, { defaults = false } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ node: agent.name });
  if (defaults) collectDefaultMetrics({ register: registry });
  const bootstraps = new Counter({ name: 'redis_ha_agent_bootstraps_total', help: 'Cold bootstraps from the peer, by result', labelNames: ['result'], registers: [registry] });
  const duration = new Histogram({
    name: 'redis_ha_agent_bootstrap_duration_seconds',
    help: 'Duration of cold bootstraps (REPLICAOF until promoted back)',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const state = new Gauge({ name: 'redis_ha_agent_state', help: '1 for the current state of the agent, 0 for the others', labelNames: ['state'], registers: [registry] });
  const ready = new Gauge({ name: 'redis_ha_agent_ready', help: '1 when the local node is in sync and marked ready', registers: [registry] });
  const lastKeys = new Gauge({ name: 'redis_ha_agent_last_sync_keys', help: 'Keys on the local node after the last successful bootstrap', registers: [registry] });
  // Read at scrape time from the agent's own counters (no event per replayed hint).
  new Counter({
    name: 'redis_ha_agent_hints_replayed_total',
    help: 'Hints on the local node replayed to the peer and cleared (writes the peer had missed)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(agent.status().hintsReplayed);
    },
  });
  new Counter({
    name: 'redis_ha_agent_merged_total',
    help: 'Elements merged into the peer before a bootstrap copied it over the local node',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(agent.status().merged);
    },
  });
  new Gauge({
    name: 'redis_ha_agent_hints_pending',
    help: 'Hints waiting on the local node at the last replay (writes the peer may still lack)',
    registers: [registry],
    collect() {
      this.set(agent.status().hintsPending ?? 0);
    },
  });
  bootstraps.inc({ result: 'ok' }, 0);
  bootstraps.inc({ result: 'failed' }, 0);
  const setState = (s: AgentState) => {
    for (const x of STATES) state.set({ state: x }, x === s ? 1 : 0);
    ready.set(s === 'ready' ? 1 : 0);
  };
  setState(agent.status().state);
  agent.on('event', (e: AgentEvent) => {
    if (e.type === 'state') setState(e.status.state);
    if (e.type === 'bootstrap-finished') {
      bootstraps.inc({ result: e.result.ok ? 'ok' : 'failed' });
      duration.observe(e.result.durationMs / 1000);
      if (e.result.ok) lastKeys.set(e.result.keys);
    }
  });
  return registry;
}
