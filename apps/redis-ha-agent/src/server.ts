import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { BootstrapAgent } from '@app/redis-ha';

/**
 * GET /health/live (the process answers), GET /health/ready (200 only when the local node is in
 * sync, 503 with the reason otherwise), GET /metrics (Prometheus text).
 */
export function createAgentServer(agent: BootstrapAgent, registry: Registry): Server {
  return createServer((req, res) => {
    handle(agent, registry, req, res).catch((err) => send(res, 500, { error: String(err) }));
  });
}

async function handle(agent: BootstrapAgent, registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'only GET' });
  if (path === '/health/live') return send(res, 200, { status: 'ok', node: agent.name });
  if (path === '/health/ready') {
    const s = agent.status();
    return send(res, s.ready ? 200 : 503, { status: s.ready ? 'ready' : 'not-ready', ...s });
  }
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(await registry.metrics());
    return;
  }
  send(res, 404, { error: `no route ${path}; try /health/live, /health/ready, /metrics` });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
