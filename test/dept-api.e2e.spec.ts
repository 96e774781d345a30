import { execFileSync } from 'node:child_process';
import Redis from 'ioredis';
import { CacheKeys, RepositoryKeys, SEED_DEPARTMENTS } from '@app/departments';
import { setDepartmentRows } from '@app/mariadb';
import { ConfigError, databaseFromEnv } from '@app/config';
import { TestApi, http, startApi } from './support/api';

let api: TestApi;
let redis: Redis;

const rowCount = async () => Number((await api.db.query('SELECT COUNT(*) AS n FROM departments'))[0].n);
const redisCli = (...args: string[]) => execFileSync('redis-cli', ['-p', String(api.redis.port), '--no-raw', ...args], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  api = await startApi();
  redis = new Redis({ port: api.redis.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  await redis.connect();
});

afterAll(async () => {
  redis?.disconnect();
  await api?.close();
});

beforeEach(async () => {
  await setDepartmentRows(api.db, SEED_DEPARTMENTS.length);
  await redis.flushall();
});

describe('cached reads', () => {
  it('GET /v1/departments serves the rows, then the cached string under the list key with a 10-minute TTL', async () => {
    const first = await http(api.baseUrl, 'GET', '/v1/departments');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/application\/json/);
    expect(first.json).toEqual(SEED_DEPARTMENTS);
    const cached = await redis.get(CacheKeys.findAll);
    expect(JSON.parse(cached!)).toEqual(SEED_DEPARTMENTS);
    const ttl = await redis.ttl(CacheKeys.findAll);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    // A row changed behind the cache's back is not seen: the answer comes from Redis.
    await api.db.query("UPDATE departments SET dept_name = 'Behind' WHERE dept_no = 'd001'");
    const second = await http(api.baseUrl, 'GET', '/v1/departments');
    expect(second.text).toBe(cached);
  });

  it('GET /v1/departmentsNoCache reads MariaDB every time', async () => {
    await http(api.baseUrl, 'GET', '/v1/departments');
    await api.db.query("UPDATE departments SET dept_name = 'Fresh' WHERE dept_no = 'd002'");
    const res = await http(api.baseUrl, 'GET', '/v1/departmentsNoCache');
    expect(res.status).toBe(200);
    expect(res.json.find((d: { deptNo: string }) => d.deptNo === 'd002').deptName).toBe('Fresh');
  });

  it('serves exactly N rows after the table is set to N (the 1000-row runs)', async () => {
    await setDepartmentRows(api.db, 1000);
    const res = await http(api.baseUrl, 'GET', '/v1/departments');
    expect(res.json).toHaveLength(1000);
    expect(res.json[999]).toEqual({ deptNo: 'g01000', deptName: 'generated_001000' });
  });

  it('GET /v1/department/:deptNo caches one row and answers 404 for an unknown id', async () => {
    const res = await http(api.baseUrl, 'GET', '/v1/department/d003');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ deptNo: 'd003', deptName: 'Human Resources' });
    expect(JSON.parse((await redis.get(CacheKeys.one('d003')))!)).toEqual(res.json);
    const missing = await http(api.baseUrl, 'GET', '/v1/department/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect(await redis.exists(CacheKeys.one('nope'))).toBe(0);
  });
});

