// dept-api on the mirrored pair end to end: dept-api in-process with REDIS_MODE=mirrored, two real
// redis-server processes and a BootstrapAgent beside each (in-process). Writes reach both nodes;
// the primary is SIGKILLed under load and restarted empty; the agent resyncs it; the sync check
// reads 100 %.
import type Redis from 'ioredis';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RepositoryKeys } from '@app/departments';
import { RedisServer } from '@app/procs';
import { sleep } from '@app/async';
import { BootstrapAgent, syncCheck } from '@app/redis-ha';
import { directClient, startRedis, urlOf } from '../libs/redis-ha/src/testing/servers';
import { createApp } from '../apps/dept-api/src/bootstrap';
import { http, testDatabaseEnv } from './support/api';

const OP_TIMEOUT_MS = 500;

let nodeA: RedisServer;
let nodeB: RedisServer;
let agentA: BootstrapAgent;
let agentB: BootstrapAgent;
let a: Redis;
let b: Redis;
let app: NestFastifyApplication;
let baseUrl: string;

function agent(local: RedisServer, peer: RedisServer): BootstrapAgent {
  return new BootstrapAgent({
    local: { url: urlOf(local) },
    peer: { url: urlOf(peer) },
    nodeName: local.name,
    intervalMs: 100,
    maxBackoffMs: 400,
    log: () => undefined,
  });
}

async function metricsEvents(): Promise<Record<string, number>> {
  const text = (await http(baseUrl, 'GET', '/metrics')).text;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^dept_redis_ha_events\{[^}]*\bevent="([^"]+)"[^}]*\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

beforeAll(async () => {
  nodeA = await startRedis('api-ha-a', { persistence: 'everysec' });
  nodeB = await startRedis('api-ha-b', { persistence: 'everysec' });
  agentA = agent(nodeA, nodeB);
  agentB = agent(nodeB, nodeA);
  agentA.start();
  agentB.start();
  await Promise.all([agentA.waitUntilReady(10_000), agentB.waitUntilReady(10_000)]);
  a = directClient(nodeA);
  b = directClient(nodeB);
  Object.assign(process.env, {
    APP_NAME: 'dept-ha-test',
    LOG_LEVEL: 'error',
    REDIS_MODE: 'mirrored',
    REDIS_URL: urlOf(nodeA),
    REDIS_PEER_URL: urlOf(nodeB),
    REDIS_MIRROR_MODE: 'async',
    REDIS_HA_READINESS: 'marker',
    REDIS_OP_TIMEOUT_MS: String(OP_TIMEOUT_MS),
    ...testDatabaseEnv(),
  });
  app = await createApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await Promise.all([agentA?.stop(), agentB?.stop()]);
  a?.disconnect();
  b?.disconnect();
  await Promise.all([nodeA?.kill(), nodeB?.kill()]);
  for (const k of ['REDIS_PEER_URL', 'REDIS_MIRROR_MODE', 'REDIS_HA_READINESS']) delete process.env[k];
});

describe('dept-api with REDIS_MODE=mirrored', () => {
  it('mirrors every POST /api/departmentRedises to both nodes and counts it', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await http(baseUrl, 'POST', '/api/departmentRedises', { deptNo: `m${i}`, deptName: `mirrored ${i}` });
      expect(res.status).toBe(201);
    }
    // Async mirror: the peer's copy follows the primary's reply; give it a bounded moment.
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && (await b.exists(RepositoryKeys.hash('m19'))) === 0) await sleep(20);
    for (let i = 0; i < 20; i++) {
      const [ha, hb] = await Promise.all([a.hgetall(RepositoryKeys.hash(`m${i}`)), b.hgetall(RepositoryKeys.hash(`m${i}`))]);
      expect(ha).toEqual({ deptNo: `m${i}`, deptName: `mirrored ${i}` });
      expect(hb).toEqual(ha);
    }
    const events = await metricsEvents();
    expect(events.writes).toBeGreaterThanOrEqual(20);
    expect(events.mirrorOk).toBeGreaterThanOrEqual(20);
    expect(events.mirrorFailed).toBe(0);
  });

  it('keeps answering while the primary is SIGKILLed and restarted empty; the agent resyncs it to 100 %', async () => {
    const seeded = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const acked: string[] = [];
    const failures: string[] = [];
    let maxLatencyMs = 0;
    let stop = false;
    let n = 0;
    // Four clients, reads of rows written before the kill and new writes, until told to stop (bounded below).
    const worker = async (w: number) => {
      while (!stop) {
        const i = n++;
        const t0 = Date.now();
        const res =
          i % 2 === 0
            ? await http(baseUrl, 'GET', `/api/departmentRedises/${seeded[i % seeded.length]}`).catch((e: Error) => ({ status: 0, text: e.message }))
            : await http(baseUrl, 'POST', '/api/departmentRedises', { deptNo: `k${w}-${i}`, deptName: `kill ${i}` }).catch((e: Error) => ({ status: 0, text: e.message }));
        maxLatencyMs = Math.max(maxLatencyMs, Date.now() - t0);
        if (res.status === 201) acked.push(`k${w}-${i}`);
        else if (res.status !== 200) failures.push(`${res.status} ${res.text.slice(0, 120)}`);
      }
    };
    const hardStop = setTimeout(() => (stop = true), 25_000);
    const workers = [0, 1, 2, 3].map(worker);
    try {
      await sleep(1000);
      await nodeA.kill();
      await sleep(1000);
      await nodeA.start({ empty: true });
      const restartedAt = Date.now();
      // The agent notices the restart (no marker for the new run_id) and copies b into a.
      await sleep(300);
      await agentA.waitUntilReady(15_000);
      const inSyncMs = Date.now() - restartedAt;
      expect(agentA.status().lastBootstrap?.ok).toBe(true);
      await sleep(1000);
      stop = true;
      await Promise.all(workers);
      // Measured, printed for the record; the assertion is on failures.
      console.log(`kill test: ${n} requests, ${acked.length} writes acknowledged, ${failures.length} failed, max latency ${maxLatencyMs} ms, a in sync ${inSyncMs} ms after the restart`);
    } finally {
      stop = true;
      clearTimeout(hardStop);
      await Promise.all(workers);
    }
    // Reads fail over within one op timeout and writes go to the surviving node: no request fails.
    expect(failures).toEqual([]);
    expect(maxLatencyMs).toBeLessThan(OP_TIMEOUT_MS * 2 + 1000);
    expect(acked.length).toBeGreaterThan(20);
    const events = await metricsEvents();
    expect(events.failovers + events.ejections).toBeGreaterThan(0);

    await sleep(500); // the last async mirrors
    const report = await syncCheck(a, b);
    expect(report.sample).toEqual([]);
    expect(report.syncRatio).toBe(1);
    for (const id of [...seeded, ...acked]) {
      const [ha, hb] = await Promise.all([a.hgetall(RepositoryKeys.hash(id)), b.hgetall(RepositoryKeys.hash(id))]);
      expect(ha.deptNo).toBe(id);
      expect(hb).toEqual(ha);
    }
  });
});
