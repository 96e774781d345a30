// The local HA topologies: two standalone Redis (AOF everysec) with a redis-ha-agent beside each,
// and dept-api either on the mirrored-pair client (`ha-mirrored`) or on a Dynomite sidecar pair
// configured as in the study §5 (`ha-dynomite`). Every process is recorded in the stack's
// registry, so `bench stack down` / `bench ha down` stop them like the rest.
import { join } from 'node:path';
import Redis from 'ioredis';
import { DYNOMITE_MISSING, RedisServer, dynomiteBin, dynomitePem, startDynomite } from '@app/procs';
import { waitFor } from '@app/async';
import { createRedisClient, waitUntilReady } from '@app/redis';
import { DEFAULT_MARKER_KEY, waitDynomiteReplicating } from '@app/redis-ha';
import type { MirrorMode, Readiness } from '@app/redis-ha';
import { onAbort } from '../cli/abort';
import { Stack, StackError } from './stack';

export type HaKind = 'mirrored' | 'dynomite';
export const HA_KINDS: readonly HaKind[] = ['mirrored', 'dynomite'];
export type HaNodeId = 'a' | 'b';

export const HA_NAMES = {
  redis: { a: 'ha-redis-a', b: 'ha-redis-b' },
  agent: { a: 'ha-agent-a', b: 'ha-agent-b' },
  dynomite: { a: 'ha-dynomite-a', b: 'ha-dynomite-b' },
  api: { mirrored: 'dept-ha-mirrored', dynomite: 'dept-ha-dynomite', single: 'dept-ha-single' },
} as const;

/**
 * The lab's settings for the pair's Redis, beyond AOF everysec:
 * - `repl-diskless-sync-delay 0`: Redis waits 5 s by default before a diskless full sync, to batch
 *   several replicas; a pair only ever has one, so the wait would only lengthen every bootstrap.
 * - `enable-debug-command local`: lets the bootstrap-size run fill a node with DEBUG POPULATE
 *   (loopback clients only, as Redis 7 allows).
 */
export const HA_REDIS_EXTRA = ['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'local'];

/**
 * Agent settings for the lab: a ready check every 500 ms, and at most 2 s between checks while
 * not ready (the default 10 s backoff would add up to 10 s to "time until in sync" after a restart).
 */
export const HA_AGENT_ENV = { AGENT_INTERVAL_MS: '500', AGENT_MAX_BACKOFF_MS: '2000' };

export interface HaUpOptions {
  kind: HaKind;
  /** Start a redis-ha-agent beside each Redis (default true); false = the anchors' own behaviour. */
  agents?: boolean;
  /** mirrored only: the client's mirror mode (default async). */
  mirrorMode?: MirrorMode;
  /** mirrored only: default `marker` with agents, `role` without (there is no one to write markers). */
  readiness?: Readiness;
  /** Start dept-api on the topology (default true). */
  api?: boolean;
  /** Start both Redis with empty data folders (default true: runs want a known state). */
  empty?: boolean;
}

export interface AgentView {
  ready: boolean;
  state?: string;
  reason?: string;
  lastBootstrap?: { ok: boolean; durationMs: number; keys: number; pausedPeer: boolean; error?: string };
}

/** The agent's /health/ready answer; `ready:false, state:'unreachable'` when it does not answer. */
export async function agentView(port: number): Promise<AgentView> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as Omit<AgentView, 'ready'>;
    return { ...body, ready: res.status === 200 };
  } catch (err) {
    return { ready: false, state: 'unreachable', reason: (err as Error).message };
  }
}

/**
 * The pair of one HA topology inside a Stack. Runs build on it: start, kill -9 and restart
 * nodes, switch dept-api's mode, read the agents, and stop exactly what was started.
 */
export class HaPair {
  readonly ports: Stack['ports']['ha'];
  kind: HaKind | null = null;

  constructor(readonly stack: Stack, private readonly log: (line: string) => void = () => undefined) {
    this.ports = stack.ports.ha;
  }

  redis(node: HaNodeId): RedisServer {
    return this.stack.extraRedis(HA_NAMES.redis[node], node === 'a' ? this.ports.redisA : this.ports.redisB, { persistence: 'everysec', extra: HA_REDIS_EXTRA });
  }

  redisUrl(node: HaNodeId): string {
    return `redis://127.0.0.1:${node === 'a' ? this.ports.redisA : this.ports.redisB}`;
  }