describe('writes and eviction', () => {
  it('PUT /v1/department updates, evicts the list and re-caches the row', async () => {
    await http(api.baseUrl, 'GET', '/v1/departments');
    await http(api.baseUrl, 'GET', '/v1/department/d001');
    const res = await http(api.baseUrl, 'PUT', '/v1/department', { deptNo: 'd001', deptName: 'R&D' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ deptNo: 'd001', deptName: 'R&D' });
    expect(await redis.exists(CacheKeys.findAll)).toBe(0);
    expect(JSON.parse((await redis.get(CacheKeys.one('d001')))!)).toEqual({ deptNo: 'd001', deptName: 'R&D' });
    const list = await http(api.baseUrl, 'GET', '/v1/departments');
    expect(list.json[0]).toEqual({ deptNo: 'd001', deptName: 'R&D' });
  });

  it('PUT answers 404 for an unknown id and 409 for a name taken by another row, changing nothing', async () => {
    expect((await http(api.baseUrl, 'PUT', '/v1/department', { deptNo: 'x404', deptName: 'Nobody' })).status).toBe(404);
    const dup = await http(api.baseUrl, 'PUT', '/v1/department', { deptNo: 'd001', deptName: 'Finance' });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect((await api.db.query("SELECT dept_name FROM departments WHERE dept_no='d001'"))[0].dept_name).toBe('Marketing');
    // Setting the name it already has is not "unknown id".
    expect((await http(api.baseUrl, 'PUT', '/v1/department', { deptNo: 'd001', deptName: 'Marketing' })).status).toBe(200);
  });

  it('DELETE /v1/department/:deptNo deletes and evicts both keys; a second delete is 404', async () => {
    await http(api.baseUrl, 'GET', '/v1/departments');
    await http(api.baseUrl, 'GET', '/v1/department/d009');
    const res = await http(api.baseUrl, 'DELETE', '/v1/department/d009');
    expect(res.status).toBe(204);
    expect(await redis.exists(CacheKeys.findAll, CacheKeys.one('d009'))).toBe(0);
    expect(await rowCount()).toBe(8);
    expect((await http(api.baseUrl, 'GET', '/v1/department/d009')).status).toBe(404);
    expect((await http(api.baseUrl, 'DELETE', '/v1/department/d009')).status).toBe(404);
  });

  it('POST /api/departments inserts, generates an id when absent, and answers 409 on duplicates', async () => {
    const res = await http(api.baseUrl, 'POST', '/api/departments', { deptNo: 't0001', deptName: 'test_000001' });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ deptNo: 't0001', deptName: 'test_000001' });
    const generated = await http(api.baseUrl, 'POST', '/api/departments', { deptName: 'test_000002' });
    expect(generated.status).toBe(201);
    expect(generated.json.deptNo).toMatch(/^[0-9a-f-]{36}$/);
    expect(await rowCount()).toBe(11);
    const dupNo = await http(api.baseUrl, 'POST', '/api/departments', { deptNo: 't0001', deptName: 'other' });
    expect(dupNo.status).toBe(409);
    expect(dupNo.json.message).toMatch(/deptNo/);
    const dupName = await http(api.baseUrl, 'POST', '/api/departments', { deptNo: 't0002', deptName: 'test_000001' });
    expect(dupName.status).toBe(409);
    expect(dupName.json.message).toMatch(/deptName/);
    expect(await rowCount()).toBe(11);
  });

  it('POST /api/departmentRedises writes the Spring hash layout, as redis-cli sees it', async () => {
    const res = await http(api.baseUrl, 'POST', '/api/departmentRedises', { deptNo: 't0042', deptName: 'test_000042' });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ deptNo: 't0042', deptName: 'test_000042' });
    expect(redisCli('TYPE', RepositoryKeys.hash('t0042'))).toBe('hash');
    expect(redisCli('HGET', RepositoryKeys.hash('t0042'), 'deptNo')).toBe('"t0042"');
    expect(redisCli('HGET', RepositoryKeys.hash('t0042'), 'deptName')).toBe('"test_000042"');
    expect(redisCli('SISMEMBER', RepositoryKeys.set, 't0042')).toBe('(integer) 1');
    const back = await http(api.baseUrl, 'GET', '/api/departmentRedises/t0042');
    expect(back.json).toEqual({ deptNo: 't0042', deptName: 'test_000042' });
    expect((await http(api.baseUrl, 'GET', '/api/departmentRedises/none')).status).toBe(404);
    // Saving the same id again overwrites, as Spring's save does.
    expect((await http(api.baseUrl, 'POST', '/api/departmentRedises', { deptNo: 't0042', deptName: 'renamed' })).status).toBe(201);
    expect(await redis.hget(RepositoryKeys.hash('t0042'), 'deptName')).toBe('renamed');
    expect(await redis.scard(RepositoryKeys.set)).toBe(1);
  });
});

