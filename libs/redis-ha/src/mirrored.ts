import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { createRedisClient, ReadKind, readPlain, ReadValue, redact, RedisExecutor, waitUntilReady, WriteOp } from '@app/redis';
import { DEFAULT_MARKER_KEY, NodeProbe, errorMessage, isConnectionError, isReplicaError, probeNode } from './probe';
import { applyOn, clearHints, compareStamps, encodeOps, readVersioned, StampClock, VERSIONS_KEY } from './versioned';

/** One Redis of the pair. */
export interface HaNodeOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  username?: string;
  password?: string;
  /** Label in stats, events and logs; defaults to host:port. */
  name?: string;
}

/**
 * `async`: the primary's reply is returned at once and the mirror runs in the background
 * (Envoy's request_mirror_policy, but every failure counted). `sync`: the write returns once
 * both nodes acknowledged it (a two-node quorum); a peer that is ejected or still being
 * bootstrapped is skipped and the write counts as degraded.
 */
export type MirrorMode = 'async' | 'sync';

/**
 * How a node qualifies as primary besides answering: `marker` (default) = an agent wrote the
 * readiness marker for this very server process; `role` = INFO says role:master and not loading
 * (for pairs run without agents: a node restarted empty is then eligible at once).
 */
export type Readiness = 'marker' | 'role';

export interface MirroredRedisOptions {
  /** Configured order matters: the primary is the first healthy and ready node. */
  nodes: [HaNodeOptions, HaNodeOptions];
  mode?: MirrorMode;
  /** Per-command timeout; a read fails over to the peer after at most this long. Default 1000. */
  opTimeoutMs?: number;
  /** Health check period (PING-equivalent probe of both nodes). Default 500. */
  healthIntervalMs?: number;
  readiness?: Readiness;
  markerKey?: string;
  logger?: { log(message: string): void; warn(message: string): void };
}

/** Plain counters since the executor was created, for a Prometheus collector to read. */
export interface MirroredStats {
  reads: number;
  writes: number;
  /** Mirror writes acknowledged by the peer. */
  mirrorOk: number;
  /** Mirror writes the peer rejected or did not answer. */
  mirrorFailed: number;
  /** Mirror writes not attempted because the peer was ejected. */
  mirrorSkipped: number;
  /** Sync mode: writes acknowledged by the primary alone. */
  degradedWrites: number;
  /** Operations retried on the other node after the primary failed. */
  failovers: number;
  /** Times the elected primary changed (including to or from "none"). */
  primaryChanges: number;
  ejections: number;
  readmissions: number;
  /** Writes retried with a later stamp because the primary held a newer version of a key. */
  superseded: number;
  /** Mirrors the peer ignored because it already held a newer version (it converges to that one). */
  mirrorStale: number;
  /** Hints cleared on a node after its peer acknowledged the write. */
  hintsCleared: number;
  /** Reads that missed on the primary and found a newer version on the peer. */
  peerReads: number;
}

export type HaEvent =
  | { type: 'ejected'; node: string; error: string }
  | { type: 'readmitted'; node: string }
  | { type: 'primary-changed'; from: string | null; to: string | null }
  | { type: 'failover'; op: 'read' | 'write'; from: string; to: string; error: string }
  | { type: 'mirror-failed'; node: string; error: string }
  | { type: 'mirror-skipped'; node: string }
  | { type: 'degraded-write'; node: string; reason: string };

/** A write whose primary holds newer versions is retried with a later stamp at most this often. */
const MAX_SUPERSEDED_RETRIES = 3;

/** Thrown when neither node is healthy and ready. */
export class NoPrimaryError extends Error {
  constructor(nodes: unknown) {
    super(`no Redis node of the mirrored pair is healthy and ready: ${JSON.stringify(nodes)}`);
  }
}

/** Sync mode: the peer was up and ready but refused the write (the primary has it). */
export class MirrorWriteError extends Error {
  constructor(readonly node: string, override readonly cause: unknown) {
    super(`write applied on the primary but rejected by peer ${node}: ${errorMessage(cause)}`);
  }
}

class HaNode {
  healthy = true;
  ready = false;
  probe?: NodeProbe;
  lastError?: string;
  /** Hints on this node whose write the peer acknowledged, cleared in one batch per tick. */
  acked: [string, string][] = [];
  flushing = false;
  constructor(readonly name: string, readonly url: string, readonly client: Redis) {}
}

