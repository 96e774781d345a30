import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { sleep } from '@app/async';
import { createRedisClient, redact } from '@app/redis';
import { HaNodeOptions } from './mirrored';
import { DEFAULT_MARKER_KEY, HA_HINTS_KEY, HA_VERSIONS_KEY, NodeProbe, errorMessage, isAuthError, isConnectionError, isReplicaError, markNodeReady, probeNode } from './probe';
import { clearHints, compareStamps, readElements, replayOn } from './versioned';

export type AgentState = 'starting' | 'ready' | 'bootstrapping' | 'waiting' | 'local-down';

export interface AgentStatus {
  node: string;
  state: AgentState;
  /** True only when the local node is in sync and marked ready. */
  ready: boolean;
  reason: string;
  /** Evaluations run so far (the loop backs off while not ready). */
  checks: number;
  /** Epoch ms of the last change of state or reason. */
  since: number;
  local?: { runId: string; role: string; keys?: number };
  peer?: { runId: string; role: string; keys?: number; ready: boolean };
  lastBootstrap?: BootstrapResult;
  /** Hints on the local node replayed to the peer (and cleared) since the agent started. */
  hintsReplayed: number;
  /** Elements pushed to the peer by merges before a bootstrap, since the agent started. */
  merged: number;
  /** Hints waiting on the local node at the last replay. */
  hintsPending?: number;
  /** Bootstraps whose write pause on the peer ran out before the promotion (covered by hints). */
  pauseOverruns: number;
}

export interface BootstrapResult {
  ok: boolean;
  startedAt: number;
  durationMs: number;
  /** Keys on the local node after the copy (marker excluded). */
  keys: number;
  /** Whether the final catch-up ran with the peer's writes paused (CLIENT PAUSE WRITE). */
  pausedPeer: boolean;
  error?: string;
}

export type AgentEvent =
  | { type: 'state'; status: AgentStatus }
  | { type: 'bootstrap-started'; node: string; peerKeys?: number }
  | { type: 'bootstrap-finished'; node: string; result: BootstrapResult };

export interface BootstrapOptions {
  /** The Redis this agent sits beside. */
  local: HaNodeOptions;
  /** The other Redis of the pair, as the local redis-server must reach it for REPLICAOF. */
  peer: HaNodeOptions;
  nodeName?: string;
  /** Period of the check while ready. Default 1000. */
  intervalMs?: number;
  /** Upper bound of the backoff while not ready. Default 10000. */
  maxBackoffMs?: number;
  /** Bound on the full sync (REPLICAOF until link up and offsets matched). Default 600000. */
  syncTimeoutMs?: number;
  /** Longest write pause asked of the peer for the final catch-up. Default 300. */
  pauseMs?: number;
  /** Period of the hint replay while the local node is ready. Default 100. */
  replayIntervalMs?: number;
  opTimeoutMs?: number;
  markerKey?: string;
  /** One line per change of state; default console.log. */
  log?: (line: string) => void;
}

type PeerView = { ok: true; probe: NodeProbe } | { ok: false; reason: string };

/**
 * Cold bootstrap of one node of a pair (what dynomite-manager does for Dynomite): when the local
 * node comes back empty or behind, it is made a replica of the ready peer, fully synced, caught
 * up to the peer's offset, promoted back, and only then marked ready.
 */
/** Time allowed for REPLICAOF NO ONE and the readiness marker after the catch-up, under the pause. */
const PROMOTION_MARGIN_MS = 500;

export class BootstrapAgent extends EventEmitter {
  readonly name: string;
  private readonly local: Redis;
  private readonly peer: Redis;
  private readonly markerKey: string;
  private readonly peerHost: string;
  private readonly peerPort: number;
  private current: AgentStatus;
  private peerConnError?: string;
  private running?: Promise<void>;
  private stopped = false;
  private wake?: () => void;
  private notReadyTicks = 0;
  private replaying?: Promise<void>;

