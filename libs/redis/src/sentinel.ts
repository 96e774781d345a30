import Redis, { RedisOptions } from 'ioredis';
import type { RedisExecutor } from './executor';
import { applyPlain, readPlain, ReadKind, ReadValue, WriteOp } from './write-ops';

export interface SentinelEndpoint {
  host: string;
  port: number;
}

export interface SentinelRedisOptions {
  /** The Sentinels to ask for the master (ioredis asks them in turn and learns the others). */
  sentinels: SentinelEndpoint[];
  /** The master group (`sentinel monitor <name> ...`), default `mymaster`. */
  name?: string;
  /** ACL user and password of the data nodes. */
  username?: string;
  password?: string;
  /** The Sentinels' own user and password (`requirepass` on the Sentinels), when set. */
  sentinelUsername?: string;
  sentinelPassword?: string;
  /** Every command (and every question to a Sentinel) fails after this long (default 1000). */
  opTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * When > 0, every `apply` ends with `WAIT <waitReplicas> <waitTimeoutMs>` and fails unless that
   * many replicas acknowledged it. This narrows the loss window; it does not make Sentinel CP: a
   * replica-acknowledged write can still be lost (failover picks the best replica only best
   * effort, and a failed WAIT leaves the write applied on the master: outcome unknown).
   */
  waitReplicas?: number;
  /** WAIT's own timeout (default half the op timeout, so WAIT answers before the command timeout). */
  waitTimeoutMs?: number;
  /**
   * Address the Sentinels name (`host:port`) -> address to connect to instead (ioredis's natMap):
   * how the fault runs put a TCP proxy between the app and each node.
   */
  natMap?: Record<string, SentinelEndpoint>;
}

/** A write the master applied but fewer replicas than asked acknowledged within the WAIT timeout. */
export class SentinelWaitError extends Error {
  constructor(readonly acked: number, readonly wanted: number, timeoutMs: number) {
    super(`write applied on the master but acknowledged by ${acked} of ${wanted} replica(s) within ${timeoutMs} ms (outcome unknown: it may or may not survive a failover)`);
  }
}

/**
 * The Sentinel anchor's client: one ioredis connection to whichever node the Sentinels name
 * master (ioredis's own Sentinel support, role `master`, the role checked on every connect).
 *
 * Failover behaviour (decided): **fail fast, no queue**. There is no offline queue and no retry
 * per request, so a command sent while the master is down or being replaced fails at once (or
 * after `opTimeoutMs` if the socket hangs, e.g. a paused master) and the API answers 503. The
 * connection meanwhile re-asks the Sentinels (bounded backoff, at most 1 s apart) and, with the
 * failover detector, reconnects as soon as any Sentinel publishes `+switch-master`. A `READONLY`
 * reply (a demoted master still connected) fails that command and forces a reconnect; nothing is
 * resent, so a write is never applied twice behind the caller's back.
 */
export class SentinelRedis implements RedisExecutor {
  readonly topology = 'sentinel';
  readonly client: Redis;
  readonly name: string;
  private readonly waitReplicas: number;
  private readonly waitTimeoutMs: number;
  private master: string | undefined;
  private closed = false;
  private revive: NodeJS.Timeout | undefined;
  private readonly counters = { connects: 0, masterSwitches: 0, readonlyReplies: 0, waitShort: 0, revived: 0 };

  constructor(private readonly options: SentinelRedisOptions) {
    if (!options.sentinels.length) throw new Error('SentinelRedis needs at least one Sentinel address');
    this.name = options.name ?? 'mymaster';
    const opTimeoutMs = options.opTimeoutMs ?? 1000;
    this.waitReplicas = options.waitReplicas ?? 0;
    this.waitTimeoutMs = options.waitTimeoutMs ?? Math.max(10, Math.floor(opTimeoutMs / 2));
    this.client = new Redis(
      sentinelClientOptions(options, this.name, opTimeoutMs, {
        onReadonly: () => this.counters.readonlyReplies++,
        closed: () => this.closed,
      }),
    );
    // Errors surface on the command that failed; connection-level events would be unhandled noise.
    this.client.on('error', () => undefined);
    this.client.on('ready', () => {
      this.counters.connects++;
      const at = this.client.stream ? `${this.client.stream.remoteAddress ?? '?'}:${this.client.stream.remotePort ?? '?'}` : undefined;
      if (this.master && at && at !== this.master) this.counters.masterSwitches++;
      if (at) this.master = at;
    });
    // ioredis 5.11 race (seen here with kill -9 of the master): the failover detector's
    // +switch-master handler calls connector.disconnect() while the client is still resolving the
    // master through the Sentinels after losing the old one; the resolution then fails with
    // "Connection is closed." and the client goes to `end` for good, never reconnecting. A client
    // that ends without close() is connected again (it re-asks the Sentinels).
    this.client.on('end', () => {
      if (this.closed || this.revive) return;
      this.revive = setTimeout(() => {
        this.revive = undefined;
        if (this.closed || this.client.status !== 'end') return;
        this.counters.revived++;
        this.client.connect().catch(() => undefined);
      }, 100);
    });
  }

