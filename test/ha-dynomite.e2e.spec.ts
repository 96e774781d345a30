// The Dynomite pair of the study (§5), with our agent beside each Redis: a write through node 1
// lands on both Redis; a Redis restarted empty is resynced by its agent (Dynomite alone never
// does). Needs DYNOMITE_BIN; skipped with a message otherwise.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type Redis from 'ioredis';
import { RedisServer, dynomitePem, freePort, readPid, startDynomite, stopPid } from '@app/procs';
import { createRedisClient, waitUntilReady } from '@app/redis';
import { BootstrapAgent, syncCheck, waitDynomiteReplicating } from '@app/redis-ha';
import { directClient, startRedis, urlOf } from '../libs/redis-ha/src/testing/servers';
import { needsDynomite } from './dynomite';

const { bin, describe: describeDynomite } = needsDynomite('test/ha-dynomite.e2e.spec.ts');

describeDynomite('Dynomite pair (DC_QUORUM, one rack per DC) with redis-ha-agents', () => {
  let r1: RedisServer;
  let r2: RedisServer;
  const pidFiles: string[] = [];
  const agents: BootstrapAgent[] = [];
  let via1: Redis;
  let c1: Redis;
  let c2: Redis;

  beforeAll(async () => {
    r1 = await startRedis('dyn-1');
    r2 = await startRedis('dyn-2');
    const dir = mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'dynomite-'));
    const pem = dynomitePem(bin!, dir);
    const [l1, p1, s1, l2, p2, s2] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const n1 = await startDynomite(bin!, 'dyn-node-1', join(dir, 'n1'), {
      datacenter: 'dc1', rack: 'rack1', listenPort: l1, peerPort: p1, statsPort: s1, redisPort: r1.port, seed: { peerPort: p2, rack: 'rack2', datacenter: 'dc2' }, pemFile: pem,
    });
    pidFiles.push(n1.pidFile);
    const n2 = await startDynomite(bin!, 'dyn-node-2', join(dir, 'n2'), {
      datacenter: 'dc2', rack: 'rack2', listenPort: l2, peerPort: p2, statsPort: s2, redisPort: r2.port, seed: { peerPort: p1, rack: 'rack1', datacenter: 'dc1' }, pemFile: pem,
    });
    pidFiles.push(n2.pidFile);
    await waitDynomiteReplicating([l1, l2], [r1.port, r2.port]);
    for (const [local, peer] of [[r1, r2], [r2, r1]] as const) {
      const a = new BootstrapAgent({ local: { url: urlOf(local) }, peer: { url: urlOf(peer) }, nodeName: local.name, intervalMs: 100, maxBackoffMs: 400, log: () => undefined });
      a.start();
      agents.push(a);
    }
    await Promise.all(agents.map((a) => a.waitUntilReady(10_000)));
    via1 = createRedisClient({ url: `redis://127.0.0.1:${l1}`, opTimeoutMs: 2000 });
    await waitUntilReady(via1);
    c1 = directClient(r1);
    c2 = directClient(r2);
  });

  afterAll(async () => {
    via1?.disconnect();
    c1?.disconnect();
    c2?.disconnect();
    await Promise.all(agents.map((a) => a.stop()));
    for (const f of pidFiles) await stopPid(readPid(f), 'SIGKILL');
    await Promise.all([r1?.kill(), r2?.kill()]);
  });

  it('a write through node 1 is on both Redis; a Redis restarted empty is resynced by its agent', async () => {
    for (let i = 0; i < 50; i++) await via1.hmset(`dyn:${i}`, 'deptNo', `d${i}`, 'deptName', `name ${i}`);
    // The remote DC gets the write asynchronously: bounded wait.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await c2.exists('dyn:49')) === 0) await new Promise((r) => setTimeout(r, 50));
    expect((await syncCheck(c1, c2)).syncRatio).toBe(1);
    expect(await c2.hgetall('dyn:7')).toEqual({ deptNo: 'd7', deptName: 'name 7' });

    // Node 2's Redis dies and comes back without its data: Dynomite replays nothing.
    await r2.kill();
    await r2.start({ empty: true });
    await new Promise((r) => setTimeout(r, 300));
    await agents[1].waitUntilReady(15_000);
    expect(agents[1].status().lastBootstrap?.ok).toBe(true);
    const report = await syncCheck(c1, c2);
    expect(report.keysB).toBe(50);
    expect(report.syncRatio).toBe(1);
  });
});
