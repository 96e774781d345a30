import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BootstrapAgent, markNodeReady } from '@app/redis-ha';
import { RedisServer } from '@app/procs';
import { waitFor } from '@app/async';
import { directClient, fill, startRedis, urlOf } from '../../../libs/redis-ha/src/testing/servers';
import { ConfigError } from '@app/config';
import { loadAgentConfig } from './config';
import { createAgentMetrics } from './metrics';
import { createAgentServer } from './server';

describe('loadAgentConfig', () => {
  const base = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PEER_URL: 'redis://redis-2:6379' };

  it('applies the documented defaults', () => {
    const c = loadAgentConfig({ ...base, NODE_NAME: 'node1' });
    expect(c).toMatchObject({ host: '0.0.0.0', port: 8081, bootstrap: { nodeName: 'node1', intervalMs: 1000, local: { url: base.REDIS_URL }, peer: { url: base.REDIS_PEER_URL } } });
  });

  it('passes the credentials to both connections', () => {
    const c = loadAgentConfig({ ...base, REDIS_USERNAME: 'ha', REDIS_PASSWORD: 'pw' });
    expect(c.bootstrap.local).toMatchObject({ username: 'ha', password: 'pw' });
    expect(c.bootstrap.peer).toMatchObject({ username: 'ha', password: 'pw' });
  });

  it.each([
    [{ REDIS_PEER_URL: base.REDIS_PEER_URL }, /REDIS_URL=undefined: REDIS_URL must be set to redis:\/\/host:port/],
    [{ REDIS_URL: base.REDIS_URL }, /REDIS_PEER_URL=undefined: REDIS_PEER_URL must be set/],
    [{ ...base, REDIS_URL: 'http://x:1' }, /REDIS_URL="http:\/\/x:1": REDIS_URL must be set to redis:\/\/host:port/],
    [{ ...base, REDIS_PEER_URL: 'not a url' }, /REDIS_PEER_URL="not a url": REDIS_PEER_URL must be set/],
    [{ ...base, REDIS_PEER_URL: 'redis://127.0.0.1' }, /REDIS_PEER_URL="redis:\/\/127.0.0.1": points at the same host:port/],
    [{ ...base, AGENT_PORT: '80a' }, /AGENT_PORT=null: .*AGENT_PORT must be an integer number/],
    [{ ...base, AGENT_INTERVAL_MS: '0' }, /AGENT_INTERVAL_MS=0: AGENT_INTERVAL_MS must not be less than 50/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadAgentConfig(env)).toThrow(ConfigError);
    expect(() => loadAgentConfig(env)).toThrow(message);
  });
});

describe('redis-ha-agent HTTP', () => {
  let n1: RedisServer;
  let n2: RedisServer;
  let agent: BootstrapAgent;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    [n1, n2] = await Promise.all([startRedis('http-1'), startRedis('http-2', { persistence: 'always' })]);
    agent = new BootstrapAgent({ local: { url: urlOf(n1) }, peer: { url: urlOf(n2) }, nodeName: 'http-1', intervalMs: 100, maxBackoffMs: 300, log: () => undefined });
    server = createAgentServer(agent, createAgentMetrics(agent));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await agent.stop();
    await new Promise((r) => server.close(r));
    await Promise.all([n1.kill(), n2.kill()]);
  });

  it('answers live at once, not ready with the reason while the peer is down, then ready after the bootstrap', async () => {
    const c2 = directClient(n2);
    await fill(c2, 'dept', 300);
    await n2.kill();
    agent.start();

    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    await waitFor('agent to notice the peer is down', async () => agent.status().state === 'waiting', 10_000, 50);
    const notReady = await fetch(`${base}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: 'not-ready', state: 'waiting', reason: expect.stringMatching(/unreachable/) });

    await n2.start(); // AOF always: comes back with its 300 keys
    await waitFor('peer loaded', async () => (await c2.dbsize().catch(() => 0)) >= 300, 10_000);
    await markNodeReady(c2);
    await waitFor('ready over HTTP', async () => (await fetch(`${base}/health/ready`)).status === 200, 20_000, 100);
    const ready = await (await fetch(`${base}/health/ready`)).json();
    expect(ready).toMatchObject({ status: 'ready', node: 'http-1', lastBootstrap: { ok: true, keys: 300 } });
    c2.disconnect();

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/redis_ha_agent_bootstraps_total\{result="ok",node="http-1"\} 1/);
    expect(metrics).toMatch(/redis_ha_agent_last_sync_keys\{node="http-1"\} 300/);
    expect(metrics).toMatch(/redis_ha_agent_state\{state="ready",node="http-1"\} 1/);
    expect(metrics).toMatch(/redis_ha_agent_state\{state="waiting",node="http-1"\} 0/);
    expect(metrics).toMatch(/redis_ha_agent_bootstrap_duration_seconds_count\{node="http-1"\} 1/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
