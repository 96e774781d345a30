// The local HA topologies: two standalone Redis (AOF everysec) with a redis-ha-agent beside each,
// and dept-api either on the mirrored-pair client (`ha-mirrored`) or on a Dynomite sidecar pair
// configured as in the study §5 (`ha-dynomite`). Every process is recorded in the stack's
// registry, so `bench stack down` / `bench ha down` stop them like the rest.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisServer, assertPortFree, canConnect, isAlive, readPid, spawnDaemon, waitFor } from '@app/procs';
import { createRedisClient, waitUntilReady } from '@app/redis';
import { DEFAULT_MARKER_KEY, HA_KEY_PREFIX } from '@app/redis-ha';
import type { MirrorMode, Readiness } from '@app/redis-ha';
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

/** Where the Dynomite binary is, from DYNOMITE_BIN; null when unset (runs skip the Dynomite pair). */
export function dynomiteBin(): string | null {
  const bin = process.env.DYNOMITE_BIN;
  if (!bin) return null;
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new StackError(`DYNOMITE_BIN=${bin} is not an executable file: point it at the dynomite binary (e.g. /opt/dynomite/bin/dynomite)`);
  }
  return bin;
}

export const DYNOMITE_MISSING =
  'the Dynomite pair needs Dynomite: set DYNOMITE_BIN to the dynomite binary (e.g. DYNOMITE_BIN=/opt/dynomite/bin/dynomite); ' +
  'DYNOMITE_PEM may name its pem_key_file, else a throwaway key is made with openssl';

export interface DynomiteNodeConfig {
  datacenter: string;
  rack: string;
  listenPort: number;
  peerPort: number;
  statsPort: number;
  redisPort: number;
  seed: { peerPort: number; rack: string; datacenter: string };
  pemFile: string;
  consistency?: 'DC_ONE' | 'DC_QUORUM' | 'DC_SAFE_QUORUM';
}

/**
 * One node of the study's Dynomite pair (study.md §5): its own datacenter and rack, token 0,
 * the peer as seed, one local Redis, DC_QUORUM reads and writes. With one rack per DC the local
 * quorum is 1, so a node keeps answering when its peer dies; the remote DC gets writes
 * asynchronously.
 */
export function dynomiteYaml(c: DynomiteNodeConfig): string {
  const consistency = c.consistency ?? 'DC_QUORUM';
  return [
    'dyn_o_mite:',
    `  datacenter: ${c.datacenter}`,
    `  rack: ${c.rack}`,
    `  listen: 127.0.0.1:${c.listenPort}`,
    `  dyn_listen: 127.0.0.1:${c.peerPort}`,
    `  stats_listen: 127.0.0.1:${c.statsPort}`,
    '  dyn_seed_provider: simple_provider',
    '  dyn_seeds:',
    `  - 127.0.0.1:${c.seed.peerPort}:${c.seed.rack}:${c.seed.datacenter}:0`,
    '  servers:',
    `  - 127.0.0.1:${c.redisPort}:1`,
    "  tokens: '0'",
    '  data_store: 0',
    '  secure_server_option: none',
    `  pem_key_file: ${c.pemFile}`,
    `  read_consistency: ${consistency}`,
    `  write_consistency: ${consistency}`,
    '',
  ].join('\n');
}

/**
 * Dynomite refuses to start without an existing pem_key_file even when peer encryption is off.
 * DYNOMITE_PEM names one; otherwise a throwaway RSA key is made under `dir` with openssl.
 */
export function dynomitePem(dir: string): string {
  const given = process.env.DYNOMITE_PEM;
  if (given) {
    if (!existsSync(given)) throw new StackError(`DYNOMITE_PEM=${given} does not exist: point it at a PEM key or unset it to make a throwaway one`);
    return given;
  }
  const file = join(dir, 'dynomite.pem');
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('openssl', ['genrsa', '-out', file, '2048'], { stdio: 'ignore', timeout: 30_000 });
  } catch (err) {
    throw new StackError(`Dynomite needs a pem_key_file and openssl could not make one (${(err as Error).message}): install openssl or set DYNOMITE_PEM`);
  }
  return file;
}

/** Starts one dynomite process (foreground, in its own process group) and waits for its client port. */
export async function startDynomiteProcess(bin: string, name: string, dir: string, config: DynomiteNodeConfig): Promise<{ pidFile: string; logFile: string; confFile: string }> {
  await assertPortFree(config.listenPort, `${name} client port`);
  await assertPortFree(config.peerPort, `${name} peer port`);
  await assertPortFree(config.statsPort, `${name} stats port`);
  mkdirSync(dir, { recursive: true });
  const confFile = join(dir, 'dynomite.yml');
  const pidFile = join(dir, 'pid');
  const logFile = join(dir, 'log');
  writeFileSync(confFile, dynomiteYaml(config));
  spawnDaemon(bin, ['-c', confFile, '-v', '5'], { logFile, pidFile });
  await waitFor(`${name} on 127.0.0.1:${config.listenPort} (log: ${logFile})`, async () => {
    if (!isAlive(readPid(pidFile))) throw new StackError(`${name} exited at start; see ${logFile}`);
    return canConnect(config.listenPort);
  }, 15_000, 100);
  return { pidFile, logFile, confFile };
}

/**
 * Waits until a write through each Dynomite shows up on the other node's Redis, i.e. the two
 * sidecars have found each other. Uses a key under the HA prefix, left out of every count.
 */
export async function waitDynomiteReplicating(dynPorts: [number, number], redisPorts: [number, number], timeoutMs = 20_000): Promise<void> {
  const key = `${HA_KEY_PREFIX}dynomite-probe`;
  const clients = [...dynPorts, ...redisPorts].map((p) => createRedisClient({ url: `redis://127.0.0.1:${p}`, opTimeoutMs: 1000 }));
  try {
    for (const [via, other] of [[0, 3], [1, 2]] as const) {
      const value = `${Date.now()}-${via}`;
      await waitFor(`a write through Dynomite :${dynPorts[via]} to reach Redis :${redisPorts[other - 2]}`, async () => {
        await clients[via].set(key, value);
        return (await clients[other].get(key)) === value;
      }, timeoutMs, 250);
    }
    // Direct DEL on both Redis: a multi-node DEL through Dynomite answers :0 under DC_QUORUM.
    await Promise.all([clients[2].del(key), clients[3].del(key)]);
  } finally {
    for (const c of clients) c.disconnect();
  }
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
    const pem = dynomitePem(join(this.stack.dir, 'dynomite'));
    const p = this.ports;
    const nodes = [
      { node: 'a' as const, dc: 'dc1', rack: 'rack1', listen: p.dynA, peer: p.dynPeerA, stats: p.dynStatsA, redis: p.redisA, seed: { peerPort: p.dynPeerB, rack: 'rack2', datacenter: 'dc2' } },
      { node: 'b' as const, dc: 'dc2', rack: 'rack2', listen: p.dynB, peer: p.dynPeerB, stats: p.dynStatsB, redis: p.redisB, seed: { peerPort: p.dynPeerA, rack: 'rack1', datacenter: 'dc1' } },
    ];
    for (const n of nodes) {
      const name = HA_NAMES.dynomite[n.node];
      if (this.stack.isRunning(name)) continue;
      const started = await startDynomiteProcess(bin, name, join(this.stack.dir, name), {
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