describe('bad input gets a 4xx JSON error and changes nothing', () => {
  const cases: Array<[string, string, string, string | undefined, number]> = [
    ['invalid JSON', 'POST', '/api/departments', '{"deptNo": "t1",', 400],
    ['empty body', 'POST', '/api/departments', '', 400],
    ['missing deptName', 'POST', '/api/departments', '{"deptNo":"t1"}', 400],
    ['empty deptName', 'POST', '/api/departments', '{"deptNo":"t1","deptName":""}', 400],
    ['deptName over 40 chars', 'POST', '/api/departments', JSON.stringify({ deptNo: 't1', deptName: 'x'.repeat(41) }), 400],
    ['deptNo over 40 chars', 'POST', '/api/departmentRedises', JSON.stringify({ deptNo: 'x'.repeat(41), deptName: 'n' }), 400],
    ['wrong type', 'POST', '/api/departmentRedises', '{"deptNo":1,"deptName":2}', 400],
    ['unknown field', 'POST', '/api/departments', '{"deptNo":"t1","deptName":"n","admin":true}', 400],
    ['an array', 'POST', '/api/departments', '[{"deptNo":"t1","deptName":"n"}]', 400],
    ['a bare string', 'PUT', '/v1/department', '"d001"', 400],
    ['PUT without deptNo', 'PUT', '/v1/department', '{"deptName":"n"}', 400],
    ['body over the size limit', 'POST', '/api/departments', JSON.stringify({ deptNo: 't1', deptName: 'x'.repeat(5000) }), 413],
  ];

  it.each(cases)('%s', async (_name, method, path, raw, status) => {
    const before = await rowCount();
    const res = await http(api.baseUrl, method, path, undefined, raw);
    expect(res.status).toBe(status);
    expect(res.json).toEqual({ statusCode: status, error: expect.any(String), message: expect.anything() });
    expect(await rowCount()).toBe(before);
    expect(await redis.dbsize()).toBe(0);
  });

  it('a path id over 40 characters is a 400, an unknown route a JSON 404', async () => {
    expect((await http(api.baseUrl, 'GET', `/v1/department/${'x'.repeat(41)}`)).status).toBe(400);
    const res = await http(api.baseUrl, 'GET', '/v2/nothing');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});

describe('operations', () => {
  it('health, metrics and OpenAPI answer', async () => {
    expect((await http(api.baseUrl, 'GET', '/health/live')).json).toEqual({ status: 'ok' });
    const ready = await http(api.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json.info).toMatchObject({ mariadb: { status: 'up' }, redis: { status: 'up' } });
    // Each answer counted once, under its route template (a per-route hook) or as unmatched.
    const count = (text: string, method: string, route: string, status: number): number => {
      const line = text.split('\n').find((l) => l.startsWith('http_requests_total{') && l.includes(`method="${method}"`) && l.includes(`route="${route}"`) && l.includes(`status="${status}"`));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const before = (await http(api.baseUrl, 'GET', '/metrics')).text;
    await http(api.baseUrl, 'GET', '/v1/departments');
    await http(api.baseUrl, 'GET', '/v1/departments');
    await http(api.baseUrl, 'GET', '/v1/department/d001');
    await http(api.baseUrl, 'GET', '/no/such/route');
    const metrics = await http(api.baseUrl, 'GET', '/metrics');
    expect(count(metrics.text, 'GET', '/v1/departments', 200) - count(before, 'GET', '/v1/departments', 200)).toBe(2);
    expect(count(metrics.text, 'GET', '/v1/department/:deptNo', 200) - count(before, 'GET', '/v1/department/:deptNo', 200)).toBe(1);
    expect(count(metrics.text, 'GET', 'unmatched', 404) - count(before, 'GET', 'unmatched', 404)).toBe(1);
    expect(metrics.text).toMatch(/http_request_duration_seconds_bucket\{/);
    expect(metrics.text).toMatch(/dept_cache_requests_total\{[^}]*result="hit"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/dept_cache_requests_total\{[^}]*result="miss"[^}]*\} [1-9]/);
    const docs = await http(api.baseUrl, 'GET', '/docs-json');
    expect(Object.keys(docs.json.paths)).toEqual(expect.arrayContaining(['/v1/departments', '/api/departmentRedises', '/v1/department/{deptNo}']));
  });

  it('a missing DB_PASSWORD fails at boot with a message naming it', () => {
    expect(() => databaseFromEnv({ DB_HOST: '127.0.0.1' })).toThrow(ConfigError);
    expect(() => databaseFromEnv({ DB_HOST: '127.0.0.1' })).toThrow(/DB_PASSWORD/);
    expect(() => databaseFromEnv({ DB_PASSWORD: 'x', DB_PORT: 'abc' })).toThrow(/DB_PORT/);
  });
});

describe('payload on POST /api/departmentRedises (the stress test\'s "+100 bytes")', () => {
  it('stores an optional payload as one more hash field, keeps deptName at 40 chars, and is refused by the MariaDB route', async () => {
    const payload = 'x'.repeat(100);
    const res = await http(api.baseUrl, 'POST', '/api/departmentRedises', { deptNo: 't0100', deptName: 'test_000100', payload });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ deptNo: 't0100', deptName: 'test_000100', payload });
    expect(await redis.hgetall(RepositoryKeys.hash('t0100'))).toEqual({ deptNo: 't0100', deptName: 'test_000100', payload });
    expect((await http(api.baseUrl, 'GET', '/api/departmentRedises/t0100')).json).toEqual({ deptNo: 't0100', deptName: 'test_000100', payload });
    // Without a payload the hash has exactly the Spring fields.
    await http(api.baseUrl, 'POST', '/api/departmentRedises', { deptNo: 't0101', deptName: 'test_000101' });
    expect(Object.keys(await redis.hgetall(RepositoryKeys.hash('t0101'))).sort()).toEqual(['deptName', 'deptNo']);

    const tooLongName = await http(api.baseUrl, 'POST', '/api/departmentRedises', { deptNo: 't0102', deptName: 'x'.repeat(41), payload });
    expect(tooLongName.status).toBe(400);
    const notString = await http(api.baseUrl, 'POST', '/api/departmentRedises', { deptNo: 't0103', deptName: 'n', payload: 7 });
    expect(notString.status).toBe(400);
    const onMariadb = await http(api.baseUrl, 'POST', '/api/departments', { deptNo: 't0104', deptName: 'n', payload });
    expect(onMariadb.status).toBe(400);
    expect(await redis.exists(RepositoryKeys.hash('t0102'), RepositoryKeys.hash('t0103'))).toBe(0);
    expect(await rowCount()).toBe(SEED_DEPARTMENTS.length);
  });
});