  get<K extends ReadKind>(key: string, kind: K): Promise<ReadValue<K>> {
    return readPlain(this.client, key, kind);
  }

  async apply(ops: readonly WriteOp[]): Promise<void> {
    await applyPlain(this.client, ops);
    if (this.waitReplicas > 0) {
      const acked = Number(await this.client.call('WAIT', String(this.waitReplicas), String(this.waitTimeoutMs)));
      if (acked < this.waitReplicas) {
        this.counters.waitShort++;
        throw new SentinelWaitError(acked, this.waitReplicas, this.waitTimeoutMs);
      }
    }
  }

  read<T>(op: (client: Redis) => Promise<T>): Promise<T> {
    return op(this.client);
  }

  write<T>(op: (client: Redis) => Promise<T>): Promise<T> {
    return op(this.client);
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  /** Connection counters since start (connects, master switches seen, READONLY replies, short WAITs, clients revived after an unasked `end`). */
  stats(): Record<string, number> {
    return { ...this.counters };
  }

  describe(): Record<string, unknown> {
    return {
      topology: this.topology,
      name: this.name,
      status: this.client.status,
      master: this.master ?? null,
      sentinels: this.options.sentinels.map((s) => `${s.host}:${s.port}`),
      waitReplicas: this.waitReplicas,
      ...this.counters,
    };
  }

  async close(): Promise<void> {
    // ioredis keeps asking the Sentinels after disconnect() while no master is found (no Sentinel
    // answers, unknown group): the retry strategy returns null once closed, which ends that loop.
    this.closed = true;
    clearTimeout(this.revive);
    const ended = new Promise<void>((resolve) => {
      if (this.client.status === 'end') return resolve();
      const timer = setTimeout(resolve, 2000);
      timer.unref();
      this.client.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.client.disconnect();
    await ended;
  }
}

/** The ioredis options behind SentinelRedis (exported for tools that want the same client). */
export function sentinelClientOptions(
  o: SentinelRedisOptions,
  name: string,
  opTimeoutMs: number,
  hooks: { onReadonly?: () => void; closed?: () => boolean } = {},
): RedisOptions {
  const options: RedisOptions = {
    sentinels: o.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name,
    role: 'master',
    username: o.username,
    password: o.password,
    sentinelUsername: o.sentinelUsername,
    sentinelPassword: o.sentinelPassword,
    // Subscribes to +switch-master on the Sentinels: reconnect at once instead of waiting for
    // Redis to drop the connection (a paused old master never does).
    failoverDetector: true,
    natMap: o.natMap,
    // After +switch-master the old socket is ended; a paused old master never closes it, and
    // ioredis waits this long (default 2 s) before destroying it and reconnecting.
    disconnectTimeout: Math.min(opTimeoutMs, 250),
    sentinelCommandTimeout: opTimeoutMs,
    sentinelRetryStrategy: (times: number) => (hooks.closed?.() ? null : Math.min(100 * times, 1000)),
    connectionName: undefined,
    disableClientInfo: true,
    // The ready check is what verifies ROLE: a node that is no longer master is dropped.
    enableReadyCheck: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opTimeoutMs,
    connectTimeout: o.connectTimeoutMs ?? opTimeoutMs,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    reconnectOnError: (err: Error) => {
      if (!err.message.startsWith('READONLY')) return false;
      hooks.onReadonly?.();
      return 1; // reconnect, do not resend
    },
  };
  return options;
}
