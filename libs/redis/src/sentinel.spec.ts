import Redis from 'ioredis';
import { createConnection, createServer } from 'node:net';
import { sleep } from '@app/async';
import { pauseRedis, resumeRedis, startSentinelTopology, SentinelTopology } from '@app/procs';
import { SentinelRedis, SentinelWaitError } from '.';

describe('SentinelRedis', () => {
  let topo: SentinelTopology;
  const direct: Redis[] = [];

  beforeAll(async () => {
    topo = await startSentinelTopology();
  });

  afterAll(async () => {
    for (const c of direct) c.disconnect();
    await topo?.kill();
  });

  const on = (port: number) => {
    const c = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    c.on('error', () => undefined);
    direct.push(c);
    return c;
  };

  it('finds the master through the Sentinels, reads and applies ops there, describes itself', async () => {
    const ex = new SentinelRedis({ sentinels: topo.sentinelAddresses, name: topo.masterName, opTimeoutMs: 500 });
    try {
      await waitPing(ex);
      await ex.apply([
        { type: 'hash', key: 'h', fields: { a: '1' } },
        { type: 'set', key: 's', value: 'v', ttlSeconds: 60 },
        { type: 'sadd', key: 'set', member: 'm' },
      ]);
      expect(await ex.get('h', 'hash')).toEqual({ a: '1' });
      expect(await ex.get('s', 'string')).toBe('v');
      expect(await ex.get('nope', 'hash')).toBeNull();
      expect(await on(topo.nodes[0].port).hgetall('h')).toEqual({ a: '1' });
      expect(ex.describe()).toMatchObject({ topology: 'sentinel', name: 'mymaster', status: 'ready', master: `127.0.0.1:${topo.nodes[0].port}` });
    } finally {
      await ex.close();
    }
  });

  it('natMap: connects to the address it maps the announced master to (a proxy in the fault runs)', async () => {
    const [a] = topo.nodes;
    let piped = 0;
    const proxy = createServer((client) => {
      piped++;
      const upstream = createConnection({ host: '127.0.0.1', port: a.port });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as { port: number }).port;
    const ex = new SentinelRedis({ sentinels: topo.sentinelAddresses, opTimeoutMs: 500, natMap: { [`127.0.0.1:${a.port}`]: { host: '127.0.0.1', port: proxyPort } } });
    try {
      await waitPing(ex);
      await ex.apply([{ type: 'set', key: 'via-proxy', value: '1' }]);
      expect(ex.describe().master).toBe(`127.0.0.1:${proxyPort}`);
      expect(piped).toBeGreaterThanOrEqual(1);
      expect(await on(a.port).get('via-proxy')).toBe('1');
    } finally {
      await ex.close();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('with waitReplicas=1, a write no replica acknowledges fails with SentinelWaitError (applied on the master all the same)', async () => {
    const ex = new SentinelRedis({ sentinels: topo.sentinelAddresses, opTimeoutMs: 600, waitReplicas: 1 });
    const replica = topo.nodes[1];
    try {
      await waitPing(ex);
      await ex.apply([{ type: 'set', key: 'w1', value: '1' }]);
      pauseRedis(replica);
      const err = await ex.apply([{ type: 'set', key: 'w2', value: '2' }]).catch((e: Error) => e);
      expect(err).toBeInstanceOf(SentinelWaitError);
      expect(ex.stats().waitShort).toBe(1);
      expect(await ex.get('w2', 'string')).toBe('2');
    } finally {
      resumeRedis(replica);
      await ex.close();
    }
  });

  it('an unknown master group never connects and ping fails within the op timeout', async () => {
    const ex = new SentinelRedis({ sentinels: topo.sentinelAddresses, name: 'nosuch', opTimeoutMs: 300 });
    try {
      const t0 = Date.now();
      await expect(ex.ping()).rejects.toThrow();
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await ex.close();
    }
  });

  it('a client that ioredis ends while it resolves the master (the failover-detector race) connects again', async () => {
    const ex = new SentinelRedis({ sentinels: topo.sentinelAddresses, opTimeoutMs: 300 });
    const master = on(topo.nodes[0].port);
    try {
      await waitPing(ex);
      // Sentinels that do not answer keep the client in its "ask the Sentinels" loop...
      for (const s of topo.sentinels) s.pause();
      await master.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      const deadline = Date.now() + 5000;
      while (ex.client.status !== 'connecting' && Date.now() < deadline) await sleep(10);
      expect(ex.client.status).toBe('connecting');
      // ...where +switch-master makes the failover detector call connector.disconnect().
      (ex.client as unknown as { connector: { disconnect(): void } }).connector.disconnect();
      const ended = Date.now() + 5000;
      while (ex.stats().revived === 0 && Date.now() < ended) await sleep(20);
      expect(ex.stats().revived).toBeGreaterThanOrEqual(1);
    } finally {
      for (const s of topo.sentinels) s.resume();
    }
    try {
      await waitPing(ex, 15_000);
      await ex.apply([{ type: 'set', key: 'revived', value: '1' }]);
    } finally {
      await ex.close();
    }
  }, 30_000);

  it('a paused master (SIGSTOP): commands fail within the op timeout, writes resume on the promoted replica (failover detector)', async () => {
    const ex = new SentinelRedis({ sentinels: topo.sentinelAddresses, opTimeoutMs: 300 });
    const current = await topo.currentMaster();
    const old = topo.nodeByPort(current!.port)!;
    try {
      await waitPing(ex);
      pauseRedis(old);
      const pausedAt = Date.now();
      const t0 = Date.now();
      await expect(ex.apply([{ type: 'set', key: 'paused', value: '1' }])).rejects.toThrow();
      expect(Date.now() - t0).toBeLessThan(1000);
      const promoted = await topo.waitForFailover(old.port, 20_000);
      const promotedAt = Date.now();
      // The paused master never closes the socket: only +switch-master tells ioredis to move.
      let resumedAt = 0;
      const deadline = Date.now() + 10_000;
      while (!resumedAt && Date.now() < deadline) {
        await ex.apply([{ type: 'set', key: 'after-pause', value: '1' }]).then(() => (resumedAt = Date.now()), () => sleep(50));
      }
      console.log(`sentinel pause: promoted ${promotedAt - pausedAt} ms after SIGSTOP; writes resumed ${resumedAt - pausedAt} ms after it`);
      expect(resumedAt).toBeGreaterThan(0);
      expect(ex.describe().master).toBe(`127.0.0.1:${promoted.port}`);
      expect(await on(promoted.port).get('after-pause')).toBe('1');
    } finally {
      resumeRedis(old);
      await ex.close();
    }
  }, 40_000);
});

async function waitPing(ex: SentinelRedis, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ex.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}
