// redis-ha-agent: runs beside one Redis of a standalone pair; resyncs it from the peer when it
// comes back empty or behind, and reports readiness over HTTP. Configuration: see docs/ha.md.
import { BootstrapAgent } from '@app/redis-ha';
import { ConfigError } from '@app/config';
import { loadAgentConfig } from './config';
import { createAgentMetrics } from './metrics';
import { createAgentServer } from './server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadAgentConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`redis-ha-agent: configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const agent = new BootstrapAgent(config.bootstrap);
  const registry = createAgentMetrics(agent, { defaults: true });
  const server = createAgentServer(agent, registry);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const d = agent.describe();
  console.log(`[redis-ha-agent ${d.node}] listening on ${config.host}:${config.port}; local ${d.local}, peer ${d.peer}`);
  agent.start();
  const shutdown = async (signal: string) => {
    console.log(`[redis-ha-agent ${d.node}] ${signal}: stopping`);
    server.close();
    await agent.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(`redis-ha-agent: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