/**
 * Two standalone Redis used as one highly available store, without Cluster or Sentinel.
 * Writes go to the primary, then to the peer; reads go to the primary and fail over to the peer.
 * Every app instance elects the same primary from what the nodes themselves say (see docs/ha.md).
 */
export class MirroredRedis extends EventEmitter implements RedisExecutor {
  readonly topology = 'mirrored';
  readonly mode: MirrorMode;
  private readonly nodes: [HaNode, HaNode];
  private readonly counters: MirroredStats = {
    reads: 0, writes: 0, mirrorOk: 0, mirrorFailed: 0, mirrorSkipped: 0, degradedWrites: 0,
    failovers: 0, primaryChanges: 0, ejections: 0, readmissions: 0, superseded: 0, mirrorStale: 0,
    hintsCleared: 0, peerReads: 0,
  };
  private readonly clock = new StampClock();
  private readonly readiness: Readiness;
  private readonly markerKey: string;
  private readonly timer: NodeJS.Timeout;
  private checking?: Promise<void>;
  private readonly initial: Promise<void>;
  private currentPrimary: HaNode | undefined;
  private closed = false;

  constructor(private readonly options: MirroredRedisOptions) {
    super();
    if (options.nodes?.length !== 2) throw new Error('MirroredRedis needs exactly two nodes');
    this.mode = options.mode ?? 'async';
    this.readiness = options.readiness ?? 'marker';
    this.markerKey = options.markerKey ?? DEFAULT_MARKER_KEY;
    const opTimeoutMs = options.opTimeoutMs ?? 1000;
    this.nodes = options.nodes.map((n) => {
      const u = new URL(n.url);
      const name = n.name ?? `${u.hostname}:${u.port || 6379}`;
      const client = createRedisClient({ url: n.url, username: n.username, password: n.password, opTimeoutMs, connectTimeoutMs: opTimeoutMs, label: name });
      return new HaNode(name, redact(n.url), client);
    }) as [HaNode, HaNode];
    // The first check waits for the connections (bounded), so a fresh executor does not eject both nodes.
    this.initial = Promise.all(this.nodes.map((n) => waitUntilReady(n.client, opTimeoutMs).catch(() => undefined))).then(() => this.healthCheck());
    this.timer = setInterval(() => void this.healthCheck(), options.healthIntervalMs ?? 500);
    this.timer.unref();
  }

  override on(event: 'event', listener: (e: HaEvent) => void): this {
    return super.on(event, listener);
  }

  /** Counters since creation (plain numbers). */
  stats(): MirroredStats {
    return { ...this.counters };
  }

  /** Name of the elected primary, or null when no node is healthy and ready. */
  primaryName(): string | null {
    return this.elect()?.name ?? null;
  }

  /**
   * One key from the primary. On a miss, the peer is asked too (when it answers): a write this
   * replica could not see yet (acknowledged through the other node during a partition) is returned
   * if the peer's version is newer than what the primary holds, deletes included.
   */
  async get<K extends ReadKind>(key: string, kind: K): Promise<ReadValue<K>> {
    await this.initial;
    this.counters.reads++;
    let primary = this.requirePrimary();
    let value: ReadValue<K>;
    try {
      value = await readPlain(primary.client, key, kind);
    } catch (err) {
      primary = this.failoverTarget(primary, err, 'read');
      value = await readPlain(primary.client, key, kind);
    }
    if (value !== null) return value;
    const peer = this.peerOf(primary);
    if (!peer.healthy) return value;
    try {
      const [mine, theirs] = await Promise.all([primary.client.hget(VERSIONS_KEY, key), readVersioned(peer.client, key, kind)]);
      if (theirs.value !== null && compareStamps(theirs.stamp, mine) > 0) {
        this.counters.peerReads++;
        return theirs.value;
      }
    } catch {
      // The peer is slow or gone: the primary's answer stands.
    }
    return value;
  }

