// DepartmentRedisRepository against a real Redis: Spring's hash layout, replace-on-save, delete.
import { NotFoundException } from '@nestjs/common';
import { RepositoryKeys } from '@app/departments';
import { ApiMetrics } from '@app/observability';
import { RedisServer } from '@app/procs';
import { SingleRedis } from '@app/redis';
import { startTestRedis } from '../../../../test/support/api';
import { DepartmentRedisRepository } from './department-redis.repository';

let server: RedisServer;
let redis: SingleRedis;
let repo: DepartmentRedisRepository;

beforeAll(async () => {
  server = await startTestRedis('redis-repo-spec');
  redis = new SingleRedis({ url: server.url, opTimeoutMs: 500, connectTimeoutMs: 500 });
  if (redis.client.status !== 'ready') await new Promise((r) => redis.client.once('ready', r));
  repo = new DepartmentRedisRepository(redis, new ApiMetrics('redis-repo-spec', false));
});

afterAll(async () => {
  await redis?.close();
  await server?.stop();
});

beforeEach(() => redis.client.flushall());

it('a re-save replaces the hash: an earlier payload is gone', async () => {
  await repo.save({ deptNo: 'p1', deptName: 'n', payload: 'old' });
  await repo.save({ deptNo: 'p1', deptName: 'n2' });
  expect(await redis.client.hgetall(RepositoryKeys.hash('p1'))).toEqual({ deptNo: 'p1', deptName: 'n2' });
  expect(await repo.findOne('p1')).toEqual({ deptNo: 'p1', deptName: 'n2' });
});

it('generates a UUID when the id is absent', async () => {
  const d = await repo.save({ deptName: 'gen' });
  expect(d.deptNo).toMatch(/^[0-9a-f-]{36}$/);
  expect(await redis.client.sismember(RepositoryKeys.set, d.deptNo)).toBe(1);
});

it('delete removes the hash and the set member; an unknown id is 404', async () => {
  await repo.save({ deptNo: 'x1', deptName: 'n' });
  await repo.delete('x1');
  expect(await redis.client.exists(RepositoryKeys.hash('x1'))).toBe(0);
  expect(await redis.client.sismember(RepositoryKeys.set, 'x1')).toBe(0);
  await expect(repo.delete('x1')).rejects.toBeInstanceOf(NotFoundException);
  await expect(repo.findOne('x1')).rejects.toBeInstanceOf(NotFoundException);
});
