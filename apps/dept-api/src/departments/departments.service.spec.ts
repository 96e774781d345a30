// DepartmentsService over a real MariaDB and a real Redis: what each write does to the cache,
// including a Redis that fails in the middle of a write.
import { ServiceUnavailableException } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { CacheKeys, SEED_DEPARTMENTS } from '@app/departments';
import { databaseFromEnv } from '@app/config';
import { createDataSource, setDepartmentRows } from '@app/mariadb';
import { ApiMetrics } from '@app/observability';
import { RedisServer } from '@app/procs';
import { SingleRedis, WriteOp } from '@app/redis';
import { startTestRedis, testDatabaseEnv } from '../../../../test/support/api';
import { DepartmentCache } from './department-cache';
import { DepartmentsRepository } from './departments.repository';
import { DepartmentsService } from './departments.service';

/** A real single Redis whose next `apply` calls can be made to fail. */
class FaultyRedis extends SingleRedis {
  failApplies: boolean[] = [];
  applied: WriteOp[][] = [];
  override async apply(ops: readonly WriteOp[]): Promise<void> {
    this.applied.push([...ops]);
    if (this.failApplies.shift()) throw new Error('injected Redis failure');
    return super.apply(ops);
  }
}

let ds: DataSource;
let server: RedisServer;
let redis: FaultyRedis;
let service: DepartmentsService;

beforeAll(async () => {
  ds = createDataSource({ ...databaseFromEnv(testDatabaseEnv()), poolSize: 2 });
  await ds.initialize();
  await ds.runMigrations();
  server = await startTestRedis('service-spec');
  redis = new FaultyRedis({ url: server.url, opTimeoutMs: 500, connectTimeoutMs: 500 });
  if (redis.client.status !== 'ready') await new Promise((r) => redis.client.once('ready', r));
  const metrics = new ApiMetrics('service-spec', false);
  const config = { getOrThrow: () => ({ cacheTtlSeconds: 600 }) } as unknown as ConfigService;
  service = new DepartmentsService(new DepartmentsRepository(ds, metrics), new DepartmentCache(redis, metrics, config));
});

afterAll(async () => {
  await redis?.close();
  await server?.stop();
  await ds?.destroy();
});

beforeEach(async () => {
  await setDepartmentRows(ds, SEED_DEPARTMENTS.length);
  await redis.client.flushall();
  redis.failApplies = [];
  redis.applied = [];
});

const cached = (key: string) => redis.client.get(key);

it('create evicts the cached list before and after the insert', async () => {
  await service.findAllCached();
  expect(await cached(CacheKeys.findAll)).not.toBeNull();
  await service.create({ deptNo: 'n1', deptName: 'new' });
  expect(await cached(CacheKeys.findAll)).toBeNull();
  expect(JSON.parse(String(await service.findAllCached()))).toContainEqual({ deptNo: 'n1', deptName: 'new' });
  expect(redis.applied[1]).toEqual(expect.arrayContaining([{ type: 'del', key: CacheKeys.findAll }, { type: 'del', key: CacheKeys.one('n1') }]));
});

it('update evicts the row and the list before the update, then caches the new row', async () => {
  await service.findOneCached('d001');
  redis.applied = [];
  await service.update({ deptNo: 'd001', deptName: 'R&D' });
  expect(redis.applied[0]).toEqual([{ type: 'del', key: CacheKeys.findAll }, { type: 'del', key: CacheKeys.one('d001') }]);
  expect(JSON.parse((await cached(CacheKeys.one('d001')))!)).toEqual({ deptNo: 'd001', deptName: 'R&D' });
});

it('a failed re-cache after an update is a 503, not a warning; the row is saved and no stale copy is served', async () => {
  await service.findOneCached('d001');
  redis.failApplies = [false, true];
  await expect(service.update({ deptNo: 'd001', deptName: 'R&D' })).rejects.toBeInstanceOf(ServiceUnavailableException);
  expect((await ds.query("SELECT dept_name FROM departments WHERE dept_no = 'd001'"))[0].dept_name).toBe('R&D');
  expect(await cached(CacheKeys.one('d001'))).toBeNull();
  // Retrying the PUT (idempotent) puts the cache right.
  await service.update({ deptNo: 'd001', deptName: 'R&D' });
  expect(JSON.parse(await service.findOneCached('d001'))).toEqual({ deptNo: 'd001', deptName: 'R&D' });
});

it('a failed eviction before a write changes nothing and answers 503', async () => {
  redis.failApplies = [true];
  await expect(service.delete('d002')).rejects.toBeInstanceOf(ServiceUnavailableException);
  expect(Number((await ds.query("SELECT COUNT(*) AS n FROM departments WHERE dept_no = 'd002'"))[0].n)).toBe(1);
});

it('the row of the id findAll and the list are two keys', async () => {
  await service.create({ deptNo: 'findAll', deptName: 'All' });
  const list = JSON.parse(String(await service.findAllCached()));
  const row = JSON.parse(await service.findOneCached('findAll'));
  expect(Array.isArray(list)).toBe(true);
  expect(row).toEqual({ deptNo: 'findAll', deptName: 'All' });
  expect(JSON.parse(String(await service.findAllCached()))).toEqual(list);
});
