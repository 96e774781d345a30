import Redis from 'ioredis';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binaries';
import { waitFor, withTimeout } from '../../async/src'; // relative: test/global-setup.ts loads libs/procs outside Jest's moduleNameMapper
import { assertPortFree, canConnect, freePort } from './net';
import { isAlive, readPid, removeFile, spawnDaemon, stopPid } from './process';
import { Persistence, RedisServer } from './redis-server';

export interface RedisSentinelServerOptions {
  name: string;
  port: number;
  /** Folder for the config (Sentinel rewrites it: it is the Sentinel's state), log and pid files. */
  dir: string;
  /** The master group the Sentinel monitors (default `mymaster`). */
  masterName?: string;
  /** The master's address when the Sentinel is first configured. */
  masterPort: number;
  masterHost?: string;
  /** Sentinels that must agree the master is down before a failover is tried (default 2). */
  quorum?: number;
  /** No valid reply for this long = subjectively down (default 1000; Redis's default is 30 s). */
  downAfterMs?: number;
  /** Bound on one failover; a failed one is retried after twice this (default 2000; Redis's 180 s). */
  failoverTimeoutMs?: number;
  /** The data nodes' password (`sentinel auth-pass`). */
  password?: string;
  /** The Sentinel's own password (`requirepass`, and `sentinel sentinel-pass` toward its peers). */
  sentinelPassword?: string;
  /** Extra config lines. */
  extra?: string[];
}

/**
 * One Redis Sentinel: `redis-server <conf> --sentinel` (the same binary as the data nodes, so no
 * `redis-sentinel` package is needed), on loopback, its pid in the run's ledger. Its config file
 * is its state (epochs, known replicas and peers): a restart keeps it, `start({ fresh: true })`
 * writes it anew.
 */
export class RedisSentinelServer {
  constructor(readonly options: RedisSentinelServerOptions) {}

  get port(): number {
    return this.options.port;
  }
  get name(): string {
    return this.options.name;
  }
  get masterName(): string {
    return this.options.masterName ?? 'mymaster';
  }
  get confFile(): string {
    return join(this.options.dir, 'sentinel.conf');
  }
  get pidFile(): string {
    return join(this.options.dir, 'sentinel.pid');
  }
  get logFile(): string {
    return join(this.options.dir, 'sentinel.log');
  }
  get pid(): number | undefined {
    return readPid(this.pidFile);
  }
  running(): boolean {
    return isAlive(this.pid);
  }

  /** The initial config file (Sentinel adds its id, epochs, replicas and peers to it). */
  config(): string {
    const o = this.options;
    const m = this.masterName;
    const lines = [
      `port ${o.port}`,
      'bind 127.0.0.1',
      'protected-mode no',
      'daemonize no',
      `dir "${o.dir}"`,
      `sentinel monitor ${m} ${o.masterHost ?? '127.0.0.1'} ${o.masterPort} ${o.quorum ?? 2}`,
      `sentinel down-after-milliseconds ${m} ${o.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${m} ${o.failoverTimeoutMs ?? 2000}`,
      `sentinel parallel-syncs ${m} 1`,
    ];
    if (o.password) lines.push(`sentinel auth-pass ${m} ${o.password}`);
    if (o.sentinelPassword) lines.push(`requirepass ${o.sentinelPassword}`, `sentinel sentinel-pass ${o.sentinelPassword}`);
    if (o.extra) lines.push(...o.extra);
    return lines.join('\n') + '\n';
  }

  async start({ fresh = false, timeoutMs = 15_000 } = {}): Promise<void> {
    if (this.running()) return;
    const bin = requireBinary('redis-server');
    await assertPortFree(this.port, `sentinel ${this.name}`);
    mkdirSync(this.options.dir, { recursive: true });
    if (fresh || !existsSync(this.confFile)) writeFileSync(this.confFile, this.config(), { mode: 0o600 });
    spawnDaemon(bin, [this.confFile, '--sentinel'], { logFile: this.logFile, pidFile: this.pidFile });
    await waitFor(`sentinel ${this.name} on 127.0.0.1:${this.port} (log: ${this.logFile})`, async () => {
      if (!this.running()) throw new Error(`sentinel ${this.name} exited at start; see ${this.logFile}`);
      return canConnect(this.port);
    }, timeoutMs);
  }

