import { Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DepartmentRedis, DepartmentRedisDto, RepositoryKeys } from '@app/departments';
import { REDIS_EXECUTOR, RedisExecutor } from '@app/redis';
import { ApiMetrics } from '@app/observability';
import { redisUnavailable } from '../common/unavailable';

/**
 * Spring Data's `@RedisHash` layout: a hash per department plus its id in a set. Written with
 * HMSET and SADD (no MULTI, no multi-field HSET) because Dynomite and Envoy accept exactly those.
 * Saving an existing id replaces it (earlier fields are dropped), as Spring's `save` does.
 */
@Injectable()
export class DepartmentRedisRepository {
  constructor(@Inject(REDIS_EXECUTOR) private readonly redis: RedisExecutor | null, private readonly metrics: ApiMetrics) {}

  private executor(): RedisExecutor {
    if (!this.redis) throw new ServiceUnavailableException('this instance runs without Redis (REDIS_MODE=none)');
    return this.redis;
  }

  async save(dto: DepartmentRedisDto): Promise<DepartmentRedis> {
    const d: DepartmentRedis = { deptNo: dto.deptNo ?? randomUUID(), deptName: dto.deptName };
    if (dto.payload !== undefined) d.payload = dto.payload;
    // The hash becomes exactly these fields (a re-save drops an earlier payload), as Spring's save.
    const fields: Record<string, string> = { deptNo: d.deptNo, deptName: d.deptName };
    if (d.payload !== undefined) fields.payload = d.payload;
    try {
      await this.executor().apply([
        { type: 'hash', key: RepositoryKeys.hash(d.deptNo), fields },
        { type: 'sadd', key: RepositoryKeys.set, member: d.deptNo },
      ]);
    } catch (err) {
      if (err instanceof ServiceUnavailableException) throw err;
      this.metrics.redisErrors.inc({ op: 'repository_save' });
      throw redisUnavailable(err);
    }
    return d;
  }

  async findOne(deptNo: string): Promise<DepartmentRedis> {
    let hash: Record<string, string> | null;
    try {
      hash = await this.executor().get(RepositoryKeys.hash(deptNo), 'hash');
    } catch (err) {
      if (err instanceof ServiceUnavailableException) throw err;
      this.metrics.redisErrors.inc({ op: 'repository_get' });
      throw redisUnavailable(err);
    }
    if (!hash || !hash.deptNo) throw new NotFoundException(`department ${deptNo} not found in Redis`);
    const d: DepartmentRedis = { deptNo: hash.deptNo, deptName: hash.deptName };
    if (hash.payload !== undefined) d.payload = hash.payload;
    return d;
  }

  /** Removes the hash and the id from the set, as Spring Data's `deleteById`; 404 when absent. */
  async delete(deptNo: string): Promise<void> {
    await this.findOne(deptNo);
    try {
      await this.executor().apply([
        { type: 'del', key: RepositoryKeys.hash(deptNo) },
        { type: 'srem', key: RepositoryKeys.set, member: deptNo },
      ]);
    } catch (err) {
      if (err instanceof ServiceUnavailableException) throw err;
      this.metrics.redisErrors.inc({ op: 'repository_delete' });
      throw redisUnavailable(err);
    }
  }
}