  constructor(private readonly options: BootstrapOptions) {
    super();
    const peerUrl = new URL(options.peer.url);
    this.peerHost = peerUrl.hostname;
    this.peerPort = Number(peerUrl.port || 6379);
    const localUrl = new URL(options.local.url);
    this.name = options.nodeName ?? `${localUrl.hostname}:${localUrl.port || 6379}`;
    this.markerKey = options.markerKey ?? DEFAULT_MARKER_KEY;
    const opTimeoutMs = options.opTimeoutMs ?? 2000;
    this.local = createRedisClient({ ...options.local, opTimeoutMs, connectTimeoutMs: opTimeoutMs, label: 'local' });
    this.peer = createRedisClient({ ...options.peer, opTimeoutMs, connectTimeoutMs: opTimeoutMs, label: 'peer' });
    // Auth failures surface only as connection errors; keep the last one to explain "unreachable".
    this.peer.on('error', (err: Error) => {
      this.peerConnError = err.message;
    });
    this.peer.on('ready', () => {
      this.peerConnError = undefined;
    });
    // A node that comes back is looked at at once, not after the not-ready backoff (up to
    // maxBackoffMs): the fault runs measured a restarted node converging up to 2.6 s after its
    // restart, most of it the agent sleeping out a backoff grown while the node was down.
    // At most one such wake a second: a client whose AUTH fails also reconnects and reports ready
    // over and over, and must keep its backoff.
    let lastWake = 0;
    const wakeIfWaiting = () => {
      if (this.current.ready || Date.now() - lastWake < 1000) return;
      lastWake = Date.now();
      this.wake?.();
    };
    this.local.on('ready', wakeIfWaiting);
    this.peer.on('ready', wakeIfWaiting);
    this.current = { node: this.name, state: 'starting', ready: false, reason: 'agent starting', checks: 0, since: Date.now(), hintsReplayed: 0, merged: 0, pauseOverruns: 0 };
  }

  override on(event: 'event', listener: (e: AgentEvent) => void): this {
    return super.on(event, listener);
  }

  status(): AgentStatus {
    return { ...this.current };
  }

