import type Redis from 'ioredis';
import { createRedisClient, RedisConnectionOptions } from './client';
import { applyPlain, readPlain, ReadKind, ReadValue, WriteOp } from './write-ops';

/**
 * How the API talks to Redis, whatever the topology behind it. The API's own data goes through
 * `get` and `apply` (keys and ops as data, so the mirrored pair can version, order and replay
 * them); `read` and `write` take a function of one connection for lab tools that need raw
 * commands (a raw `write` is not versioned by the pair: never use it for the API's keys).
 */
export interface RedisExecutor {
  /** Topology name for logs and metrics: `single`, `mirrored`, `sentinel`. */
  readonly topology: string;
  /** One key's value (null when absent). */
  get<K extends ReadKind>(key: string, kind: K): Promise<ReadValue<K>>;
  /** The ops, applied in order; resolves when the topology acknowledges them all. */
  apply(ops: readonly WriteOp[]): Promise<void>;
  read<T>(op: (client: Redis) => Promise<T>): Promise<T>;
  write<T>(op: (client: Redis) => Promise<T>): Promise<T>;
  /** Resolves when the node(s) needed to serve requests answer PING. */
  ping(): Promise<void>;
  /** Per-node state for /health/ready and logs. */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}

export const REDIS_EXECUTOR = Symbol('REDIS_EXECUTOR');

/** One Redis (or one proxy: Dynomite and Envoy look like one Redis to the client). */
export class SingleRedis implements RedisExecutor {
  readonly topology = 'single';
  readonly client: Redis;

  constructor(private readonly options: RedisConnectionOptions) {
    this.client = createRedisClient(options);
  }

  get<K extends ReadKind>(key: string, kind: K): Promise<ReadValue<K>> {
    return readPlain(this.client, key, kind);
  }

  apply(ops: readonly WriteOp[]): Promise<void> {
    return applyPlain(this.client, ops);
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

  describe(): Record<string, unknown> {
    return { topology: this.topology, status: this.client.status };
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