  /** One command to this Sentinel on a short-lived connection, bounded by `timeoutMs`. */
  async command(args: (string | number)[], timeoutMs = 2000): Promise<unknown> {
    const client = new Redis({
      host: '127.0.0.1',
      port: this.port,
      password: this.options.sentinelPassword,
      lazyConnect: true,
      enableOfflineQueue: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      return await withTimeout(client.call(String(args[0]), ...args.slice(1).map(String)), timeoutMs, `sentinel ${this.name} ${String(args[0])} ${String(args[1] ?? '')}`);
    } finally {
      client.disconnect();
    }
  }

  /** The master's address this Sentinel believes in (`SENTINEL get-master-addr-by-name`). */
  async masterAddress(): Promise<{ host: string; port: number } | null> {
    const reply = (await this.command(['SENTINEL', 'get-master-addr-by-name', this.masterName])) as [string, string] | null;
    return reply ? { host: reply[0], port: Number(reply[1]) } : null;
  }

  /** `SENTINEL master <name>` as an object (flags, num-slaves, num-other-sentinels, ...). */
  async masterState(): Promise<Record<string, string>> {
    const flat = (await this.command(['SENTINEL', 'master', this.masterName])) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
    return out;
  }

  /** SIGKILL. */
  async kill(): Promise<void> {
    await stopPid(this.pid, 'SIGKILL');
    removeFile(this.pidFile);
  }

  async stop(): Promise<void> {
    await stopPid(this.pid, 'SIGTERM');
    removeFile(this.pidFile);
  }

  /** SIGSTOP: the process holds its sockets but answers nothing until `resume()`. */
  pause(): void {
    signal(this.pid, 'SIGSTOP');
  }

  resume(): void {
    signal(this.pid, 'SIGCONT');
  }
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid || !isAlive(pid)) return;
  try {
    process.kill(pid, sig);
  } catch {
    /* gone meanwhile */
  }
}

/** SIGSTOP / SIGCONT for a data node (RedisServer has no pause of its own). */
export function pauseRedis(server: RedisServer): void {
  signal(server.pid, 'SIGSTOP');
}
export function resumeRedis(server: RedisServer): void {
  signal(server.pid, 'SIGCONT');
}

export interface SentinelTopologyOptions {
  /** Base folder (default: a new folder under TEST_RUN_DIR or the OS temp folder). */
  dir?: string;
  /** Default `mymaster`. */
  masterName?: string;
  /** Number of Sentinels (default 3). */
  sentinels?: number;
  /** Default 2. */
  quorum?: number;
  /** Default 1000 ms. */
  downAfterMs?: number;
  /** Default 2000 ms. */
  failoverTimeoutMs?: number;
  /** Data nodes' persistence (default `none`: a killed node restarts empty and resyncs). */
  persistence?: Persistence;
  /** Data nodes' password (requirepass + masterauth; the Sentinels get it as auth-pass). */
  password?: string;
  sentinelPassword?: string;
  /** `min-replicas-to-write` on both nodes (0 = off, Redis's default): bounds split-brain writes. */
  minReplicasToWrite?: number;
  /** `min-replicas-max-lag` seconds (default 10, Redis's default). */
  minReplicasMaxLagSec?: number;
  /** Fixed ports (default: free ports from the OS). */
  ports?: { master?: number; replica?: number; sentinels?: number[] };
  /** Extra `--name value` pairs for both data nodes. */
  redisExtra?: string[];
  /** Bound on the start, until every Sentinel knows the replica and its peers (default 30 s). */
  readyTimeoutMs?: number;
}

export interface SentinelAddress {
  host: string;
  port: number;
}

/** A running master + replica + Sentinels; `nodes[0]` is the first master. */
export interface SentinelTopology {
  /** The folder holding every process's data, config and log (one subfolder each). */
  dir: string;
  masterName: string;
  /** [a, b]: a starts as master, b as its replica; the roles move with failovers. */
  nodes: [RedisServer, RedisServer];
  sentinels: RedisSentinelServer[];
  /** For ioredis's `sentinels` option and REDIS_SENTINELS. */
  sentinelAddresses: SentinelAddress[];
  /** `127.0.0.1:p1,127.0.0.1:p2,...` for REDIS_SENTINELS. */
  sentinelsEnv: string;
  /** The master the running Sentinels agree on (majority of those answering), or null. */
  currentMaster(): Promise<SentinelAddress | null>;
  /** The data node listening on `port`. */
  nodeByPort(port: number): RedisServer | undefined;
  /** Waits (bounded) until a majority of Sentinels name a master other than `port` and it answers ROLE master. */
  waitForFailover(fromPort: number, timeoutMs?: number): Promise<SentinelAddress>;
  /** SIGTERM everything. */
  stop(): Promise<void>;
  /** SIGKILL everything (tests' teardown). */
  kill(): Promise<void>;
}

