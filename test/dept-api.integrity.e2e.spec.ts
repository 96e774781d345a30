// One regression test per class of issue 9, each of which failed on the code before the fix.
import Redis from 'ioredis';
import { CacheKeys, RepositoryKeys, SEED_DEPARTMENTS } from '@app/departments';
import { setDepartmentRows } from '@app/mariadb';
import { TestApi, startApi } from './support/api';
import { raw, send } from './support/raw';

let api: TestApi;
let redis: Redis;
const J = { 'content-type': 'application/json' };
const post = (path: string, o: unknown) => send(api.baseUrl, 'POST', path, { headers: J, body: JSON.stringify(o) });
const put = (o: unknown) => send(api.baseUrl, 'PUT', '/v1/department', { headers: J, body: JSON.stringify(o) });
const get = (path: string) => send(api.baseUrl, 'GET', path);

beforeAll(async () => {
  api = await startApi({ REQUEST_TIMEOUT_MS: '1500', HEADERS_TIMEOUT_MS: '1000', CONNECTION_TIMEOUT_MS: '3000' });
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

describe('1. cache keys never collide with data', () => {
  it('the id findAll is a department like any other; the list stays a list', async () => {
    await get('/v1/departments');
    expect((await get('/v1/department/findAll')).status).toBe(404);
    expect((await post('/api/departments', { deptNo: 'findAll', deptName: 'All' })).status).toBe(201);
    expect((await put({ deptNo: 'findAll', deptName: 'All2' })).status).toBe(200);
    expect((await get('/v1/department/findAll')).json).toEqual({ deptNo: 'findAll', deptName: 'All2' });
    const list = await get('/v1/departments');
    expect(Array.isArray(list.json)).toBe(true);
    expect(list.json).toHaveLength(SEED_DEPARTMENTS.length + 1);
    expect(CacheKeys.findAll).not.toBe(CacheKeys.one('findAll'));
  });
});

describe('2. one identity in MariaDB and Redis', () => {
  it('ids differing by case, accent or a trailing space are different ids (or refused)', async () => {
    await get('/v1/department/d001');
    expect((await put({ deptNo: 'D001', deptName: 'Upper' })).status).toBe(404);
    expect((await get('/v1/department/d001')).json).toEqual({ deptNo: 'd001', deptName: 'Marketing' });
    expect((await send(api.baseUrl, 'DELETE', '/v1/department/D001')).status).toBe(404);
    expect((await get('/v1/department/d001')).status).toBe(200);
    expect((await post('/api/departments', { deptNo: 'café', deptName: 'accent' })).status).toBe(201);
    expect((await post('/api/departments', { deptNo: 'cafe', deptName: 'plain' })).status).toBe(201);
    expect((await get(`/v1/department/${encodeURIComponent('café')}`)).json).toEqual({ deptNo: 'café', deptName: 'accent' });
    expect((await get('/v1/department/cafe')).json).toEqual({ deptNo: 'cafe', deptName: 'plain' });
    expect((await get('/v1/department/d002%20')).status).toBe(400);
    expect((await post('/api/departments', { deptNo: 'D001', deptName: 'upper' })).status).toBe(201);
    expect((await get('/v1/department/d001')).json.deptName).toBe('Marketing');
  });
});

describe('3. whatever POST accepts round-trips', () => {
  it('40 emoji: created, read, updated and deleted; a lone surrogate is refused', async () => {
    const id = '😀'.repeat(40);
    const path = `/v1/department/${encodeURIComponent(id)}`;
    expect((await post('/api/departments', { deptNo: id, deptName: 'emoji' })).json).toEqual({ deptNo: id, deptName: 'emoji' });
    expect((await get(path)).json).toEqual({ deptNo: id, deptName: 'emoji' });
    expect((await put({ deptNo: id, deptName: 'emoji2' })).status).toBe(200);
    expect((await send(api.baseUrl, 'DELETE', path)).status).toBe(204);
    expect((await post('/api/departmentRedises', { deptNo: id, deptName: 'emoji' })).status).toBe(201);
    expect((await get(`/api/departmentRedises/${encodeURIComponent(id)}`)).json).toEqual({ deptNo: id, deptName: 'emoji' });
    const lone = await send(api.baseUrl, 'POST', '/api/departments', { headers: J, body: '{"deptNo":"x\\ud800","deptName":"n"}' });
    expect(lone.status).toBe(400);
  });

  it('a leading UTF-8 byte order mark and a charset=UTF-8 parameter are read as plain UTF-8 JSON', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"deptNo":"b1","deptName":"bom"}')]);
    const res = await send(api.baseUrl, 'POST', '/api/departments', { headers: { 'content-type': 'application/json; charset=UTF-8' }, body });
    expect(res.status).toBe(201);
    expect((await get('/v1/department/b1')).json).toEqual({ deptNo: 'b1', deptName: 'bom' });
  });
});

