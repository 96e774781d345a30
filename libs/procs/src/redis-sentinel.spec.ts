import Redis from 'ioredis';
import { sleep } from '@app/async';
import { startSentinelTopology, SentinelTopology } from '.';

describe('startSentinelTopology', () => {
  let topo: SentinelTopology | undefined;

  afterEach(async () => {
    await topo?.kill();
    topo = undefined;
  });

  it('starts master, replica and 3 Sentinels; after kill -9 of the master the Sentinels promote the replica', async () => {
    topo = await startSentinelTopology({ downAfterMs: 1000, failoverTimeoutMs: 2000 });
    const [a, b] = topo.nodes;
    expect(topo.sentinels).toHaveLength(3);
    expect(await topo.currentMaster()).toEqual({ host: '127.0.0.1', port: a.port });
    for (const s of topo.sentinels) {
      const st = await s.masterState();
      expect(st.quorum).toBe('2');
      expect(st['num-slaves']).toBe('1');
      expect(st['num-other-sentinels']).toBe('2');
    }

    const client = new Redis({ port: a.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    await client.set('before', '1');
    await client.call('WAIT', '1', '1000');
    client.disconnect();

    const killedAt = Date.now();
    await a.kill();
    const promoted = await topo.waitForFailover(a.port, 20_000);
    const failoverMs = Date.now() - killedAt;
    console.log(`sentinel failover: replica promoted ${failoverMs} ms after kill -9 of the master (down-after 1000 ms)`);
    expect(promoted.port).toBe(b.port);
    expect(topo.nodeByPort(promoted.port)).toBe(b);
    expect(failoverMs).toBeLessThan(20_000);

    const nb = new Redis({ port: b.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    nb.on('error', () => undefined);
    expect(await nb.get('before')).toBe('1');
    await nb.set('after', '2');

    // The old master restarts (empty) and the Sentinels turn it into the new master's replica
    // (Sentinel waits for its next INFO of the old master and 8 s of a wrong role: ~10-20 s).
    await a.start({ empty: true });
    const restartedAt = Date.now();
    // Sentinel kills normal clients when it reconfigures a node: this one reconnects.
    const na = new Redis({ port: a.port, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    na.on('error', () => undefined);
    const deadline = Date.now() + 35_000;
    let value: string | null = null;
    while (Date.now() < deadline) {
      value = await na.get('after').catch(() => null);
      const role = ((await na.call('ROLE').catch(() => ['?'])) as string[])[0];
      if (role === 'slave' && value === '2') break;
      await sleep(200);
    }
    expect(value).toBe('2');
    console.log(`sentinel rejoin: old master a replica of b again ${Date.now() - restartedAt} ms after its restart`);
    nb.disconnect();
    na.disconnect();
    await topo.stop();
    expect(topo.sentinels.every((s) => !s.running())).toBe(true);
    expect(topo.nodes.every((n) => !n.running())).toBe(true);
  }, 90_000);
});