  /** A direct client to one node (for fills, checks and the sync check; never through a proxy). */
  async client(node: HaNodeId, opTimeoutMs = 5000): Promise<Redis> {
    const c = createRedisClient({ url: this.redisUrl(node), opTimeoutMs, connectTimeoutMs: 2000 });
    // The lab's clients have no offline queue: wait for the connection before the first command.
    await waitUntilReady(c, 5000).catch((err: Error) => {
      c.disconnect();
      throw new StackError(`${HA_NAMES.redis[node]} on ${this.redisUrl(node)} does not answer: ${err.message}`);
    });
    return c;
  }

  agentPort(node: HaNodeId): number {
    return node === 'a' ? this.ports.agentA : this.ports.agentB;
  }

  apiPort(kind: HaKind | 'single'): number {
    return kind === 'dynomite' ? this.ports.dynApi : this.ports.api;
  }

  apiUrl(kind: HaKind | 'single'): string {
    return `http://127.0.0.1:${this.apiPort(kind)}`;
  }

  async startNode(node: HaNodeId, empty: boolean): Promise<void> {
    await this.stack.startRedis(this.redis(node), { empty });
  }

  /** SIGKILL, as the study's pod kill: no AOF flush, no goodbye to clients. */
  async killNode(node: HaNodeId): Promise<void> {
    await this.redis(node).kill();
  }

  async startAgents(): Promise<void> {
    for (const node of ['a', 'b'] as const) {
      const peer = node === 'a' ? 'b' : 'a';
      await this.stack.startAgent(HA_NAMES.agent[node], this.agentPort(node), this.redisUrl(node), this.redisUrl(peer), { ...HA_AGENT_ENV });
    }
  }

  async stopAgents(): Promise<void> {
    for (const node of ['a', 'b'] as const) await this.stack.stopService(HA_NAMES.agent[node]);
  }

  hasAgents(): boolean {
    return this.stack.isRunning(HA_NAMES.agent.a) || this.stack.isRunning(HA_NAMES.agent.b);
  }

  /** Waits until both agents report their node in sync (the pair's starting state). */
  async waitAgentsReady(timeoutMs = 30_000): Promise<void> {
    for (const node of ['a', 'b'] as const) {
      await waitFor(`${HA_NAMES.agent[node]} to report ready`, async () => (await agentView(this.agentPort(node))).ready, timeoutMs, 200);
    }
  }

  async startDynomite(): Promise<void> {
    const bin = dynomiteBin();
    if (!bin) throw new StackError(DYNOMITE_MISSING);
    const pem = dynomitePem(bin, join(this.stack.dir, 'dynomite'));
    const p = this.ports;
    const nodes = [
      { node: 'a' as const, dc: 'dc1', rack: 'rack1', listen: p.dynA, peer: p.dynPeerA, stats: p.dynStatsA, redis: p.redisA, seed: { peerPort: p.dynPeerB, rack: 'rack2', datacenter: 'dc2' } },
      { node: 'b' as const, dc: 'dc2', rack: 'rack2', listen: p.dynB, peer: p.dynPeerB, stats: p.dynStatsB, redis: p.redisB, seed: { peerPort: p.dynPeerA, rack: 'rack1', datacenter: 'dc1' } },
    ];
    for (const n of nodes) {
      const name = HA_NAMES.dynomite[n.node];
      if (this.stack.isRunning(name)) continue;
      const started = await startDynomite(bin, name, join(this.stack.dir, name), {
        datacenter: n.dc, rack: n.rack, listenPort: n.listen, peerPort: n.peer, statsPort: n.stats, redisPort: n.redis, seed: n.seed, pemFile: pem,
      });
      this.stack.registerProcess({ name, kind: 'dynomite', port: n.listen, pidFile: started.pidFile, logFile: started.logFile, url: `redis://127.0.0.1:${n.listen}` });
    }
    await waitDynomiteReplicating([p.dynA, p.dynB], [p.redisA, p.redisB]);
  }

  apiEnv(kind: HaKind | 'single', o: { mirrorMode?: MirrorMode; readiness?: Readiness } = {}): Record<string, string> {
    switch (kind) {
      case 'single':
        return { REDIS_MODE: 'single', REDIS_URL: this.redisUrl('a') };
      case 'dynomite':
        return { REDIS_MODE: 'single', REDIS_URL: `redis://127.0.0.1:${this.ports.dynA}` };
      case 'mirrored':
        return {
          REDIS_MODE: 'mirrored',
          REDIS_URL: this.redisUrl('a'),
          REDIS_PEER_URL: this.redisUrl('b'),
          REDIS_MIRROR_MODE: o.mirrorMode ?? 'async',
          REDIS_HA_READINESS: o.readiness ?? 'marker',
        };
    }
  }

