import type Redis from 'ioredis';
import { RedisServer } from '@app/procs';
import { waitFor } from '@app/async';
import { HaEvent, MirroredRedis, MirroredRedisOptions, MirrorWriteError, NoPrimaryError } from './mirrored';
import { DEFAULT_MARKER_KEY, markNodeReady } from './probe';
import { HINTS_KEY } from './versioned';
import { directClient, startRedis, urlOf } from './testing/servers';

describe('MirroredRedis', () => {
  let n1: RedisServer;
  let n2: RedisServer;
  let c1: Redis;
  let c2: Redis;
  const open: MirroredRedis[] = [];

  function pair(o: Partial<MirroredRedisOptions> = {}): { ha: MirroredRedis; events: HaEvent[] } {
    const ha = new MirroredRedis({
      nodes: [{ url: urlOf(n1), name: 'n1' }, { url: urlOf(n2), name: 'n2' }],
      opTimeoutMs: 500,
      healthIntervalMs: 100,
      ...o,
    });
    const events: HaEvent[] = [];
    ha.on('event', (e) => events.push(e));
    open.push(ha);
    return { ha, events };
  }

  async function restart(server: RedisServer): Promise<Redis> {
    if (server.running()) await server.kill();
    await server.start({ empty: true });
    return directClient(server);
  }

  beforeEach(async () => {
    [n1, n2] = await Promise.all([startRedis('mir-1'), startRedis('mir-2')]);
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

  it('elects the first node that is healthy and ready, and skips a node without a valid marker', async () => {
    const { ha } = pair();
    await ha.ping();
    expect(ha.primaryName()).toBe('n1');
    await c1.del(DEFAULT_MARKER_KEY);
    await ha.healthCheck();
    expect(ha.primaryName()).toBe('n2');
    // A marker left by an earlier process of the same node (AOF, replication) does not count.
    await c1.set(DEFAULT_MARKER_KEY, 'some-other-run-id:1');
    await ha.healthCheck();
    expect(ha.primaryName()).toBe('n2');
    await markNodeReady(c1);
    await ha.healthCheck();
    expect(ha.primaryName()).toBe('n1');
    expect(ha.stats().primaryChanges).toBe(3);
  });

  it('with readiness "role" never elects a replica', async () => {
    await Promise.all([c1.del(DEFAULT_MARKER_KEY), c2.del(DEFAULT_MARKER_KEY)]);
    const { ha } = pair({ readiness: 'role' });
    await ha.ping();
    expect(ha.primaryName()).toBe('n1');
    await c1.replicaof('127.0.0.1', n2.port);
    await ha.healthCheck();
    expect(ha.primaryName()).toBe('n2');
    await c1.replicaof('NO', 'ONE');
  });

  it('fails every operation with a clear error when no node is ready', async () => {
    await Promise.all([c1.del(DEFAULT_MARKER_KEY), c2.del(DEFAULT_MARKER_KEY)]);
    const { ha } = pair();
    await expect(ha.read((c) => c.get('k'))).rejects.toBeInstanceOf(NoPrimaryError);
    await expect(ha.write((c) => c.set('k', 'v'))).rejects.toThrow(/no Redis node of the mirrored pair is healthy and ready/);
  });

  it('async mode: mirrors writes to the peer and counts them', async () => {
    const { ha } = pair({ mode: 'async' });
    for (let i = 0; i < 20; i++) await ha.write((c) => c.set(`k${i}`, `v${i}`));
    expect(await c1.get('k19')).toBe('v19');
    await waitFor('mirrors to land', async () => ha.stats().mirrorOk === 20, 5000, 20);
    expect(await c2.mget('k0', 'k19')).toEqual(['v0', 'v19']);
    expect(ha.stats()).toMatchObject({ writes: 20, mirrorOk: 20, mirrorFailed: 0, mirrorSkipped: 0 });
  });

  it('async mode: a mirror the peer rejects does not fail the write but is counted and reported', async () => {
    const { ha, events } = pair({ mode: 'async' });
    await c2.sadd('clash', 'x'); // SET on a set is fine, but HMSET on it is WRONGTYPE on n2 only
    await expect(ha.write((c) => c.hmset('clash', 'f', 'v'))).resolves.toBe('OK');
    await waitFor('mirror failure to be counted', async () => ha.stats().mirrorFailed === 1, 5000, 20);
    expect(events).toContainEqual(expect.objectContaining({ type: 'mirror-failed', node: 'n2', error: expect.stringMatching(/WRONGTYPE/) }));
  });

  it('sync mode: a write returns only once both nodes have it, and a peer rejection fails it', async () => {
    const { ha } = pair({ mode: 'sync' });
    for (let i = 0; i < 20; i++) {
      await ha.write((c) => c.set(`s${i}`, `v${i}`));
      // No waiting: the peer acknowledged before write() resolved.
      expect(await c2.get(`s${i}`)).toBe(`v${i}`);
    }
    await c2.sadd('clash', 'x');
    await expect(ha.write((c) => c.hmset('clash', 'f', 'v'))).rejects.toBeInstanceOf(MirrorWriteError);
    expect(await c1.hget('clash', 'f')).toBe('v');
    expect(ha.stats()).toMatchObject({ mirrorOk: 20, mirrorFailed: 1, degradedWrites: 0 });
  });

  it('sync mode: with the peer killed, writes succeed on the primary alone and count as degraded', async () => {
    const { ha, events } = pair({ mode: 'sync' });
    await ha.write((c) => c.set('before', '1'));
    await n2.kill();
    for (let i = 0; i < 5; i++) await ha.write((c) => c.set(`d${i}`, '1'));
    expect(await c1.mget('d0', 'd4')).toEqual(['1', '1']);
    const s = ha.stats();
    expect(s.degradedWrites).toBe(5);
    expect(s.ejections).toBe(1);
    expect(s.mirrorFailed + s.mirrorSkipped).toBe(5);
    expect(events).toContainEqual(expect.objectContaining({ type: 'ejected', node: 'n2' }));
  });

  it('sync mode: a peer being bootstrapped (a replica) makes writes degraded, not failed', async () => {
    const { ha } = pair({ mode: 'sync' });
    await ha.ping();
    await c2.replicaof('127.0.0.1', n1.port);
    await ha.write((c) => c.set('during', '1'));
    expect(ha.stats()).toMatchObject({ degradedWrites: 1, mirrorFailed: 1 });
    // ...and the write still reaches it through replication.
    await waitFor('replication', async () => (await c2.get('during')) === '1', 10_000);
    await c2.replicaof('NO', 'ONE');
  });

  it('fails reads and writes over to the peer when the primary is SIGKILLed, and re-admits it', async () => {
    const { ha, events } = pair({ mode: 'async' });
    await ha.write((c) => c.set('k', 'v1'));
    await waitFor('mirror', async () => (await c2.get('k')) === 'v1', 5000, 20);
    await n1.kill();
    // The first operation after the kill hits the dead primary and is retried on n2.
    expect(await ha.read((c) => c.get('k'))).toBe('v1');
    expect(ha.primaryName()).toBe('n2');
    await ha.write((c) => c.set('k', 'v2'));
    expect(await c2.get('k')).toBe('v2');
    let s = ha.stats();
    expect(s.failovers).toBe(1);
    expect(s.ejections).toBe(1);
    expect(s.mirrorSkipped).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'failover', op: 'read', from: 'n1', to: 'n2' }));

    // n1 comes back empty: healthy again, but not ready, so n2 stays primary.
    c1.disconnect();
    c1 = await restart(n1);
    await waitFor('readmission', async () => ha.stats().readmissions === 1, 10_000, 50);
    expect(ha.primaryName()).toBe('n2');
    expect(await ha.read((c) => c.get('k'))).toBe('v2');
    // Once marked ready (the agent's job after a resync), the configured order wins again.
    await c1.set('k', 'v2');
    await markNodeReady(c1);
    await ha.healthCheck();
    expect(ha.primaryName()).toBe('n1');
    s = ha.stats();
    expect(s.readmissions).toBe(1);
    expect(events.filter((e) => e.type === 'primary-changed').map((e) => (e as { to: string | null }).to)).toEqual(['n1', 'n2', 'n1']);
  });

  it('a node that missed writes while up keeps its marker: the hints on the primary stand for them', async () => {
    const { ha } = pair({ mode: 'async', opTimeoutMs: 200 });
    await ha.ping();
    // Freeze n2 (like a network partition): it times out and is ejected, but keeps its run_id and marker.
    await c2.client('PAUSE', 1500, 'ALL');
    await waitFor('ejection', async () => ha.stats().ejections === 1, 5000, 20);
    await ha.apply([{ type: 'set', key: 'missed', value: '1' }]);
    expect(ha.stats().mirrorSkipped).toBe(1);
    // The record of the miss is on n1, in the same script as the write: not in this process's memory.
    expect(await c1.hget(HINTS_KEY, 'missed')).toMatch(/^\d{17}:\d{10}$/);
    await waitFor('readmission', async () => ha.stats().readmissions === 1, 10_000, 50);
    expect(ha.describe()).toMatchObject({ primary: 'n1', nodes: [{ name: 'n1', ready: true }, { name: 'n2', healthy: true, ready: true }] });
  });
});
