import type Redis from 'ioredis';
import { RedisServer } from '@app/procs';
import { sleep, waitFor } from '@app/async';
import { BootstrapAgent, BootstrapOptions } from './bootstrap';
import { MirroredRedis } from './mirrored';
import { DEFAULT_MARKER_KEY, markNodeReady, parseInfo } from './probe';
import { syncCheck } from './sync-check';
import { TestRedisOptions, directClient, fill, startRedis, urlOf } from './testing/servers';

describe('BootstrapAgent (cold bootstrap of one node of a pair)', () => {
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const agents: BootstrapAgent[] = [];
  const executors: MirroredRedis[] = [];

  async function server(name: string, o?: TestRedisOptions): Promise<RedisServer> {
    const s = await startRedis(name, o);
    servers.push(s);
    return s;
  }
  function client(s: RedisServer, password?: string): Redis {
    const c = directClient(s, password);
    clients.push(c);
    return c;
  }
  function agent(local: RedisServer, peer: RedisServer, o: Partial<BootstrapOptions> & { lines?: string[] } = {}): BootstrapAgent {
    const a = new BootstrapAgent({
      local: { url: urlOf(local), password: o.local?.password },
      peer: { url: urlOf(peer), password: o.peer?.password },
      nodeName: local.name,
      intervalMs: 100,
      maxBackoffMs: 400,
      log: (line) => o.lines?.push(line),
      ...o,
    });
    agents.push(a);
    return a;
  }
  async function restartEmpty(s: RedisServer): Promise<void> {
    await s.kill();
    await s.start({ empty: true });
  }

  afterEach(async () => {
    await Promise.all(executors.splice(0).map((e) => e.close()));
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    clients.splice(0).forEach((c) => c.disconnect());
    await Promise.all(servers.splice(0).map((s) => s.kill()));
  });

  it('resyncs a node SIGKILLed and restarted empty, keeping the writes made during the bootstrap', async () => {
    // A 2 s diskless-sync delay on the pair guarantees writes land while the sync is in progress.
    const n1 = await server('e2e-1', { disklessSyncDelaySec: 2 });
    const n2 = await server('e2e-2', { disklessSyncDelaySec: 2 });
    const a1 = agent(n1, n2);
    const a2 = agent(n2, n1);
    a1.start();
    a2.start();
    await Promise.all([a1.waitUntilReady(10_000), a2.waitUntilReady(10_000)]);
    expect(a1.status().reason).toMatch(/both nodes empty/);

    const ha = new MirroredRedis({ nodes: [{ url: urlOf(n1), name: 'n1' }, { url: urlOf(n2), name: 'n2' }], opTimeoutMs: 500, healthIntervalMs: 100 });
    executors.push(ha);
    await ha.ping();
    expect(ha.primaryName()).toBe('n1');
    for (let i = 0; i < 2000; i++) await ha.write((c) => c.hmset(`dept:${i}`, 'deptNo', `d${i}`, 'deptName', `name ${i}`));

    // Keep writing through the pair for the whole outage and bootstrap.
    const written = new Set<string>();
    let duringBootstrap = 0;
    let writeErrors = 0;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const key = `live:${i}`;
        try {
          await ha.write((c) => c.set(key, String(i)));
          written.add(key);
          if (a1.status().state === 'bootstrapping') duringBootstrap++;
        } catch {
          writeErrors++; // only while no node is ready: none expected here, n2 stays ready
        }
        await sleep(2);
      }
    })();

    await sleep(200);
    await restartEmpty(n1);
    await waitFor('n1 to be bootstrapped', async () => a1.status().lastBootstrap?.ok === true, 60_000, 50);
    await a1.waitUntilReady(10_000);
    await waitFor('n1 to be primary again', async () => ha.primaryName() === 'n1', 10_000, 50);
    await sleep(300);
    stop = true;
    await writer;
    await sleep(300); // let the last async mirrors land

    expect(writeErrors).toBe(0);
    expect(duringBootstrap).toBeGreaterThan(0);
    const result = a1.status().lastBootstrap!;
    expect(result.pausedPeer).toBe(true);
    const s = ha.stats();
    expect(s.failovers + s.primaryChanges).toBeGreaterThan(0);
    expect(s.mirrorFailed + s.mirrorSkipped).toBeGreaterThan(0); // the outage and the read-only replica, counted

    const report = await syncCheck(client(n1), client(n2));
    expect(report).toMatchObject({ onlyA: 0, onlyB: 0, different: 0, syncRatio: 1 });
    expect(report.keysA).toBe(2000 + written.size);
    const c1 = client(n1);
    const replication = parseInfo(await c1.info('replication'));
    expect(replication.role).toBe('master');
  });

  it('refuses to copy an empty peer over local data, and a peer with fewer keys', async () => {
    const n1 = await server('refuse-1');
    const n2 = await server('refuse-2');
    const c1 = client(n1);
    const c2 = client(n2);
    await fill(c1, 'k', 50);
    await markNodeReady(c2); // n2: empty but marked ready (e.g. wiped by mistake, its agent said "both empty")
    const lines: string[] = [];
    const a1 = agent(n1, n2, { lines });
    let st = await a1.tick();
    expect(st).toMatchObject({ state: 'waiting', ready: false });
    expect(st.reason).toMatch(/refusing to copy an empty peer over 50 local keys/);
    await fill(c2, 'k', 10);
    st = await a1.tick();
    expect(st.reason).toMatch(/refusing to copy a peer with fewer keys \(10\) than local \(50\)/);
    await a1.tick();
    expect(await c1.dbsize()).toBe(50);
    expect(parseInfo(await c1.info('replication')).role).toBe('master');
    expect(lines.filter((l) => /refusing/.test(l))).toHaveLength(2); // one line per change, not per check
  });

  it('when both nodes restart empty, both become ready without copying anything', async () => {
    const n1 = await server('both-1');
    const n2 = await server('both-2');
    const a1 = agent(n1, n2);
    const a2 = agent(n2, n1);
    a1.start();
    a2.start();
    await Promise.all([a1.waitUntilReady(10_000), a2.waitUntilReady(10_000)]);
    const before = [a1.status().local?.runId, a2.status().local?.runId];
    await Promise.all([restartEmpty(n1), restartEmpty(n2)]);
    const readyAgain = (a: BootstrapAgent, old?: string) => a.status().ready && a.status().local?.runId !== old;
    await waitFor('both to be ready again after the restart', async () => readyAgain(a1, before[0]) && readyAgain(a2, before[1]), 20_000, 50);
    expect(a1.status().lastBootstrap).toBeUndefined();
    expect(a2.status().lastBootstrap).toBeUndefined();
  });

  it('when neither node is ready, the one with more keys is the source and the other copies it', async () => {
    const n1 = await server('tie-1');
    const n2 = await server('tie-2');
    const c1 = client(n1);
    const c2 = client(n2);
    await fill(c1, 'old', 30);
    await fill(c2, 'new', 40);
    const lines: string[] = [];
    const a1 = agent(n1, n2, { lines });
    const a2 = agent(n2, n1, { lines });
    a1.start();
    a2.start();
    await Promise.all([a1.waitUntilReady(20_000), a2.waitUntilReady(20_000)]);
    expect(lines).toContainEqual(expect.stringMatching(/tie-2\] ready: neither node ready; local is the source \(40 keys vs 30/));
    expect(a1.status().lastBootstrap?.ok).toBe(true);
    const r = await syncCheck(c1, c2);
    expect(r).toMatchObject({ keysA: 40, keysB: 40, syncRatio: 1 });
  });

  it('breaks a tie (same key count, neither ready) the same way on both agents', async () => {
    const n1 = await server('eq-1');
    const n2 = await server('eq-2');
    const c1 = client(n1);
    const c2 = client(n2);
    await fill(c1, 'a', 20);
    await fill(c2, 'b', 20);
    const a1 = agent(n1, n2);
    const a2 = agent(n2, n1);
    a1.start();
    a2.start();
    await Promise.all([a1.waitUntilReady(20_000), a2.waitUntilReady(20_000)]);
    const copied = [a1, a2].filter((a) => a.status().lastBootstrap?.ok);
    expect(copied).toHaveLength(1);
    expect((await syncCheck(c1, c2)).syncRatio).toBe(1);
  });

  it('aborts a bootstrap whose peer restarts mid-sync, keeping its own data instead of copying an empty peer', async () => {
    const n1 = await server('abort-1');
    const n2 = await server('abort-2', { disklessSyncDelaySec: 5 }); // the sync waits: time to kill the peer
    const c1 = client(n1);
    const c2 = client(n2);
    await fill(c1, 'mine', 10);
    await fill(c2, 'peer', 100);
    await markNodeReady(c2);
    const a1 = agent(n1, n2);
    a1.start();
    await waitFor('bootstrap to start', async () => a1.status().state === 'bootstrapping', 10_000, 20);
    await restartEmpty(n2);
    await waitFor('bootstrap to be aborted', async () => a1.status().lastBootstrap !== undefined, 20_000, 50);
    expect(a1.status().lastBootstrap).toMatchObject({ ok: false, error: expect.stringMatching(/peer (lost|restarted|stopped being ready)/) });
    // Detached, kept its 10 keys, and (peer now empty and unready) became the source of the pair.
    await a1.waitUntilReady(20_000);
    expect(parseInfo(await c1.info('replication')).role).toBe('master');
    expect(await c1.dbsize()).toBe(11); // 10 keys + the marker
  });

  it('works with requirepass on both nodes: sets masterauth itself before REPLICAOF', async () => {
    const password = 's3cret-pw';
    const n1 = await server('auth-1', { requirepass: password });
    const n2 = await server('auth-2', { requirepass: password });
    const c1 = client(n1, password);
    const c2 = client(n2, password);
    await fill(c2, 'k', 100);
    await markNodeReady(c2);
    expect(await c1.config('GET', 'masterauth')).toEqual(['masterauth', '']);
    const a1 = agent(n1, n2, { local: { url: urlOf(n1), password }, peer: { url: urlOf(n2), password } });
    a1.start();
    await a1.waitUntilReady(20_000);
    expect(a1.status().lastBootstrap).toMatchObject({ ok: true, keys: 100 });
    expect(await c1.config('GET', 'masterauth')).toEqual(['masterauth', password]);
    expect((await syncCheck(c1, c2)).syncRatio).toBe(1);
  });

  it('works with an ACL user (default user off): sets masteruser and masterauth', async () => {
    const acl = ['--user', 'default', 'off', '--user', 'ha', 'on', '>ha-pw', '~*', '&*', '+@all'];
    const n1 = await server('acl-1', { extra: acl });
    const n2 = await server('acl-2', { extra: acl });
    const auth = { username: 'ha', password: 'ha-pw' };
    const c2 = directClient(n2, 'ha-pw', 'ha');
    clients.push(c2);
    await fill(c2, 'k', 40);
    await markNodeReady(c2);
    const a1 = agent(n1, n2, { local: { url: urlOf(n1), ...auth }, peer: { url: urlOf(n2), ...auth } });
    a1.start();
    await a1.waitUntilReady(20_000);
    expect(a1.status().lastBootstrap).toMatchObject({ ok: true, keys: 40 });
    const report = await syncCheck({ url: urlOf(n1), ...auth }, { url: urlOf(n2), ...auth });
    expect(report).toMatchObject({ keysA: 40, syncRatio: 1 });
  });

  it('reports a peer it cannot authenticate to, once, and backs off instead of looping', async () => {
    const n1 = await server('badauth-1');
    const n2 = await server('badauth-2', { requirepass: 'right' });
    await fill(client(n2, 'right'), 'k', 5);
    const lines: string[] = [];
    const a1 = agent(n1, n2, { peer: { url: urlOf(n2), password: 'wrong' }, lines });
    a1.start();
    await sleep(2000);
    const st = a1.status();
    expect(st).toMatchObject({ state: 'waiting', ready: false });
    expect(st.reason).toMatch(/authentication failed/);
    expect(lines.filter((l) => /authentication failed/.test(l))).toHaveLength(1);
    // 100 ms interval, backoff capped at 400 ms: far fewer than the 20 checks a fixed loop would run.
    expect(st.checks).toBeLessThanOrEqual(10);
    expect(await client(n1).get(DEFAULT_MARKER_KEY)).toBeNull();
  });

  it('looks at a restarted node as soon as it answers, not after the backoff grown while it was down', async () => {
    const n1 = await server('wake-1');
    const n2 = await server('wake-2');
    // Both empty at first: both agents become ready.
    const a1 = agent(n1, n2, { maxBackoffMs: 30_000 });
    const a2 = agent(n2, n1, { maxBackoffMs: 30_000 });
    a1.start();
    a2.start();
    await Promise.all([a1.waitUntilReady(10_000), a2.waitUntilReady(10_000)]);
    await client(n1).set('k', 'v');
    // n2 down for 6.5 s: its agent's checks, 100 ms doubling, come at about 0.1, 0.3, 0.7, 1.5,
    // 3.1 and 6.3 s, the next one 6.4 s later.
    await n2.kill();
    await waitFor('a2 not ready', async () => !a2.status().ready, 5_000, 50);
    await sleep(6500);
    await n2.start({ empty: true });
    const back = Date.now();
    await a2.waitUntilReady(10_000);
    // ioredis reconnects within 1 s; the agent then checks at once (not at its next backoff
    // slot, about 6 s away by now) and copies the one key.
    expect(Date.now() - back).toBeLessThan(2500);
    expect(await client(n2).get('k')).toBe('v');
  });

  it('stays not ready while the peer is unreachable, then bootstraps once it is back and ready', async () => {
    const n1 = await server('down-1');
    const n2 = await server('down-2', { persistence: 'always' });
    const c2 = client(n2);
    await fill(c2, 'k', 25);
    await markNodeReady(c2);
    await n2.kill();
    const lines: string[] = [];
    const a1 = agent(n1, n2, { lines });
    a1.start();
    await sleep(800);
    expect(a1.status()).toMatchObject({ state: 'waiting', ready: false });
    expect(a1.status().reason).toMatch(/unreachable/);
    await n2.start();
    // n2 restarted with its AOF: a new run_id, so its old marker no longer counts; re-mark it as its agent would.
    await waitFor('n2 loaded', async () => (await c2.dbsize().catch(() => 0)) >= 25, 10_000);
    await markNodeReady(c2);
    await a1.waitUntilReady(20_000);
    expect(a1.status().lastBootstrap).toMatchObject({ ok: true, keys: 25 });
    expect(lines.filter((l) => /unreachable/.test(l))).toHaveLength(1);
  });
});