  async startApi(kind: HaKind | 'single', o: { mirrorMode?: MirrorMode; readiness?: Readiness } = {}): Promise<string> {
    await this.stack.startApi(HA_NAMES.api[kind], this.apiPort(kind), this.apiEnv(kind, o));
    return this.apiUrl(kind);
  }

  async stopApi(kind: HaKind | 'single'): Promise<void> {
    await this.stack.stopService(HA_NAMES.api[kind]);
  }

  /** Redis pair, agents (optional), Dynomite (for that kind), MariaDB and dept-api, in order. */
  async up(o: HaUpOptions): Promise<void> {
    const agents = o.agents ?? true;
    if (o.kind === 'dynomite' && !dynomiteBin()) throw new StackError(DYNOMITE_MISSING);
    this.kind = o.kind;
    for (const node of ['a', 'b'] as const) {
      this.log(`${HA_NAMES.redis[node]} (AOF everysec) on ${this.redisUrl(node)} ...`);
      await this.startNode(node, o.empty ?? true);
    }
    if (agents) {
      this.log(`redis-ha-agents on 127.0.0.1:${this.ports.agentA} and :${this.ports.agentB} ...`);
      await this.startAgents();
      await this.waitAgentsReady();
    }
    if (o.kind === 'dynomite') {
      this.log(`Dynomite sidecars (DC_QUORUM, one rack per DC) on 127.0.0.1:${this.ports.dynA} and :${this.ports.dynB} ...`);
      await this.startDynomite();
    }
    if (o.api ?? true) {
      this.log(`mariadb on 127.0.0.1:${this.stack.ports.mariadb} ...`);
      await this.stack.startMariaDb();
      this.log(`${HA_NAMES.api[o.kind]} on ${this.apiUrl(o.kind)} ...`);
      await this.startApi(o.kind, { mirrorMode: o.mirrorMode, readiness: o.readiness ?? (agents ? 'marker' : 'role') });
    }
  }

  /** Stops every HA service of the registry (APIs, agents, Dynomite, the two Redis); MariaDB stays. */
  async down(): Promise<number> {
    const names = [
      ...Object.values(HA_NAMES.api),
      HA_NAMES.agent.a, HA_NAMES.agent.b,
      HA_NAMES.dynomite.a, HA_NAMES.dynomite.b,
      HA_NAMES.redis.a, HA_NAMES.redis.b,
    ];
    let n = 0;
    for (const name of names) {
      if (!this.stack.services().some((s) => s.name === name)) continue;
      this.log(`stopping ${name}`);
      await this.stack.stopService(name);
      n++;
    }
    return n;
  }

  /** Empties both nodes (FLUSHALL directly on each Redis, never through Dynomite) and keeps the markers valid. */
  async flushBoth(): Promise<void> {
    for (const node of ['a', 'b'] as const) {
      const c = await this.client(node);
      try {
        const marker = await c.get(DEFAULT_MARKER_KEY);
        await c.flushall();
        if (marker) await c.set(DEFAULT_MARKER_KEY, marker);
      } finally {
        c.disconnect();
      }
    }
  }
}

/**
 * The HA pair of one run: whatever happens (a failure, Ctrl-C), every HA service it started is
 * stopped at the end.
 */
export async function withHaPair<T>(log: (line: string) => void, body: (pair: HaPair) => Promise<T>): Promise<T> {
  const pair = new HaPair(new Stack(), log);
  const cancel = onAbort(async () => {
    await pair.down();
  });
  try {
    return await body(pair);
  } finally {
    cancel();
    await pair.down();
  }
}

/**
 * Whether the Dynomite parts can run (DYNOMITE_BIN is set); when not, the run goes on without
 * them and says so in its log and in its notes: `part` names what is left out, e.g. "Dynomite pair".
 */
export function dynomiteOrSkip(part: string, notDone: string, log: (line: string) => void, onNote: (note: string) => void): boolean {
  if (dynomiteBin()) return true;
  log(`skipping the ${part}: ${DYNOMITE_MISSING}`);
  onNote(`${part} ${notDone}: ${DYNOMITE_MISSING}`);
  return false;
}
