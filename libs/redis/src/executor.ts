import type Redis from 'ioredis';
import { createRedisClient, RedisConnectionOptions } from './client';

/**
 * How the API talks to Redis, whatever the topology behind it. Reads and writes take a function
 * of one connection, so a topology can run a read on another node (failover) or a write on two
 * nodes (mirroring). Write functions must be idempotent (SET, DEL, HMSET, SADD, EXPIRE), since a
 * mirror may apply them twice.
 */
export interface RedisExecutor {
  /** Topology name for logs and metrics: `single`, `mirrored`. */
  readonly topology: string;
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
