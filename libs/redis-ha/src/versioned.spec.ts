import type Redis from 'ioredis';
import { waitFor } from '@app/async';
import { RedisServer } from '@app/procs';
import { BootstrapAgent } from './bootstrap';
import { MirroredRedis, MirroredRedisOptions } from './mirrored';
import { markNodeReady } from './probe';
import { directClient, startRedis, urlOf } from './testing/servers';
import { applyOn, compareStamps, encodeOps, HINTS_KEY, StampClock, VERSIONS_KEY } from './versioned';

describe('versioned writes of the mirrored pair', () => {
  let n1: RedisServer;
  let n2: RedisServer;
  let c1: Redis;
  let c2: Redis;
  const open: { close(): Promise<void> }[] = [];

  function pair(o: Partial<MirroredRedisOptions> = {}, order: 'n1' | 'n2' = 'n1'): MirroredRedis {
    const nodes: MirroredRedisOptions['nodes'] = [{ url: urlOf(n1), name: 'n1' }, { url: urlOf(n2), name: 'n2' }];
    if (order === 'n2') nodes.reverse();
    const ha = new MirroredRedis({ nodes, opTimeoutMs: 500, healthIntervalMs: 100, ...o });
    open.push(ha);
    return ha;
  }

  beforeEach(async () => {
    [n1, n2] = await Promise.all([startRedis('ver-1'), startRedis('ver-2')]);
    c1 = directClient(n1);
    c2 = directClient(n2);
    await Promise.all([markNodeReady(c1), markNodeReady(c2)]);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
    c1.disconnect();
    c2.disconnect();
    await Promise.all([n1.kill(), n2.kill()]);
  });

  it('a node keeps the newest stamp whatever order the copies arrive in, and a late old copy changes nothing', async () => {
    const clock = new StampClock(1);
    const older = clock.next();
    const newer = clock.next();
    const op = (v: string) => encodeOps([{ type: 'hash', key: 'h', fields: { deptName: v } }]);
    await applyOn(c2, op('new'), newer, 'm');
    expect(await applyOn(c2, op('old'), older, 'm')).toMatchObject({ applied: true, count: 0 });
    expect(await c2.hgetall('h')).toEqual({ deptName: 'new' });
    // The primary's copy is all or nothing and says which newer stamp beat it.
    expect(await applyOn(c2, op('old'), older, 'p')).toEqual({ applied: false, newer });
    expect(await c2.hget(VERSIONS_KEY, 'h')).toBe(newer);
  });

  it('stamps order by microseconds, then by writer tag', () => {
    expect(compareStamps('00001700000000000:0000000002', '00001700000000000:0000000001')).toBe(1);
    expect(compareStamps('00001700000000001:0000000001', '00001700000000000:0000000009')).toBe(1);
    expect(compareStamps(null, '00001700000000000:0000000001')).toBe(-1);
    const c = new StampClock(7);
    const a = c.next();
    c.observe('99999999999999999:0000000000');
    expect(compareStamps(c.next(), '99999999999999999:0000000000')).toBe(1);
    expect(compareStamps(a, c.next())).toBe(-1);
  });

  it('apply: the primary holds value, version and a hint; the mirror carries the same stamp; the hint is cleared once the peer has it', async () => {
    const ha = pair({ mode: 'sync' });
    await ha.apply([{ type: 'hash', key: 'd:1', fields: { deptNo: '1', deptName: 'one' } }, { type: 'sadd', key: 'ids', member: '1' }]);
    expect(await c2.hgetall('d:1')).toEqual({ deptNo: '1', deptName: 'one' });
    expect(await c2.sismember('ids', '1')).toBe(1);
    const v1 = await c1.hget(VERSIONS_KEY, 'd:1');
    expect(v1).not.toBeNull();
    expect(await c2.hget(VERSIONS_KEY, 'd:1')).toBe(v1);
    expect(await c2.hget(VERSIONS_KEY, 'ids\u00001')).toBe(v1);
    await waitFor('hints cleared', async () => (await c1.hlen(HINTS_KEY)) === 0, 5000, 20);
    // A re-save replaces the hash (no field of the earlier save survives), on both nodes.
    await ha.apply([{ type: 'hash', key: 'd:1', fields: { deptNo: '1', deptName: 'uno', payload: 'p' } }]);
    await ha.apply([{ type: 'hash', key: 'd:1', fields: { deptNo: '1', deptName: 'eins' } }]);
    expect(await c1.hgetall('d:1')).toEqual({ deptNo: '1', deptName: 'eins' });
    expect(await c2.hgetall('d:1')).toEqual({ deptNo: '1', deptName: 'eins' });
  });

  it('a cached value expires at the same instant on both nodes', async () => {
    const ha = pair({ mode: 'sync' });
    await ha.apply([{ type: 'set', key: 'cache:x', value: 'v', ttlSeconds: 30 }]);
    const [e1, e2] = await Promise.all([c1.call('PEXPIRETIME', 'cache:x'), c2.call('PEXPIRETIME', 'cache:x')]);
    expect(Number(e1)).toBeGreaterThan(Date.now() + 25_000);
    expect(e2).toBe(e1);
  });

  it('two writers with different primaries racing on the same keys leave both nodes equal', async () => {
    const x = pair({ mode: 'async' }, 'n1');
    const y = pair({ mode: 'async' }, 'n2');
    await Promise.all([x.ping(), y.ping()]);
    expect([x.primaryName(), y.primaryName()]).toEqual(['n1', 'n2']);
    const keys = ['r1', 'r2', 'r3'];
    await Promise.all(
      [x, y].map(async (w, wi) => {
        for (let i = 0; i < 150; i++) await w.apply([{ type: 'hash', key: keys[i % 3], fields: { v: `${wi}#${i}` } }]);
      }),
    );
    await waitFor('mirrors', async () => x.stats().mirrorOk + y.stats().mirrorOk === 300, 10_000, 20);
    for (const k of keys) {
      expect(await c2.hgetall(k)).toEqual(await c1.hgetall(k));
      expect(await c2.hget(VERSIONS_KEY, k)).toBe(await c1.hget(VERSIONS_KEY, k));
    }
  });

  it('a writer whose clock is behind the stored version retries past it (superseded), so the later write wins', async () => {
    const ha = pair({ mode: 'sync' });
    const future = `${String(Date.now() * 1000 + 5_000_000).padStart(17, '0')}:0000000001`;
    await applyOn(c1, encodeOps([{ type: 'set', key: 'k', value: 'from-the-future' }]), future, 'm');
    await ha.apply([{ type: 'set', key: 'k', value: 'later' }]);
    expect(await c1.get('k')).toBe('later');
    expect(await c2.get('k')).toBe('later');
    expect(ha.stats().superseded).toBe(1);
  });

  it('a read that misses on the primary finds a newer copy on the peer, and a newer delete on the primary wins', async () => {
    const ha = pair({ mode: 'async' });
    const clock = new StampClock(3);
    await applyOn(c2, encodeOps([{ type: 'hash', key: 'only-b', fields: { a: '1' } }]), clock.next(), 'p');
    expect(await ha.get('only-b', 'hash')).toEqual({ a: '1' });
    expect(ha.stats().peerReads).toBe(1);
    const old = clock.next();
    await applyOn(c2, encodeOps([{ type: 'hash', key: 'gone', fields: { a: '1' } }]), old, 'p');
    await applyOn(c1, encodeOps([{ type: 'del', key: 'gone' }]), clock.next(), 'p');
    expect(await ha.get('gone', 'hash')).toBeNull();
  });

  it('the agent replays hints left by a failed mirror (no app memory needed) and a re-join merges instead of erasing', async () => {
    const ha = pair({ mode: 'async', opTimeoutMs: 200 });
    await ha.ping();
    await c2.client('PAUSE', 800, 'WRITE');
    for (let i = 0; i < 5; i++) await ha.apply([{ type: 'hash', key: `h${i}`, fields: { v: String(i) } }]);
    await close(ha);
    // The writer is gone; the hints are on n1.
    const agent1 = new BootstrapAgent({ local: { url: urlOf(n1) }, peer: { url: urlOf(n2) }, nodeName: 'n1', intervalMs: 100, replayIntervalMs: 50, log: () => undefined });
    open.push({ close: () => agent1.stop() });
    agent1.start();
    await waitFor('hints replayed', async () => (await c1.hlen(HINTS_KEY)) === 0 && (await c2.hget('h4', 'v')) === '4', 10_000, 50);
    expect(agent1.status().hintsReplayed).toBeGreaterThanOrEqual(5);

    // n2 takes writes n1 never saw, then restarts with its data (AOF-like: here the node simply loses its marker).
    const clock = new StampClock(9);
    await applyOn(c2, encodeOps([{ type: 'hash', key: 'only-on-2', fields: { v: 'x' } }]), clock.next(), 'm');
    await c2.del('__redis-ha:ready');
    const agent2 = new BootstrapAgent({ local: { url: urlOf(n2) }, peer: { url: urlOf(n1) }, nodeName: 'n2', intervalMs: 100, log: () => undefined });
    open.push({ close: () => agent2.stop() });
    agent2.start();
    await agent2.waitUntilReady(15_000);
    expect(await c1.hgetall('only-on-2')).toEqual({ v: 'x' });
    expect(await c2.hgetall('only-on-2')).toEqual({ v: 'x' });
    expect(agent2.status().merged).toBe(1);
  });

  async function close(ha: MirroredRedis): Promise<void> {
    const i = open.indexOf(ha);
    if (i >= 0) open.splice(i, 1);
    await ha.close();
  }
});
