import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisConfig } from '@app/config';
import { CacheKeys, Department } from '@app/departments';
import { REDIS_EXECUTOR, ReadValue, RedisExecutor } from '@app/redis';
import { ApiMetrics, CounterSeries, DependencyState } from '@app/observability';
import { redisUnavailable } from '../common/unavailable';

/**
 * Cache-aside over Redis with the Spring original's keys. Values are stored as serialised JSON
 * and handed back as strings, so a hit is written to the response without parse or re-serialise.
 */
@Injectable()
export class DepartmentCache {
  readonly state: DependencyState;
  private readonly ttl: number;
  /** The cache counter's three series, looked up once. */
  private readonly counted: Record<'hit' | 'miss' | 'bypass', CounterSeries>;

  constructor(
    @Inject(REDIS_EXECUTOR) private readonly redis: RedisExecutor | null,
    private readonly metrics: ApiMetrics,
    config: ConfigService,
  ) {
    this.ttl = config.getOrThrow<RedisConfig>('redis').cacheTtlSeconds;
    this.state = new DependencyState('redis', metrics.degraded);
    this.counted = { hit: metrics.cache.labels({ result: 'hit' }), miss: metrics.cache.labels({ result: 'miss' }), bypass: metrics.cache.labels({ result: 'bypass' }) };
  }

  /**
   * The cached string, or `null` on a miss, or `undefined` when Redis is unavailable (the caller
   * answers from MariaDB: the documented degraded mode).
   */
  get(key: string): Promise<string | null | undefined> {
    return this.lookup(key, 'string');
  }

  /**
   * As `get`, but the bytes as Redis holds them. The hot path (GET /v1/departments) sends them
   * as is: a 1000-row list is about 50 kB, and decoding it to a string only to encode it again
   * for the socket was the largest cost after the write itself (CPU profile under load).
   */
  getBytes(key: string): Promise<Buffer | null | undefined> {
    return this.lookup(key, 'bytes');
  }

  // A `.then` rather than an async function: one promise and one microtask fewer on every cached
  // read (the hot path), the same outcomes.
  private lookup<K extends 'string' | 'bytes'>(key: string, kind: K): Promise<ReadValue<K> | undefined> {
    if (!this.redis) return Promise.resolve(undefined);
    let pending: Promise<ReadValue<K>>;
    try {
      pending = this.redis.get(key, kind);
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(
      (value) => {
        this.state.ok();
        (value === null ? this.counted.miss : this.counted.hit).inc();
        return value;
      },
      (err: unknown) => {
        this.metrics.redisErrors.inc({ op: 'cache_get' });
        this.counted.bypass.inc();
        this.state.failed(err, 'cached reads are answered from MariaDB');
        return undefined;
      },
    );
  }

  /** Best effort: a failed fill only costs the next request a miss. */
  async fill(key: string, value: string): Promise<void> {
    if (!this.redis || this.state.isDown) return;
    try {
      await this.redis.apply([{ type: 'set', key, value, ttlSeconds: this.ttl }]);
    } catch (err) {
      this.metrics.redisErrors.inc({ op: 'cache_fill' });
      this.state.failed(err, 'cached reads are answered from MariaDB');
    }
  }

  /** Eviction must succeed before a change is made, or the cache would serve stale rows: 503. */
  async evict(...keys: string[]): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.apply(keys.map((key) => ({ type: 'del', key })));
      this.state.ok();
    } catch (err) {
      this.metrics.redisErrors.inc({ op: 'cache_evict' });
      this.state.failed(err, 'cache evictions fail, so updates and deletes answer 503');
      throw redisUnavailable(err);
    }
  }

  /**
   * After a change in MariaDB: the list is dropped and the row cached anew, in one write. Not best
   * effort: a failure leaves the cache possibly stale (a concurrent miss may have refilled the old
   * row between the first eviction and the update), so the caller answers 503 and the client
   * retries (PUT is idempotent).
   */
  async refresh(d: Department): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.apply([
        { type: 'del', key: CacheKeys.findAll },
        { type: 'set', key: CacheKeys.one(d.deptNo), value: JSON.stringify(d), ttlSeconds: this.ttl },
      ]);
      this.state.ok();
    } catch (err) {
      this.metrics.redisErrors.inc({ op: 'cache_refresh' });
      this.state.failed(err, 'cache evictions fail, so updates and deletes answer 503');
      throw new ServiceUnavailableException(`saved in MariaDB, but the cache could not be refreshed (retry the request): ${(err as Error)?.message ?? String(err)}`);
    }
  }
}
