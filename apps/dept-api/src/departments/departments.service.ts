import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CacheKeys, CreateDepartmentDto, Department, DepartmentDto } from '@app/departments';
import { DepartmentCache } from './department-cache';
import { DepartmentsRepository } from './departments.repository';

/** The departments use cases of the Spring original, cache-aside over MariaDB. */
@Injectable()
export class DepartmentsService {
  private readonly logger = new Logger(DepartmentsService.name);
  /** One MariaDB read per key at a time: after a flush, a burst of misses waits on one query. */
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly db: DepartmentsRepository, private readonly cache: DepartmentCache) {}

  /** GET /v1/departments: the serialised list, from Redis when cached (as the bytes Redis holds). */
  findAllCached(): Promise<string | Buffer> {
    return this.cache.getBytes(CacheKeys.findAll).then<string | Buffer>((cached) => {
      if (cached && cached.length > 0) return cached;
      return this.loadOnce(CacheKeys.findAll, async () => JSON.stringify(await this.db.findAll()), cached === null);
    });
  }

  /** GET /v1/departmentsNoCache: straight from MariaDB. */
  async findAllNoCache(): Promise<Department[]> {
    return this.db.findAll();
  }

  /** GET /v1/department/:deptNo */
  async findOneCached(deptNo: string): Promise<string> {
    const key = CacheKeys.one(deptNo);
    const cached = await this.cache.get(key);
    if (cached) return cached;
    return this.loadOnce(key, async () => {
      const row = await this.db.findOne(deptNo);
      if (!row) throw new NotFoundException(`department ${deptNo} not found`);
      return JSON.stringify(row);
    }, cached === null);
  }

  private loadOnce(key: string, load: () => Promise<string>, fill: boolean): Promise<string> {
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = (async () => {
        try {
          const value = await load();
          if (fill) await this.cache.fill(key, value);
          return value;
        } finally {
          this.inflight.delete(key);
        }
      })();
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /**
   * PUT /v1/department: evict the list and the row, update, then drop the list and cache the new
   * row in one write. The row is evicted before the update so no reader is served the old name
   * after the answer; a failed re-cache is a 503, not a warning (the row could be stale for a TTL).
   */
  async update(dto: DepartmentDto): Promise<Department> {
    await this.cache.evict(CacheKeys.findAll, CacheKeys.one(dto.deptNo));
    const row = await this.db.update(dto);
    await this.cache.refresh(row);
    return row;
  }

  /** DELETE /v1/department/:deptNo: delete, evict the list and the row. */
  async delete(deptNo: string): Promise<void> {
    const keys = [CacheKeys.findAll, CacheKeys.one(deptNo)];
    await this.cache.evict(...keys);
    await this.db.delete(deptNo);
    await this.evictAfterChange(...keys);
  }

  /**
   * POST /api/departments: INSERT into MariaDB (the id is generated when absent), evicting the
   * list before and after, so GET /v1/departments shows the new row at once. The row key is
   * evicted too: one left from a row deleted behind the API's back would otherwise answer for it.
   * Both evictions are best effort, so inserts keep working while Redis is down (an insert cannot
   * make a cached row stale, only the list, and a list is only ever refilled from MariaDB).
   */
  async create(dto: CreateDepartmentDto): Promise<Department> {
    const deptNo = dto.deptNo ?? randomUUID();
    const keys = [CacheKeys.findAll, CacheKeys.one(deptNo)];
    await this.evictAfterChange(...keys);
    const row = await this.db.insert({ deptNo, deptName: dto.deptName });
    await this.evictAfterChange(...keys);
    return row;
  }

  /**
   * A second eviction after the write closes the window where a concurrent miss re-filled the
   * cache with the old rows. If Redis died in between, the change stands and is logged.
   */
  private async evictAfterChange(...keys: string[]): Promise<void> {
    try {
      await this.cache.evict(...keys);
    } catch (err) {
      this.logger.warn(`change saved in MariaDB but cache eviction failed: ${(err as Error).message}`);
    }
  }
}