async function nodeRole(port: number, password?: string): Promise<{ role: string; linkUp?: boolean; replicas?: number }> {
  const client = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, connectTimeout: 1000, commandTimeout: 1000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    const info = await withTimeout(client.info('replication'), 1500, `INFO on 127.0.0.1:${port}`);
    const field = (n: string) => new RegExp(`^${n}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    return { role: field('role') ?? '?', linkUp: field('master_link_status') === 'up', replicas: Number(field('connected_slaves') ?? 0) };
  } finally {
    client.disconnect();
  }
}

/**
 * Starts the Sentinel anchor: one master redis-server, one replica (REPLICAOF), and `sentinels`
 * (default 3) Sentinels monitoring `masterName` with `quorum` (default 2). Resolves once the
 * replica is in sync and every Sentinel knows the replica and all its peers, so a failover can
 * happen at once. On a failed start everything started is killed.
 */
export async function startSentinelTopology(o: SentinelTopologyOptions = {}): Promise<SentinelTopology> {
  const masterName = o.masterName ?? 'mymaster';
  const count = o.sentinels ?? 3;
  const base = o.dir ?? mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'sentinel-'));
  mkdirSync(base, { recursive: true });
  const readyTimeoutMs = o.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + readyTimeoutMs;
  const left = () => Math.max(1000, deadline - Date.now());

  const nodeExtra = [
    '--repl-diskless-sync-delay', '0',
    ...(o.minReplicasToWrite ? ['--min-replicas-to-write', String(o.minReplicasToWrite), '--min-replicas-max-lag', String(o.minReplicasMaxLagSec ?? 10)] : []),
    ...(o.redisExtra ?? []),
  ];
  const masterPort = o.ports?.master ?? (await freePort());
  const replicaPort = o.ports?.replica ?? (await freePort());
  const a = new RedisServer({ name: 'a', port: masterPort, dir: join(base, 'a'), persistence: o.persistence, password: o.password, extra: nodeExtra });
  const b = new RedisServer({
    name: 'b',
    port: replicaPort,
    dir: join(base, 'b'),
    persistence: o.persistence,
    password: o.password,
    extra: [...nodeExtra, '--replicaof', '127.0.0.1', String(masterPort)],
  });
  const sentinels: RedisSentinelServer[] = [];
  for (let i = 0; i < count; i++) {
    sentinels.push(
      new RedisSentinelServer({
        name: `s${i + 1}`,
        port: o.ports?.sentinels?.[i] ?? (await freePort()),
        dir: join(base, `s${i + 1}`),
        masterName,
        masterPort,
        quorum: o.quorum ?? 2,
        downAfterMs: o.downAfterMs ?? 1000,
        failoverTimeoutMs: o.failoverTimeoutMs ?? 2000,
        password: o.password,
        sentinelPassword: o.sentinelPassword,
      }),
    );
  }
  const sentinelAddresses = sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
  const nodes: [RedisServer, RedisServer] = [a, b];

  const topology: SentinelTopology = {
    dir: base,
    masterName,
    nodes,
    sentinels,
    sentinelAddresses,
    sentinelsEnv: sentinelAddresses.map((s) => `${s.host}:${s.port}`).join(','),
    async currentMaster() {
      const answers = await Promise.all(sentinels.filter((s) => s.running()).map((s) => s.masterAddress().catch(() => null)));
      const votes = new Map<string, number>();
      for (const x of answers) if (x) votes.set(`${x.host}:${x.port}`, (votes.get(`${x.host}:${x.port}`) ?? 0) + 1);
      const best = [...votes.entries()].sort((p, q) => q[1] - p[1])[0];
      if (!best || best[1] <= count / 2) return null;
      const [host, port] = best[0].split(':');
      return { host, port: Number(port) };
    },
    nodeByPort(port: number) {
      return nodes.find((n) => n.port === port);
    },
    async waitForFailover(fromPort: number, timeoutMs = 20_000) {
      let found: SentinelAddress | null = null;
      await waitFor(`Sentinels to promote a new master instead of 127.0.0.1:${fromPort}`, async () => {
        const m = await topology.currentMaster();
        if (!m || m.port === fromPort) return false;
        if ((await nodeRole(m.port, o.password)).role !== 'master') return false;
        found = m;
        return true;
      }, timeoutMs, 100);
      return found!;
    },
    async stop() {
      await Promise.all(sentinels.map((s) => s.stop()));
      await Promise.all(nodes.map((n) => n.stop()));
    },
    async kill() {
      await Promise.all([...sentinels.map((s) => s.kill()), ...nodes.map((n) => n.kill())]);
    },
  };

  try {
    await a.start({ timeoutMs: left() });
    await b.start({ timeoutMs: left() });
    await waitFor(`replica 127.0.0.1:${replicaPort} in sync with 127.0.0.1:${masterPort}`, async () => (await nodeRole(replicaPort, o.password)).linkUp === true, left());
    for (const s of sentinels) await s.start({ fresh: true, timeoutMs: left() });
    // A failover needs every Sentinel to know the replica (from the master's INFO) and a majority
    // to know each other (hello messages every 2 s).
    await waitFor(`every Sentinel to know the replica and its ${count - 1} peers`, async () => {
      const states = await Promise.all(sentinels.map((s) => s.masterState()));
      return states.every((st) => Number(st['num-slaves']) >= 1 && Number(st['num-other-sentinels']) >= count - 1);
    }, left(), 200);
  } catch (err) {
    await topology.kill();
    throw err;
  }
  return topology;
}
