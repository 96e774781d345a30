import type Redis from 'ioredis';
import type { RedisServer } from '@app/procs';
import { syncCheck } from './sync-check';
import { DEFAULT_MARKER_KEY } from './probe';
import { directClient, fill, startRedis, urlOf } from './testing/servers';

describe('syncCheck', () => {
  let a: RedisServer;
  let b: RedisServer;
  let ca: Redis;
  let cb: Redis;

  beforeAll(async () => {
    [a, b] = await Promise.all([startRedis('sync-a'), startRedis('sync-b')]);
    ca = directClient(a);
    cb = directClient(b);
  });
  afterAll(async () => {
    ca.disconnect();
    cb.disconnect();
    await Promise.all([a.stop(), b.stop()]);
  });
  beforeEach(async () => {
    await Promise.all([ca.flushall(), cb.flushall()]);
  });

  it('reports two empty nodes as fully in sync', async () => {
    const r = await syncCheck(ca, cb);
    expect(r).toMatchObject({ keysA: 0, keysB: 0, both: 0, equal: 0, syncRatio: 1, sample: [] });
  });

  it('treats equal values of every type as equal, whatever their insertion order', async () => {
    for (const [c, order] of [[ca, 1], [cb, -1]] as const) {
      await c.set('s', 'x');
      await c.set('bin', Buffer.from([0, 255, 1]));
      const fields = order > 0 ? ['f1', '1', 'f2', '2'] : ['f2', '2', 'f1', '1'];
      await c.hmset('h', ...fields);
      await c.sadd('set', ...(order > 0 ? ['a', 'b', 'c'] : ['c', 'b', 'a']));
      await c.rpush('l', 'a', 'b');
      await c.zadd('z', ...(order > 0 ? ['1', 'a', '2', 'b'] : ['2', 'b', '1', 'a']));
      await c.xadd('st', '1-1', 'f', 'v');
    }
    // The readiness marker differs per node by design and is not data.
    await ca.set(DEFAULT_MARKER_KEY, 'run-a:1');
    await cb.set(DEFAULT_MARKER_KEY, 'run-b:2');
    const r = await syncCheck(ca, cb);
    expect(r).toMatchObject({ keysA: 7, keysB: 7, both: 7, equal: 7, onlyA: 0, onlyB: 0, different: 0, syncRatio: 1 });
  });

  it('finds keys only on A, only on B, different values and different types', async () => {
    await Promise.all([ca.set('same', '1'), cb.set('same', '1')]);
    await ca.set('only-a', '1');
    await cb.hmset('only-b', 'f', 'v');
    await Promise.all([ca.set('str', 'x'), cb.set('str', 'y')]);
    await Promise.all([ca.hmset('hash', 'f', '1'), cb.hmset('hash', 'f', '2')]);
    await Promise.all([ca.sadd('set', 'a', 'b'), cb.sadd('set', 'a')]);
    await Promise.all([ca.rpush('list', 'a', 'b'), cb.rpush('list', 'b', 'a')]);
    await Promise.all([ca.zadd('zset', 1, 'a'), cb.zadd('zset', 2, 'a')]);
    await Promise.all([ca.set('typed', 'a'), cb.sadd('typed', 'a')]);

    const r = await syncCheck({ url: urlOf(a) }, { url: urlOf(b) });
    expect(r).toMatchObject({ keysA: 8, keysB: 8, both: 7, equal: 1, onlyA: 1, onlyB: 1, different: 6 });
    expect(r.syncRatio).toBeCloseTo(1 / 9);
    const byKey = Object.fromEntries(r.sample.map((d) => [d.key, d]));
    expect(byKey['only-a'].kind).toBe('onlyA');
    expect(byKey['only-b'].kind).toBe('onlyB');
    expect(byKey.typed).toMatchObject({ kind: 'different', typeA: 'string', typeB: 'set' });
    for (const k of ['str', 'hash', 'set', 'list', 'zset']) expect(byKey[k].kind).toBe('different');
    expect(byKey.same).toBeUndefined();
  });

  it('honours match and sampleSize', async () => {
    await fill(ca, 'x', 50);
    await fill(cb, 'y', 50);
    const r = await syncCheck(ca, cb, { match: 'x:*', sampleSize: 5 });
    expect(r).toMatchObject({ keysA: 50, keysB: 0, onlyA: 50, syncRatio: 0 });
    expect(r.sample).toHaveLength(5);
  });

  it('compares 100k keys and pinpoints the few that differ', async () => {
    await Promise.all([fill(ca, 'k', 100_000), fill(cb, 'k', 100_000)]);
    await cb.set('k:4242', 'changed');
    await ca.del('k:99999');
    const r = await syncCheck(ca, cb, { count: 2000 });
    expect(r).toMatchObject({ keysA: 99_999, keysB: 100_000, both: 99_999, equal: 99_998, onlyA: 0, onlyB: 1, different: 1 });
    expect(r.sample.map((d) => d.key).sort()).toEqual(['k:4242', 'k:99999']);
    expect(r.syncRatio).toBeCloseTo(99_998 / 100_000, 6);
  });
});