describe('4. bodies that used to be written are refused', () => {
  it.each([
    ['form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }, 'deptNo=f1&deptName=form', 415],
    ['charset=utf-16', { 'content-type': 'application/json; charset=utf-16' }, '{"deptNo":"f1","deptName":"n"}', 415],
    ['deptNo null', J, '{"deptNo":null,"deptName":"n"}', 400],
    ['whitespace-only name', J, '{"deptNo":"f1","deptName":"  "}', 400],
    ['CR/LF in name', J, '{"deptNo":"f1","deptName":"a\\r\\nb"}', 400],
    ['invalid UTF-8', J, Buffer.from([...Buffer.from('{"deptNo":"f1","deptName":"a'), 0xff, ...Buffer.from('"}')]), 400],
  ] as const)('%s', async (_n, headers, body, status) => {
    expect((await send(api.baseUrl, 'POST', '/api/departments', { headers, body })).status).toBe(status);
    expect(Number((await api.db.query("SELECT COUNT(*) AS n FROM departments WHERE dept_no = 'f1'"))[0].n)).toBe(0);
  });

  it('payload null is refused on the Redis route', async () => {
    expect((await post('/api/departmentRedises', { deptNo: 'f1', deptName: 'n', payload: null })).status).toBe(400);
    expect(await redis.exists(RepositoryKeys.hash('f1'))).toBe(0);
  });
});

describe('5. deep JSON is a 400, not a stack overflow', () => {
  it.each(['/api/departments', '/api/departmentRedises'])('%s', async (path) => {
    const res = await send(api.baseUrl, 'POST', path, { headers: J, body: `{"deptNo":"t1","deptName":${'['.repeat(2000)}${']'.repeat(2000)}}` });
    expect(res.status).toBe(400);
  });
});

describe('6. writes keep the cache right', () => {
  it('POST /api/departments shows in the cached list at once', async () => {
    await get('/v1/departments');
    await post('/api/departments', { deptNo: 'n1', deptName: 'new' });
    expect((await get('/v1/departments')).json).toContainEqual({ deptNo: 'n1', deptName: 'new' });
  });

  it('a re-save over an existing id drops the old payload', async () => {
    await post('/api/departmentRedises', { deptNo: 'p1', deptName: 'n', payload: 'old' });
    await post('/api/departmentRedises', { deptNo: 'p1', deptName: 'n' });
    expect((await get('/api/departmentRedises/p1')).json).toEqual({ deptNo: 'p1', deptName: 'n' });
  });
});

describe('8. stalled clients are dropped', () => {
  it('a body that stops (Content-Length 100, 40 bytes sent) is closed within the request timeout', async () => {
    const res = await raw(api.baseUrl, [`POST /api/departments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n${'{"deptNo":"s1","deptName":"stalled"'.padEnd(40, ' ')}`], 8000);
    expect(res.closed).toBe(true);
    expect(res.elapsedMs).toBeLessThan(6000);
  });
});

describe('9. wrong methods', () => {
  it('answer 405 with Allow', async () => {
    const res = await send(api.baseUrl, 'PATCH', '/v1/department');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('PUT');
  });
});
