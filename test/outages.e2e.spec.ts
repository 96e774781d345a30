// Dependencies really stopped during the test: the Redis server is SIGKILLed and the run's
// MariaDB is shut down, then both are started again.
import { createConnection } from 'mysql2/promise';
import Redis from 'ioredis';
import { CacheKeys, SEED_DEPARTMENTS } from '@app/departments';
import { setDepartmentRows } from '@app/mariadb';
import { waitFor } from '@app/async';
import { TestApi, http, startApi, testDatabaseEnv, testMariaDb } from './support/api';

let api: TestApi;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = Date.now();
  const r = await fn();
  return [r, Date.now() - t0];
}

beforeAll(async () => {
  api = await startApi({ REDIS_OP_TIMEOUT_MS: '500' });
});

afterAll(async () => {
  await api?.close();
});

beforeEach(async () => {
  await setDepartmentRows(api.db, SEED_DEPARTMENTS.length);
});

describe('Redis down', () => {
  it('cached reads fall back to MariaDB, Redis writes answer 503 fast, nothing is half-changed; all recovers', async () => {
    await http(api.baseUrl, 'GET', '/v1/departments');
    await api.redis.kill();

    const [list, listMs] = await timed(() => http(api.baseUrl, 'GET', '/v1/departments'));
    expect(list.status).toBe(200);
    expect(list.json).toEqual(SEED_DEPARTMENTS);
    expect(listMs).toBeLessThan(1500);
    expect((await http(api.baseUrl, 'GET', '/v1/department/d002')).json).toEqual(SEED_DEPARTMENTS[1]);

    const [write, writeMs] = await timed(() => http(api.baseUrl, 'POST', '/api/departmentRedises', { deptNo: 't1', deptName: 'n1' }));
    expect(write.status).toBe(503);
    expect(write.json).toMatchObject({ statusCode: 503, error: 'Service Unavailable', message: expect.stringMatching(/Redis unavailable/) });
    expect(writeMs).toBeLessThan(1500);
    expect((await http(api.baseUrl, 'GET', '/api/departmentRedises/t1')).status).toBe(503);

    // An update needs its eviction, or the cache would later serve the old row: 503, DB unchanged.
    const put = await http(api.baseUrl, 'PUT', '/v1/department', { deptNo: 'd001', deptName: 'Changed' });
    expect(put.status).toBe(503);
    expect((await api.db.query("SELECT dept_name FROM departments WHERE dept_no='d001'"))[0].dept_name).toBe('Marketing');
    expect((await http(api.baseUrl, 'DELETE', '/v1/department/d001')).status).toBe(503);
    expect((await api.db.query("SELECT COUNT(*) AS n FROM departments"))[0].n).toBe(String(SEED_DEPARTMENTS.length));

    // MariaDB routes do not depend on Redis.
    expect((await http(api.baseUrl, 'POST', '/api/departments', { deptNo: 't2', deptName: 'n2' })).status).toBe(201);

    const ready = await http(api.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.details.redis.status).toBe('down');
    const metrics = (await http(api.baseUrl, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/dept_cache_requests_total\{[^}]*result="bypass"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/dept_dependency_degraded\{[^}]*dependency="redis"[^}]*\} 1/);
    expect(metrics).toMatch(/dept_redis_errors_total\{[^}]*op="repository_save"[^}]*\} [1-9]/);

    await api.redis.start({ empty: true });
    await waitFor('dept-api to reconnect to Redis', async () => (await http(api.baseUrl, 'GET', '/health/ready')).status === 200, 15_000, 200);
    expect((await http(api.baseUrl, 'POST', '/api/departmentRedises', { deptNo: 't1', deptName: 'n1' })).status).toBe(201);
    await http(api.baseUrl, 'GET', '/v1/departments');
    const redis = new Redis({ port: api.redis.port, maxRetriesPerRequest: 0 });
    try {
      expect(await redis.exists(CacheKeys.findAll)).toBe(1);
    } finally {
      redis.disconnect();
    }
    expect((await http(api.baseUrl, 'GET', '/metrics')).text).toMatch(/dept_dependency_degraded\{[^}]*dependency="redis"[^}]*\} 0/);
  });
});

describe('MariaDB down', () => {
  const mariadb = testMariaDb();
  afterAll(async () => {
    await mariadb.start();
  });

  it('the cached GET still answers 200, database routes answer 503 fast, and it recovers', async () => {
    const redis = new Redis({ port: api.redis.port, maxRetriesPerRequest: 0 });
    await redis.flushall();
    redis.disconnect();
    await http(api.baseUrl, 'GET', '/v1/departments');
    await mariadb.stop();

    const cached = await http(api.baseUrl, 'GET', '/v1/departments');
    expect(cached.status).toBe(200);
    expect(cached.json).toEqual(SEED_DEPARTMENTS);

    const [noCache, ms] = await timed(() => http(api.baseUrl, 'GET', '/v1/departmentsNoCache'));
    expect(noCache.status).toBe(503);
    expect(noCache.json).toMatchObject({ statusCode: 503, error: 'Service Unavailable', message: expect.stringMatching(/MariaDB unavailable/) });
    expect(ms).toBeLessThan(3000);
    expect((await http(api.baseUrl, 'POST', '/api/departments', { deptNo: 't3', deptName: 'n3' })).status).toBe(503);
    // A row not in the cache needs the database.
    expect((await http(api.baseUrl, 'GET', '/v1/department/d007')).status).toBe(503);
    // Redis routes keep working.
    expect((await http(api.baseUrl, 'POST', '/api/departmentRedises', { deptNo: 't4', deptName: 'n4' })).status).toBe(201);
    const ready = await http(api.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.details.mariadb.status).toBe('down');

    await mariadb.start();
    await waitFor('dept-api to reach MariaDB again', async () => (await http(api.baseUrl, 'GET', '/v1/departmentsNoCache')).status === 200, 30_000, 250);
    expect((await http(api.baseUrl, 'GET', '/health/ready')).status).toBe(200);
  });
});

describe('shutdown', () => {
  it('drains requests in flight before closing', async () => {
    const other = await startApi();
    const env = testDatabaseEnv();
    const lock = await createConnection({ host: env.DB_HOST, port: Number(env.DB_PORT), user: env.DB_USER, password: env.DB_PASSWORD, database: env.DB_NAME });
    try {
      // A write lock holds the no-cache reads inside MariaDB, so they are in flight at close().
      await lock.query('LOCK TABLES departments WRITE');
      const inflight = Array.from({ length: 5 }, () => http(other.baseUrl, 'GET', '/v1/departmentsNoCache'));
      await new Promise((r) => setTimeout(r, 300));
      const closing = other.close();
      await new Promise((r) => setTimeout(r, 300));
      await lock.query('UNLOCK TABLES');
      const answers = await Promise.all(inflight);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(answers[0].json).toHaveLength(SEED_DEPARTMENTS.length);
      await closing;
      await expect(fetch(`${other.baseUrl}/health/live`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    } finally {
      await lock.end();
    }
  });
});
