import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { applyPlain, createRedisClient, ReadKind, readPlain, ReadValue, redact, RedisExecutor, waitUntilReady, WriteOp } from '@app/redis';
import { DEFAULT_MARKER_KEY, NodeProbe, errorMessage, isConnectionError, isReplicaError, probeNode } from './probe';

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
  /** Readiness markers removed from a node that missed mirror writes, so its agent resyncs it. */
  invalidations: number;
}

export type HaEvent =
  | { type: 'ejected'; node: string; error: string }
  | { type: 'readmitted'; node: string }
  | { type: 'primary-changed'; from: string | null; to: string | null }
  | { type: 'failover'; op: 'read' | 'write'; from: string; to: string; error: string }
  | { type: 'mirror-failed'; node: string; error: string }
  | { type: 'mirror-skipped'; node: string }
  | { type: 'degraded-write'; node: string; reason: string }
  | { type: 'invalidated'; node: string };

/**
 * Agents and apps run on different hosts: a missed write up to this long before a node's mark is
 * still treated as possibly after it (an unneeded resync is cheap; a silent gap is not).
 */
const MARKER_CLOCK_SKEW_MS = 1000;

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
  /** Marker value seen when this node missed a mirror write (null: it had none). */
  missedMarker?: string | null;
  /** When the last write meant for this node was skipped or failed (ms since the epoch). */
  lastMissAt?: number;
  constructor(readonly name: string, readonly url: string, readonly client: Redis) {}
}

// Compare-and-delete, so a marker written by a later bootstrap is never removed.
const DEL_IF_EQUAL = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

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
    failovers: 0, primaryChanges: 0, ejections: 0, readmissions: 0, invalidations: 0,
  };
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

  get<K extends ReadKind>(key: string, kind: K): Promise<ReadValue<K>> {
    return this.read((c) => readPlain(c, key, kind));
  }

  apply(ops: readonly WriteOp[]): Promise<void> {
    return this.write((c) => applyPlain(c, ops));
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
      if (node.missedMarker !== undefined) await this.invalidate(node, probe);
    } catch (err) {
      node.ready = false;
      this.eject(node, err);
    }
  }

  /**
   * A node that missed writes while its marker stayed valid (a network blip, not a restart) would
   * otherwise be trusted forever: drop its marker so its agent resyncs it from the primary.
   */
  private async invalidate(node: HaNode, probe: NodeProbe): Promise<void> {
    const seen = node.missedMarker;
    const missedAt = node.lastMissAt;
    node.missedMarker = undefined;
    node.lastMissAt = undefined;
    if (probe.role !== 'master' || !probe.markedReady || !probe.marker) return; // unready or being bootstrapped
    // The node was re-marked after a fresh sync: only writes missed after that mark are lost on it.
    // (A bootstrap can finish before this client readmits the node, while mirrors are still skipped.)
    const markedAt = Number(probe.marker.slice(probe.marker.lastIndexOf(':') + 1));
    const missedSinceMark = missedAt !== undefined && Number.isFinite(markedAt) && missedAt >= markedAt - MARKER_CLOCK_SKEW_MS;
    if (probe.marker !== seen && !missedSinceMark) return;
    await node.client.eval(DEL_IF_EQUAL, 1, this.markerKey, probe.marker);
    node.ready = false;
    this.counters.invalidations++;
    this.emitEvent({ type: 'invalidated', node: node.name });
    this.options.logger?.warn(`redis-ha: ${node.name} missed mirror writes; readiness marker removed so its agent resyncs it`);
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
      this.noteMissed(peer);
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
      this.noteMissed(peer);
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

  private noteMissed(node: HaNode): void {
    if (node.missedMarker === undefined) node.missedMarker = node.probe?.markedReady ? node.probe.marker : null;
    node.lastMissAt = Date.now();
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
