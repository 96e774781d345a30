// The systems a fault run drives, behind one interface so the same schedule and checker apply to
// each. Every dept-api replica reaches every Redis node through its own Toxiproxy proxy
// (`r<replica>-<node>`), so a partition cuts one replica from one node; the agents and Redis's
// own replication reach the nodes directly.
import { join } from 'node:path';
import { waitFor } from '@app/async';
import { waitDynomiteReplicating } from '@app/redis-ha';
import { freePort, RedisServer, dynomiteBin, dynomitePem, startDynomite, startSentinelTopology } from '@app/procs';
import type { SentinelTopology } from '@app/procs';
import { API_MAIN, AGENT_MAIN, ChaosError, ProcessSet } from './procs';
import type { ToxiproxyClient } from './toxiproxy';

export type TopologyName = 'single' | 'mirrored-async' | 'mirrored-sync' | 'sentinel' | 'dynomite';
export const TOPOLOGIES: readonly TopologyName[] = ['mirrored-async', 'mirrored-sync', 'single', 'sentinel', 'dynomite'];
export type NodeId = 'a' | 'b';

export interface TopologyEnv {
  procs: ProcessSet;
  toxi: ToxiproxyClient;
  /** Folder for this run's processes. */
  dir: string;
  replicas: number;
  /** DB_* variables for dept-api. */
  dbEnv: Record<string, string>;
  /** dept-api's REDIS_OP_TIMEOUT_MS. */
  opTimeoutMs: number;
  log: (line: string) => void;
}