  /** Starts the check loop (period intervalMs while ready, growing backoff otherwise). */
  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = (async () => {
      while (!this.stopped) {
        await this.tick().catch((err) => this.setState('waiting', `agent error: ${errorMessage(err)}`));
        if (this.stopped) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.nextDelay());
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    })();
    this.replaying = (async () => {
      const every = this.options.replayIntervalMs ?? 100;
      while (!this.stopped) {
        if (this.current.ready) await this.replayHints().catch(() => undefined);
        await sleep(every);
      }
    })();
  }

  /**
   * Sends the peer every element the local node holds a hint for (a write it took as primary that
   * the peer has not acknowledged), with the element's own stamp, then clears the hints the peer now
   * covers. Runs while the local node is ready; a peer that is down or a replica is left for later.
   * Returns the number of hints replayed. Bounded: at most `budgetMs` per call.
   */
  async replayHints(budgetMs = 500): Promise<number> {
    const until = Date.now() + budgetMs;
    let done = 0;
    let cursor = '0';
    do {
      const [next, flat] = await this.local.hscan(HA_HINTS_KEY, cursor, 'COUNT', 256);
      cursor = next;
      const elements = flat.filter((_, i) => i % 2 === 0);
      if (!elements.length) continue;
      const states = await readElements(this.local, elements);
      const acked: [string, string][] = [];
      for (const st of states) {
        try {
          await replayOn(this.peer, st);
        } catch (err) {
          if (isReplicaError(err) || isConnectionError(err)) {
            cursor = '0';
            break; // the peer is being bootstrapped or unreachable: try again next time
          }
          throw err;
        }
        acked.push([st.element, st.stamp]);
      }
      // Hints for elements without a version cannot be replayed: drop them.
      const known = new Set(states.map((st) => st.element));
      const orphans = elements.filter((e) => !known.has(e));
      if (orphans.length) await this.local.hdel(HA_HINTS_KEY, ...orphans);
      done += await clearHints(this.local, acked);
      if (acked.length < states.length) break;
    } while (cursor !== '0' && Date.now() < until);
    this.current.hintsReplayed += done;
    this.current.hintsPending = await this.local.hlen(HA_HINTS_KEY).catch(() => undefined);
    return done;
  }

  /**
   * Before the local node is overwritten by a copy of the peer, every element it holds in a newer
   * version than the peer's is written to the peer (with its stamp): a re-join merges, it never
   * erases what this node had acknowledged. Only versioned elements are merged.
   */
  async mergeIntoPeer(): Promise<number> {
    let pushed = 0;
    let cursor = '0';
    do {
      const [next, flat] = await this.local.hscan(HA_VERSIONS_KEY, cursor, 'COUNT', 500);
      cursor = next;
      const elements: string[] = [];
      const stamps: string[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        elements.push(flat[i]);
        stamps.push(flat[i + 1]);
      }
      if (!elements.length) continue;
      const theirs = await this.peer.hmget(HA_VERSIONS_KEY, ...elements);
      const newer = elements.filter((_, i) => compareStamps(stamps[i], theirs[i]) > 0);
      for (const st of await readElements(this.local, newer)) {
        const r = await replayOn(this.peer, st);
        if (r.applied && r.count > 0) pushed++;
      }
      if (this.stopped) throw new Error('agent stopping');
    } while (cursor !== '0');
    this.current.merged += pushed;
    return pushed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    await this.replaying;
    this.running = undefined;
    this.replaying = undefined;
    this.local.disconnect();
    this.peer.disconnect();
  }

  /** Resolves once the node is ready, or rejects with the current reason after timeoutMs. */
  async waitUntilReady(timeoutMs: number): Promise<AgentStatus> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.current.ready) return this.status();
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms: ${this.current.state}: ${this.current.reason}`);
  }

  /** One evaluation: keep ready, mark ready, refuse, wait, or bootstrap from the peer. */
  async tick(): Promise<AgentStatus> {
    this.current.checks++;
    let local: NodeProbe;
    try {
      await this.connected(this.local);
      local = await probeNode(this.local, this.markerKey);
    } catch (err) {
      this.setState('local-down', `local Redis not answering: ${errorMessage(err)}`);
      return this.status();
    }
    this.current.local = { runId: local.runId, role: local.role, keys: local.keys };
    if (local.markedReady) {
      // Same server process as when it was last declared in sync: nothing was lost.
      if (this.current.state !== 'ready') this.setState('ready', 'in sync (marked ready for this server process)');
      return this.status();
    }
    const peer = await this.viewPeer();
    if (!peer.ok) {
      await this.stopFollowing(local, 'peer unreachable');
      this.setState('waiting', peer.reason);
      return this.status();
    }
    const p = peer.probe;
    this.current.peer = { runId: p.runId, role: p.role, keys: p.keys, ready: p.markedReady };
    if (local.loading || local.keys === undefined || p.loading || p.keys === undefined) {
      if (local.role === 'slave' && p.markedReady) return this.bootstrap(p);
      this.setState('waiting', local.loading ? 'local node is loading its data' : 'peer is loading its data');
      return this.status();
    }
    if (p.markedReady) {
      if (local.role === 'slave') return this.bootstrap(p); // an interrupted bootstrap: resume it
      if (local.keys === 0 && p.keys === 0) return this.markReady('both nodes empty, nothing to copy');
      // Versioned data is merged into the peer before the copy, so nothing of it is erased. Data
      // the pair did not version (a Dynomite or Envoy pair) is protected by the key counts.
      if (!local.versioned && p.keys === 0) return this.refuse(`refusing to copy an empty peer over ${local.keys} local keys`);
      if (!local.versioned && p.keys < local.keys) return this.refuse(`refusing to copy a peer with fewer keys (${p.keys}) than local (${local.keys})`);
      return this.bootstrap(p);
    }
    // Neither node is ready (both restarted, or first start): elect the source deterministically.
    await this.stopFollowing(local, 'peer is not ready');
    if (p.role === 'slave') {
      this.setState('waiting', 'peer is itself a replica (being bootstrapped); waiting for it');
      return this.status();
    }
    if (local.keys === 0 && p.keys === 0) return this.markReady('both nodes empty, nothing to copy');
    const localWins = local.keys > p.keys || (local.keys === p.keys && local.runId < p.runId);
    if (localWins) return this.markReady(`neither node ready; local is the source (${local.keys} keys vs ${p.keys} on the peer)`);
    this.setState('waiting', `peer is not ready yet; it is the source (${p.keys} keys vs ${local.keys} local), waiting for its agent`);
    return this.status();
  }

  /** Lets a connection attempt in progress finish (bounded), so a fresh start is not reported as "down". */
  private connected(client: Redis): Promise<void> {
    if (client.status !== 'connecting' && client.status !== 'connect' && client.status !== 'wait') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const e of ['ready', 'error', 'close']) client.off(e, done);
        resolve();
      };
      const timer = setTimeout(done, this.options.opTimeoutMs ?? 2000);
      for (const e of ['ready', 'error', 'close']) client.once(e, done);
    });
  }

  private nextDelay(): number {
    const interval = this.options.intervalMs ?? 1000;
    if (this.current.ready) {
      this.notReadyTicks = 0;
      return interval;
    }
    this.notReadyTicks++;
    return Math.min(interval * 2 ** Math.min(this.notReadyTicks - 1, 10), this.options.maxBackoffMs ?? 10_000);
  }

  private async viewPeer(): Promise<PeerView> {
    try {
      await this.connected(this.peer);
      return { ok: true, probe: await probeNode(this.peer, this.markerKey) };
    } catch (err) {
      const connErr = this.peerConnError;
      if (isAuthError(err) || (connErr && isAuthError(new Error(connErr)))) {
        // Fixed text: NOAUTH and WRONGPASS alternate across reconnects and would log a line each.
        return { ok: false, reason: `peer ${this.peerHost}:${this.peerPort} authentication failed: check REDIS_USERNAME / REDIS_PASSWORD` };
      }
      return { ok: false, reason: `peer ${this.peerHost}:${this.peerPort} unreachable: ${connErr ?? errorMessage(err)}` };
    }
  }

  /** A replica must never keep following a peer that stopped being ready: it would copy whatever the peer holds. */
  private async stopFollowing(local: NodeProbe, why: string): Promise<void> {
    if (local.role !== 'slave') return;
    await this.local.call('REPLICAOF', 'NO', 'ONE');
    this.log(`stopped replicating from the peer: ${why}`);
  }

  private refuse(reason: string): AgentStatus {
    this.setState('waiting', reason);
    return this.status();
  }

  private async markReady(reason: string): Promise<AgentStatus> {
    await markNodeReady(this.local, this.markerKey);
    this.setState('ready', reason);
    return this.status();
  }

  private async bootstrap(peerAtStart: NodeProbe): Promise<AgentStatus> {
    const startedAt = Date.now();
    const deadline = startedAt + (this.options.syncTimeoutMs ?? 600_000);
    this.setState('bootstrapping', `copying ${peerAtStart.keys ?? '?'} keys from peer ${this.peerHost}:${this.peerPort}`);
    this.emit('event', { type: 'bootstrap-started', node: this.name, peerKeys: peerAtStart.keys } satisfies AgentEvent);
    let pausedPeer = false;
    let didPause = false;
    try {
      const local = await probeNode(this.local, this.markerKey);
      if (local.role === 'master') {
        await this.local.del(this.markerKey);
        // A re-join merges: what only this node holds goes to the peer before the copy replaces it.
        if (local.versioned) {
          const pushed = await this.mergeIntoPeer();
          if (pushed) this.log(`merged ${pushed} newer elements into the peer before the copy`);
        }
        const auth = this.peerAuth();
        if (auth.password !== undefined) await this.local.config('SET', 'masterauth', auth.password);
        if (auth.username !== undefined) await this.local.config('SET', 'masteruser', auth.username);
        await this.local.call('REPLICAOF', this.peerHost, String(this.peerPort));
      }
      // Full sync: link up and the RDB loaded. The peer must stay the same ready process throughout.
      for (;;) {
        const l = await probeNode(this.local, this.markerKey, false);
        if (l.role !== 'slave') throw new Error('local node stopped being a replica during the sync');
        if (l.masterLinkStatus === 'up' && !l.masterSyncInProgress && !l.loading) break;
        await this.assertPeerUnchanged(peerAtStart);
        if (this.stopped) throw new Error('agent stopping');
        if (Date.now() > deadline) throw new Error(`full sync not finished within ${this.options.syncTimeoutMs ?? 600_000} ms`);
        await sleep(100);
      }
      // Final catch-up: with the peer's writes briefly paused its offset stands still, so reaching
      // it means every write the peer accepted is here before we stop replicating.
      const pauseAt = Date.now();
      pausedPeer = await this.pausePeer();
      didPause = pausedPeer;
      const target = (await this.assertPeerUnchanged(peerAtStart)).replOffset;
      const catchUpDeadline = Math.min(deadline, Date.now() + (pausedPeer ? (this.options.pauseMs ?? 300) : 60_000));
      for (;;) {
        const l = await probeNode(this.local, this.markerKey, false);
        if (l.role === 'slave' && l.masterLinkStatus === 'up' && l.replOffset >= target) break;
        if (Date.now() > catchUpDeadline) throw new Error(`replica offset did not reach the peer's (${target}) in time`);
        await sleep(pausedPeer ? 2 : 50);
      }
      await this.local.call('REPLICAOF', 'NO', 'ONE');
      // The pause is a fixed time: check it still held at the promotion. If it ran out, writes the
      // peer took in between reached this node neither by the stream nor by a mirror (READONLY);
      // they are in the peer's hints, which its agent replays here, so say it and count it.
      if (pausedPeer && Date.now() - pauseAt > (this.options.pauseMs ?? 300) + PROMOTION_MARGIN_MS) {
        this.current.pauseOverruns++;
        this.log('the peer\'s write pause ran out before the promotion; writes after it come from the peer\'s hints');
      }
      // The copy brought the peer's hints (for this node, which now has all of it): not ours to replay.
      await this.local.del(HA_HINTS_KEY);
      await markNodeReady(this.local, this.markerKey);
      if (pausedPeer) await this.unpausePeer();
      pausedPeer = false;
      const keys = Math.max(0, (await this.local.dbsize()) - 1);
      const result: BootstrapResult = { ok: true, startedAt, durationMs: Date.now() - startedAt, keys, pausedPeer: didPause };
      this.finish(result);
      this.setState('ready', `bootstrapped from peer: ${keys} keys in ${result.durationMs} ms`);
    } catch (err) {
      if (pausedPeer) await this.unpausePeer();
      // Stay a replica if the peer is still fine (the next tick resumes); otherwise detach.
      const peer = await this.viewPeer();
      const local = await probeNode(this.local, this.markerKey, false).catch(() => undefined);
      if (local && (!peer.ok || peer.probe.runId !== peerAtStart.runId || !peer.probe.markedReady)) {
        await this.stopFollowing(local, 'bootstrap aborted').catch(() => undefined);
      }
      this.finish({ ok: false, startedAt, durationMs: Date.now() - startedAt, keys: 0, pausedPeer: false, error: errorMessage(err) });
      this.setState('waiting', `bootstrap failed: ${errorMessage(err)}`);
    }
    return this.status();
  }

  private finish(result: BootstrapResult): void {
    this.current.lastBootstrap = result;
    this.emit('event', { type: 'bootstrap-finished', node: this.name, result } satisfies AgentEvent);
  }

  private async assertPeerUnchanged(atStart: NodeProbe): Promise<NodeProbe> {
    const p = await probeNode(this.peer, this.markerKey, false).catch((err) => {
      throw new Error(`peer lost during the sync: ${errorMessage(err)}`);
    });
    if (p.runId !== atStart.runId) throw new Error('peer restarted during the sync');
    if (!p.markedReady) throw new Error('peer stopped being ready during the sync');
    return p;
  }

  /**
   * CLIENT PAUSE WRITE on the peer; false when not allowed (then the catch-up only chases the offset).
   * The pause must outlast the catch-up AND the promotion: had it expired in between, a write the
   * peer accepted after it would be mirrored into a still-read-only node and never streamed to it.
   * It is lifted explicitly right after the promotion; the margin only bounds an agent that dies.
   */
  private async pausePeer(): Promise<boolean> {
    try {
      await this.peer.call('CLIENT', 'PAUSE', String((this.options.pauseMs ?? 300) + PROMOTION_MARGIN_MS), 'WRITE');
      return true;
    } catch (err) {
      this.log(`could not pause writes on the peer (${errorMessage(err)}); catching up without a pause`);
      return false;
    }
  }

  private async unpausePeer(): Promise<void> {
    await this.peer.call('CLIENT', 'UNPAUSE').catch(() => undefined);
  }

  private peerAuth(): { username?: string; password?: string } {
    const u = new URL(this.options.peer.url);
    return {
      username: this.options.peer.username ?? (u.username ? decodeURIComponent(u.username) : undefined),
      password: this.options.peer.password ?? (u.password ? decodeURIComponent(u.password) : undefined),
    };
  }

  private setState(state: AgentState, reason: string): void {
    const changed = state !== this.current.state || reason !== this.current.reason;
    this.current = { ...this.current, state, reason, ready: state === 'ready', since: changed ? Date.now() : this.current.since };
    if (!changed) return;
    this.log(`${state}: ${reason}`);
    this.emit('event', { type: 'state', status: this.status() } satisfies AgentEvent);
  }

  private log(message: string): void {
    (this.options.log ?? console.log)(`[redis-ha-agent ${this.name}] ${message}`);
  }

  /** Redacted URLs, for logs at start. */
  describe(): { node: string; local: string; peer: string } {
    return { node: this.name, local: redact(this.options.local.url), peer: redact(this.options.peer.url) };
  }
}