  /**
   * The ops as one versioned write: stamped once, applied on the primary together with a hint for
   * the peer (one script, one round trip), then mirrored with the same stamp. `sync` resolves once
   * the peer acknowledged or failed (the hint on the primary then stands for it); `async` at once.
   */
  async apply(ops: readonly WriteOp[]): Promise<void> {
    await this.initial;
    this.counters.writes++;
    const enc = encodeOps(ops);
    let stamp = this.clock.next();
    let primary = this.requirePrimary();
    let failedOver = false;
    for (let attempt = 0; ; ) {
      let reply;
      try {
        reply = await applyOn(primary.client, enc, stamp, 'p');
      } catch (err) {
        // Same stamp on the other node: if the first attempt lands late (a paused node resuming),
        // it cannot override anything written after it.
        if (failedOver) throw err;
        primary = this.failoverTarget(primary, err, 'write');
        failedOver = true;
        continue;
      }
      if (reply.applied) break;
      // The node holds a newer version of a key than this writer's clock: move past it and retry,
      // so a write that starts after another was acknowledged is ordered after it.
      this.counters.superseded++;
      if (++attempt > MAX_SUPERSEDED_RETRIES) throw new Error(`write superseded ${attempt} times by newer versions on ${primary.name}`);
      this.clock.observe(reply.newer);
      stamp = this.clock.next();
    }
    const peer = this.peerOf(primary);
    const mirrored = this.mirrorVersioned(primary, peer, enc, stamp);
    if (this.mode === 'sync') await mirrored;
    else void mirrored;
  }

  async read<T>(op: (client: Redis) => Promise<T>): Promise<T> {
    await this.initial;
    this.counters.reads++;
    const primary = this.requirePrimary();
    try {
      return await op(primary.client);
    } catch (err) {
      const next = this.failoverTarget(primary, err, 'read');
      return op(next.client);
    }
  }

  async write<T>(op: (client: Redis) => Promise<T>): Promise<T> {
    await this.initial;
    this.counters.writes++;
    let primary = this.requirePrimary();
    let result: T;
    try {
      result = await op(primary.client);
    } catch (err) {
      // Writes must be idempotent (RedisExecutor contract), so retrying one that timed out is safe.
      primary = this.failoverTarget(primary, err, 'write');
      result = await op(primary.client);
    }
    const peer = this.nodes[0] === primary ? this.nodes[1] : this.nodes[0];
    // The mirror starts only after the primary applied the write, so a mirror never lands on a
    // node whose primary copy failed, and a bootstrap's final catch-up (peer paused) sees every write.
    if (this.mode === 'sync') await this.mirror(peer, op);
    else void this.mirror(peer, op);
    return result;
  }

  async ping(): Promise<void> {
    await this.initial;
    await this.requirePrimary().client.ping();
  }

  describe(): Record<string, unknown> {
    return {
      topology: this.topology,
      mode: this.mode,
      readiness: this.readiness,
      primary: this.currentPrimary?.name ?? null,
      nodes: this.describeNodes(),
      stats: this.stats(),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.checking?.catch(() => undefined);
    for (const n of this.nodes) n.client.disconnect();
  }

  /** Runs one health check of both nodes now (the timer does it every healthIntervalMs). */
  healthCheck(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.checking) {
      this.checking = Promise.all(this.nodes.map((n) => this.checkNode(n)))
        .then(() => this.updatePrimary())
        .finally(() => {
          this.checking = undefined;
        });
    }
    return this.checking;
  }

  private async checkNode(node: HaNode): Promise<void> {
    try {
      const probe = await probeNode(node.client, this.markerKey, false);
      node.probe = probe;
      node.ready = this.readiness === 'marker' ? probe.markedReady : probe.role === 'master' && !probe.loading;
      if (!node.healthy) {
        node.healthy = true;
        node.lastError = undefined;
        this.counters.readmissions++;
        this.emitEvent({ type: 'readmitted', node: node.name });
        this.options.logger?.log(`redis-ha: ${node.name} readmitted (ready=${node.ready})`);
      }
    } catch (err) {
      node.ready = false;
      this.eject(node, err);
    }
  }

  private eject(node: HaNode, err: unknown): void {
    node.lastError = errorMessage(err);
    node.ready = false;
    if (!node.healthy) return;
    node.healthy = false;
    this.counters.ejections++;
    this.emitEvent({ type: 'ejected', node: node.name, error: node.lastError });
    this.options.logger?.warn(`redis-ha: ${node.name} ejected: ${node.lastError}`);
  }

  private elect(): HaNode | undefined {
    return this.nodes.find((n) => n.healthy && n.ready);
  }

  private updatePrimary(): void {
    const next = this.elect();
    if (next === this.currentPrimary) return;
    const from = this.currentPrimary?.name ?? null;
    this.currentPrimary = next;
    this.counters.primaryChanges++;
    this.emitEvent({ type: 'primary-changed', from, to: next?.name ?? null });
    this.options.logger?.log(`redis-ha: primary ${from ?? 'none'} -> ${next?.name ?? 'none'}`);
  }