/** What the fault runs need from a system under test. */
export interface Topology {
  readonly name: TopologyName;
  /** Data nodes read directly at the end. */
  readonly nodes: readonly NodeId[];
  readonly hasAgents: boolean;
  /** dept-api replicas. */
  readonly replicas: number;
  start(): Promise<void>;
  apiUrl(replica: number): string;
  /** Direct (never proxied) URL of a node, for the final read. */
  nodeUrl(node: NodeId): string;
  /** Maps a schedule's node onto one this topology has (a single node takes every node fault). */
  resolveNode(node: NodeId): NodeId;
  proxyName(replica: number, node: NodeId): string;
  killNode(node: NodeId): Promise<void>;
  startNode(node: NodeId, empty: boolean): Promise<void>;
  pauseNode(node: NodeId): void;
  resumeNode(node: NodeId): void;
  killAgent(node: NodeId): Promise<void>;
  startAgent(node: NodeId): Promise<void>;
  killApp(replica: number): Promise<void>;
  startApp(replica: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisTopologyConfig {
  name: TopologyName;
  nodes: readonly NodeId[];
  /** dept-api's REDIS_MODE. */
  mode: 'single' | 'mirrored' | 'sentinel' | 'dynomite';
  mirrorMode?: 'async' | 'sync';
  agents: boolean;
}

export function topologyConfig(name: TopologyName): RedisTopologyConfig | null {
  switch (name) {
    case 'single':
      return { name, nodes: ['a'], mode: 'single', agents: false };
    case 'mirrored-async':
      return { name, nodes: ['a', 'b'], mode: 'mirrored', mirrorMode: 'async', agents: true };
    case 'mirrored-sync':
      return { name, nodes: ['a', 'b'], mode: 'mirrored', mirrorMode: 'sync', agents: true };
    case 'sentinel':
      // Master a, replica b, three Sentinels (quorum 2) from libs/procs; no agents.
      return { name, nodes: ['a', 'b'], mode: 'sentinel', agents: false };
    case 'dynomite':
      // The study's sidecar pair: a Dynomite in front of each Redis (one DC each, DC_QUORUM), the
      // two replicating to each other; replica r talks to node r mod 2's Dynomite. No agents.
      return { name, nodes: ['a', 'b'], mode: 'dynomite', agents: false };
    default:
      return null;
  }
}

/** The lab's pair settings (apps/bench stack/ha.ts): no 5 s wait before a diskless full sync. */
const REDIS_EXTRA = ['--repl-diskless-sync-delay', '0'];

/** One or two standalone Redis (AOF everysec), optional agents, N dept-api replicas through Toxiproxy. */
export class RedisTopology implements Topology {
  readonly name: TopologyName;
  readonly nodes: readonly NodeId[];
  readonly hasAgents: boolean;
  readonly replicas: number;
  private readonly redis = new Map<NodeId, RedisServer>();
  private readonly agentPorts = new Map<NodeId, number>();
  private readonly agentPids = new Map<NodeId, number>();
  private readonly apiPorts: number[] = [];
  private readonly apiPids: number[] = [];
  private readonly proxyPorts = new Map<string, number>();
  private sentinel: SentinelTopology | null = null;
  /** Dynomite's client port per node (mode dynomite), and its pid. */
  private readonly dynomitePorts = new Map<NodeId, number>();
  private readonly dynomitePids: number[] = [];

  constructor(private readonly c: RedisTopologyConfig, private readonly env: TopologyEnv) {
    this.name = c.name;
    this.nodes = c.nodes;
    this.hasAgents = c.agents;
    this.replicas = env.replicas;
  }

  resolveNode(node: NodeId): NodeId {
    return this.nodes.includes(node) ? node : this.nodes[0];
  }

  nodeUrl(node: NodeId): string {
    return this.server(node).url;
  }

  apiUrl(replica: number): string {
    return `http://127.0.0.1:${this.apiPorts[replica]}`;
  }

  proxyName(replica: number, node: NodeId): string {
    return `r${replica}-${this.resolveNode(node)}`;
  }

  private server(node: NodeId): RedisServer {
    const s = this.redis.get(this.resolveNode(node));
    if (!s) throw new ChaosError(`${this.name} has no node ${node}`);
    return s;
  }

  async start(): Promise<void> {
    const { env } = this;
    if (this.c.mode === 'sentinel') {
      // AOF everysec like the pair, so `kill-node` restarts a node with its data.
      this.sentinel = await startSentinelTopology({ dir: join(env.dir, 'sentinel'), persistence: 'everysec' });
      this.sentinel.nodes.forEach((n, i) => this.redis.set(this.nodes[i], n));
      for (const p of [...this.sentinel.nodes, ...this.sentinel.sentinels]) env.procs.track(p.pid);
    }
    const own = this.c.mode === 'sentinel' ? [] : this.nodes;
    for (const node of own) {
      const port = await freePort();
      this.redis.set(node, new RedisServer({ name: `redis-${node}`, port, dir: join(env.dir, `redis-${node}`), persistence: 'everysec', extra: REDIS_EXTRA }));
    }
    await Promise.all(own.map((node) => this.startNode(node, true)));
    if (this.c.mode === 'dynomite') await this.startDynomitePair();
    if (this.hasAgents) {
      for (const node of this.nodes) this.agentPorts.set(node, await freePort());
      await Promise.all(this.nodes.map((node) => this.startAgent(node)));
      for (const node of this.nodes) {
        await waitFor(`agent ${node} to report ready`, async () => {
          const res = await fetch(`http://127.0.0.1:${this.agentPorts.get(node)}/health/ready`, { signal: AbortSignal.timeout(1000) });
          return res.status === 200;
        }, 30_000, 200);
      }
    }
    for (let r = 0; r < env.replicas; r++) {
      for (const node of this.nodes) {
        const port = await freePort();
        const name = this.proxyName(r, node);
        // A replica reaches a node's Dynomite (mode dynomite), else the node's Redis itself.
        const upstream = this.dynomitePorts.get(node) ?? this.server(node).port;
        await env.toxi.createProxy({ name, listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${upstream}` });
        this.proxyPorts.set(name, port);
      }
      this.apiPorts.push(await freePort());
    }
    // In parallel: each dept-api takes seconds to start on a busy 2-core box.
    await Promise.all(Array.from({ length: env.replicas }, (_, r) => this.startApp(r)));
  }

  private apiEnv(replica: number): Record<string, string> {
    const viaProxy = (node: NodeId) => `redis://127.0.0.1:${this.proxyPorts.get(this.proxyName(replica, node))}`;
    let redisEnv: Record<string, string>;
    if (this.c.mode === 'mirrored') {
      redisEnv = { REDIS_MODE: 'mirrored', REDIS_URL: viaProxy('a'), REDIS_PEER_URL: viaProxy('b'), REDIS_MIRROR_MODE: this.c.mirrorMode ?? 'async', REDIS_HA_READINESS: 'marker' };
    } else if (this.c.mode === 'sentinel' && this.sentinel) {
      // The Sentinels are reached directly; the data nodes they name go through this replica's
      // proxies (natMap), so a partition cuts this replica from one node.
      const nat = this.nodes.map((n) => `127.0.0.1:${this.server(n).port}=127.0.0.1:${this.proxyPorts.get(this.proxyName(replica, n))}`).join(',');
      redisEnv = { REDIS_MODE: 'sentinel', REDIS_SENTINELS: this.sentinel.sentinelsEnv, REDIS_SENTINEL_NAME: this.sentinel.masterName, REDIS_SENTINEL_NAT_MAP: nat };
    } else if (this.c.mode === 'dynomite') {
      redisEnv = { REDIS_MODE: 'single', REDIS_URL: viaProxy(this.nodes[replica % this.nodes.length]) };
    } else {
      redisEnv = { REDIS_MODE: 'single', REDIS_URL: viaProxy('a') };
    }
    return {
      NODE_ENV: 'production',
      APP_NAME: `dept-chaos-${replica}`,
      PORT: String(this.apiPorts[replica]),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DB_MIGRATE: 'false',
      ...this.env.dbEnv,
      REDIS_OP_TIMEOUT_MS: String(this.env.opTimeoutMs),
      ...redisEnv,
    };
  }

  async startApp(replica: number): Promise<void> {
    const { pid } = await this.env.procs.startNodeApp(`api-${replica}`, API_MAIN, this.apiPorts[replica], this.apiEnv(replica), '/health/live', this.env.dir, 60_000);
    this.apiPids[replica] = pid;
  }

  async killApp(replica: number): Promise<void> {
    await this.env.procs.kill9(this.apiPids[replica]);
  }

  async startNode(node: NodeId, empty: boolean): Promise<void> {
    const s = this.server(node);
    await s.start({ empty });
    this.env.procs.track(s.pid);
  }

  async killNode(node: NodeId): Promise<void> {
    await this.server(node).kill();
  }

  pauseNode(node: NodeId): void {
    this.env.procs.signal(this.server(node).pid, 'SIGSTOP');
  }

  resumeNode(node: NodeId): void {
    this.env.procs.signal(this.server(node).pid, 'SIGCONT');
  }

  async startAgent(node: NodeId): Promise<void> {
    if (!this.hasAgents) return;
    const n = this.resolveNode(node);
    const peer = this.nodes.find((x) => x !== n) ?? n;
    const port = this.agentPorts.get(n)!;
    const { pid } = await this.env.procs.startNodeApp(`agent-${n}`, AGENT_MAIN, port, {
      REDIS_URL: this.nodeUrl(n),
      REDIS_PEER_URL: this.nodeUrl(peer),
      AGENT_PORT: String(port),
      AGENT_HOST: '127.0.0.1',
      NODE_NAME: `agent-${n}`,
      AGENT_INTERVAL_MS: '500',
      AGENT_MAX_BACKOFF_MS: '2000',
    }, '/health/live', this.env.dir, 30_000);
    this.agentPids.set(n, pid);
  }

  async killAgent(node: NodeId): Promise<void> {
    await this.env.procs.kill9(this.agentPids.get(this.resolveNode(node)));
  }

  /**
   * Dynomite a and b, each in front of its node's Redis (reached directly), peers of each other as
   * in the study (bench's `ha up --topology dynomite`); up once a write through each reaches the
   * other node's Redis.
   */
  private async startDynomitePair(): Promise<void> {
    const bin = dynomiteBin();
    if (!bin) throw new ChaosError('the dynomite topology needs DYNOMITE_BIN');
    const pem = dynomitePem(bin, join(this.env.dir, 'dynomite'));
    const ports = new Map<NodeId, { listen: number; peer: number; stats: number }>();
    for (const n of this.nodes) ports.set(n, { listen: await freePort(), peer: await freePort(), stats: await freePort() });
    for (const [i, n] of this.nodes.entries()) {
      const other = this.nodes[1 - i];
      const p = ports.get(n)!;
      const started = await startDynomite(bin, `dynomite-${n}`, join(this.env.dir, `dynomite-${n}`), {
        datacenter: `dc${i + 1}`, rack: `rack${i + 1}`, listenPort: p.listen, peerPort: p.peer, statsPort: p.stats, redisPort: this.server(n).port, pemFile: pem,
        seed: { peerPort: ports.get(other)!.peer, rack: `rack${2 - i}`, datacenter: `dc${2 - i}` },
      });
      const pid = this.env.procs.pidOf(started.pidFile);
      if (pid) {
        this.env.procs.track(pid);
        this.dynomitePids.push(pid);
      }
      this.dynomitePorts.set(n, p.listen);
    }
    await waitDynomiteReplicating([this.dynomitePorts.get('a')!, this.dynomitePorts.get('b')!], [this.server('a').port, this.server('b').port]);
  }

  async stop(): Promise<void> {
    // Apps and agents first, then the stores; the run's ProcessSet stops anything left.
    for (const pid of this.apiPids) await this.env.procs.kill9(pid);
    for (const pid of this.agentPids.values()) await this.env.procs.kill9(pid);
    for (const pid of this.dynomitePids) await this.env.procs.kill9(pid);
    if (this.sentinel) await Promise.all(this.sentinel.sentinels.map((x) => x.stop()));
    for (const node of this.nodes) {
      const s = this.redis.get(node);
      if (!s) continue;
      this.env.procs.signal(s.pid, 'SIGCONT');
      await s.stop();
    }
    for (const name of this.proxyPorts.keys()) await this.env.toxi.deleteProxy(name).catch(() => undefined);
  }
}

/** The topology, or why it cannot run here (null config = built elsewhere or missing binary). */
export function makeTopology(name: TopologyName, env: TopologyEnv): Topology | { skipped: string } {
  if (name === 'dynomite') {
    try {
      if (!dynomiteBin()) return { skipped: 'Dynomite not run: set DYNOMITE_BIN to the dynomite binary to include it' };
    } catch (err) {
      return { skipped: `Dynomite not run: ${(err as Error).message}` };
    }
  }
  const c = topologyConfig(name);
  if (c) return new RedisTopology(c, env);
  return { skipped: `the ${name} topology is not available on this branch yet` };
}