  private requirePrimary(): HaNode {
    const p = this.elect();
    if (!p) throw new NoPrimaryError(this.describeNodes());
    if (p !== this.currentPrimary) this.updatePrimary();
    return p;
  }

  /** Marks the failed primary down and returns the node to retry on, or rethrows. */
  private failoverTarget(primary: HaNode, err: unknown, op: 'read' | 'write'): HaNode {
    if (isConnectionError(err)) this.eject(primary, err);
    else if (isReplicaError(err)) primary.ready = false;
    else throw err;
    const next = this.elect();
    if (!next || next === primary) throw err;
    this.updatePrimary();
    this.counters.failovers++;
    this.emitEvent({ type: 'failover', op, from: primary.name, to: next.name, error: errorMessage(err) });
    return next;
  }

  private async mirror<T>(peer: HaNode, op: (client: Redis) => Promise<T>): Promise<void> {
    if (!peer.healthy) {
      this.counters.mirrorSkipped++;
      this.emitEvent({ type: 'mirror-skipped', node: peer.name });
      this.degraded(peer, 'peer ejected');
      return;
    }
    try {
      await op(peer.client);
      this.counters.mirrorOk++;
    } catch (err) {
      this.counters.mirrorFailed++;
      this.emitEvent({ type: 'mirror-failed', node: peer.name, error: errorMessage(err) });
      if (isReplicaError(err)) {
        // The peer is a replica (being bootstrapped): the write reaches it through replication.
        peer.ready = false;
        this.degraded(peer, 'peer is a replica being bootstrapped');
        return;
      }
      if (isConnectionError(err)) {
        this.eject(peer, err);
        this.degraded(peer, 'peer failed');
        return;
      }
      if (this.mode === 'sync') throw new MirrorWriteError(peer.name, err);
    }
  }

  private degraded(peer: HaNode, reason: string): void {
    if (this.mode !== 'sync') return;
    this.counters.degradedWrites++;
    this.emitEvent({ type: 'degraded-write', node: peer.name, reason });
  }

  private peerOf(node: HaNode): HaNode {
    return this.nodes[0] === node ? this.nodes[1] : this.nodes[0];
  }

  /**
   * The versioned mirror: the same stamp on the peer, element by element (newer only). Whatever
   * the outcome, the primary keeps its hint until the peer has acknowledged; a failed or skipped
   * mirror is replayed from that hint by the primary's agent, never lost with this process.
   */
  private async mirrorVersioned(primary: HaNode, peer: HaNode, enc: ReturnType<typeof encodeOps>, stamp: string): Promise<void> {
    if (!peer.healthy) {
      this.counters.mirrorSkipped++;
      this.emitEvent({ type: 'mirror-skipped', node: peer.name });
      this.degraded(peer, 'peer ejected; the hint on the primary stands for it');
      return;
    }
    try {
      const reply = await applyOn(peer.client, enc, stamp, 'm');
      this.counters.mirrorOk++;
      if (reply.applied && reply.count < enc.elements.length) this.counters.mirrorStale++;
      for (const e of enc.elements) primary.acked.push([e, stamp]);
      this.scheduleClear(primary);
    } catch (err) {
      this.counters.mirrorFailed++;
      this.emitEvent({ type: 'mirror-failed', node: peer.name, error: errorMessage(err) });
      if (isReplicaError(err)) peer.ready = false;
      else if (isConnectionError(err)) this.eject(peer, err);
      this.degraded(peer, isReplicaError(err) ? 'peer is a replica being bootstrapped' : 'peer failed');
      // In both modes the write stands: the primary has it and its hint for the peer.
    }
  }

  /** Clears acknowledged hints in one script per node and tick (not one round trip per write). */
  private scheduleClear(node: HaNode): void {
    if (node.flushing) return;
    node.flushing = true;
    setImmediate(() => {
      const batch = node.acked.splice(0, 512);
      void clearHints(node.client, batch)
        .then((n) => {
          this.counters.hintsCleared += n;
        })
        .catch(() => undefined) // a hint left behind is replayed by the agent: harmless
        .finally(() => {
          node.flushing = false;
          if (node.acked.length) this.scheduleClear(node);
        });
    });
  }

  private describeNodes() {
    return this.nodes.map((n) => ({
      name: n.name,
      url: n.url,
      healthy: n.healthy,
      ready: n.ready,
      role: n.probe?.role,
      runId: n.probe?.runId,
      lastError: n.lastError,
    }));
  }

  private emitEvent(e: HaEvent): void {
    this.emit('event', e);
  }
}
