// The bad-input corpus (issue 9): every kind of refused request, on every route, answers a 4xx
// JSON error {statusCode, error, message} and changes nothing in MariaDB or Redis. The statuses it
// observes per operation are then compared with the ones the OpenAPI document lists, and the
// document itself is checked with an OpenAPI validator.
import Redis from 'ioredis';
import { Validator } from '@seriousme/openapi-schema-validator';
import { SEED_DEPARTMENTS } from '@app/departments';
import { setDepartmentRows } from '@app/mariadb';
import { TestApi, startApi, testMariaDb } from './support/api';
import { raw, redisState, send } from './support/raw';

let api: TestApi;
let redis: Redis;
/** Statuses seen per OpenAPI operation (`put /v1/department`), for the documented-status check. */
const observed = new Map<string, Set<number>>();
const see = (op: string, status: number) => {
  if (!observed.has(op)) observed.set(op, new Set());
  observed.get(op)!.add(status);
};

const J = { 'content-type': 'application/json' };
const body = (o: unknown) => JSON.stringify(o);
const utf8Bytes = (prefix: string, bytes: number[], suffix: string) => Buffer.concat([Buffer.from(prefix), Buffer.from(bytes), Buffer.from(suffix)]);
const emoji = (n: number) => '😀'.repeat(n);

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  status: number;
  /** The OpenAPI operation the request reaches (none for 404/405). */
  op?: string;
}

const P = 'post /api/departments';
const R = 'post /api/departmentRedises';
const U = 'put /v1/department';
const G1 = 'get /v1/department/{deptNo}';
const D1 = 'delete /v1/department/{deptNo}';
const GR = 'get /api/departmentRedises/{deptNo}';
const DR = 'delete /api/departmentRedises/{deptNo}';
const deep = (n: number) => `{"deptNo":"t1","deptName":${'['.repeat(n)}${']'.repeat(n)}}`;
const deepObj = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

const writes: Array<[string, string, string]> = [
  ['POST', '/api/departments', P],
  ['POST', '/api/departmentRedises', R],
  ['PUT', '/v1/department', U],
];

/** Body cases, each sent to every write route. */
const bodyKinds: Array<[string, string | Buffer, number, Record<string, string>?]> = [
  ['invalid JSON', '{"deptNo": "t1",', 400],
  ['empty body', '', 400],
  ['trailing garbage', '{"deptNo":"t1","deptName":"n"} x', 400],
  ['JSON with a comment', '{"deptNo":"t1", /* c */ "deptName":"n"}', 400],
  ['NaN literal', '{"deptNo":"t1","deptName":NaN}', 400],
  ['missing deptName', body({ deptNo: 't1' }), 400],
  ['empty deptName', body({ deptNo: 't1', deptName: '' }), 400],
  ['deptName of 41 characters', body({ deptNo: 't1', deptName: 'x'.repeat(41) }), 400],
  ['deptName of 41 emoji', body({ deptNo: 't1', deptName: emoji(41) }), 400],
  ['deptNo of 41 characters', body({ deptNo: 'x'.repeat(41), deptName: 'n' }), 400],
  ['deptNo of 41 emoji', body({ deptNo: emoji(41), deptName: 'n' }), 400],
  ['numbers for strings', '{"deptNo":1,"deptName":2}', 400],
  ['boolean deptName', '{"deptNo":"t1","deptName":true}', 400],
  ['object deptName', '{"deptNo":"t1","deptName":{"x":1}}', 400],
  ['unknown field', body({ deptNo: 't1', deptName: 'n', admin: true }), 400],
  ['an array', body([{ deptNo: 't1', deptName: 'n' }]), 400],
  ['a bare string', '"d001"', 400],
  ['null', 'null', 400],
  ['deptNo null', '{"deptNo":null,"deptName":"n"}', 400],
  ['deptName null', '{"deptNo":"t1","deptName":null}', 400],
  ['whitespace-only deptName', body({ deptNo: 't1', deptName: '   ' }), 400],
  ['whitespace-only deptNo', body({ deptNo: ' \u3000 ', deptName: 'n' }), 400],
  ['deptNo with a trailing space', body({ deptNo: 'd002 ', deptName: 'n' }), 400],
  ['deptNo with a leading no-break space', body({ deptNo: '\u00a0d002', deptName: 'n' }), 400],
  ['NUL in deptName', body({ deptNo: 't1', deptName: 'a\u0000b' }), 400],
  ['CR/LF in deptName', body({ deptNo: 't1', deptName: 'a\r\nb' }), 400],
  ['TAB in deptNo', body({ deptNo: 't\t1', deptName: 'n' }), 400],
  ['DEL in deptNo', body({ deptNo: 't\u007f1', deptName: 'n' }), 400],
  ['C1 control (NEL) in deptName', body({ deptNo: 't1', deptName: 'a\u0085b' }), 400],
  ['line separator in deptName', body({ deptNo: 't1', deptName: 'a\u2028b' }), 400],
  ['bidi override in deptNo', body({ deptNo: 't\u202e1', deptName: 'n' }), 400],
  ['BOM inside deptName', body({ deptNo: 't1', deptName: 'a\ufeffb' }), 400],
  ['lone high surrogate in deptNo', '{"deptNo":"t\\ud800","deptName":"n"}', 400],
  ['lone low surrogate in deptName', '{"deptNo":"t1","deptName":"\\udc00x"}', 400],
  ['decomposed (NFD) deptName', body({ deptNo: 't1', deptName: 'cafe\u0301' }), 400],
  ['deptNo "."', body({ deptNo: '.', deptName: 'n' }), 400],
  ['deptNo ".."', body({ deptNo: '..', deptName: 'n' }), 400],
  ['invalid UTF-8 byte in deptName', utf8Bytes('{"deptNo":"t1","deptName":"a', [0xff], 'b"}'), 400],
  ['overlong UTF-8 in deptName', utf8Bytes('{"deptNo":"t1","deptName":"a', [0xc0, 0xaf], 'b"}'), 400],
  ['UTF-8 encoded surrogate in deptNo', utf8Bytes('{"deptNo":"t', [0xed, 0xa0, 0x80], '","deptName":"n"}'), 400],
  ['truncated UTF-8 sequence', utf8Bytes('{"deptNo":"t1","deptName":"a', [0xe2, 0x82], '"}'), 400],
  ['JSON 3000 arrays deep', deep(3000), 400],
  ['JSON 1200 objects deep', deepObj(1200), 400],
  ['JSON 9 levels deep', deep(8), 400],
  ['__proto__ key', '{"deptNo":"t1","deptName":"n","__proto__":{"admin":true}}', 400],
  ['constructor.prototype key', '{"deptNo":"t1","deptName":"n","constructor":{"prototype":{"admin":true}}}', 400],
  ['body over the size limit', body({ deptNo: 't1', deptName: 'x'.repeat(9000) }), 413],
  ['form-urlencoded', 'deptNo=t1&deptName=n', 415, { 'content-type': 'application/x-www-form-urlencoded' }],
  ['text/plain JSON', body({ deptNo: 't1', deptName: 'n' }), 415, { 'content-type': 'text/plain' }],
  ['charset=utf-16', body({ deptNo: 't1', deptName: 'n' }), 415, { 'content-type': 'application/json; charset=utf-16' }],
  ['charset=iso-8859-1', body({ deptNo: 't1', deptName: 'n' }), 415, { 'content-type': 'application/json; charset=iso-8859-1' }],
  ['application/xml', '<d><deptNo>t1</deptNo></d>', 415, { 'content-type': 'application/xml' }],
  ['multipart/form-data', '--b\r\nContent-Disposition: form-data; name="deptNo"\r\n\r\nt1\r\n--b--\r\n', 415, { 'content-type': 'multipart/form-data; boundary=b' }],
  ['a +json vendor type', body({ deptNo: 't1', deptName: 'n' }), 415, { 'content-type': 'application/vnd.api+json' }],
  ['no content-type', body({ deptNo: 't1', deptName: 'n' }), 415, {}],
];

const bodyCases: Case[] = writes.flatMap(([method, path, op]) =>
  bodyKinds.map(([name, b, status, headers]): Case => ({ name: `${op}: ${name}`, method, path, body: b, status, headers: headers ?? J, op })),
);

/** Only the Redis route has a payload. */
const payloadCases: Case[] = [
  { name: 'payload null', method: 'POST', path: '/api/departmentRedises', headers: J, body: '{"deptNo":"t1","deptName":"n","payload":null}', status: 400, op: R },
  { name: 'payload a number', method: 'POST', path: '/api/departmentRedises', headers: J, body: '{"deptNo":"t1","deptName":"n","payload":7}', status: 400, op: R },
  { name: 'payload of 4097 characters', method: 'POST', path: '/api/departmentRedises', headers: J, body: body({ deptNo: 't1', deptName: 'n', payload: 'x'.repeat(4097) }), status: 400, op: R },
  { name: 'payload with a lone surrogate', method: 'POST', path: '/api/departmentRedises', headers: J, body: '{"deptNo":"t1","deptName":"n","payload":"\\udfff"}', status: 400, op: R },
  { name: 'payload on the MariaDB route', method: 'POST', path: '/api/departments', headers: J, body: body({ deptNo: 't1', deptName: 'n', payload: 'x' }), status: 400, op: P },
];

/** Path ids, each sent to every route with a :deptNo. */
const idRoutes: Array<[string, string, string]> = [
  ['GET', '/v1/department/', G1],
  ['DELETE', '/v1/department/', D1],
  ['GET', '/api/departmentRedises/', GR],
  ['DELETE', '/api/departmentRedises/', DR],
];
const pathKinds: Array<[string, string, number]> = [
  ['41 characters', 'x'.repeat(41), 400],
  ['41 emoji, percent-encoded', encodeURIComponent(emoji(41)), 400],
  ['NUL', 'a%00b', 400],
  ['LF', 'a%0Ab', 400],
  ['leading space', '%20d001', 400],
  ['trailing space', 'd001%20', 400],
  ['ideographic space only', '%E3%80%80', 400],
  ['bidi override', 't%E2%80%AE1', 400],
  ['decomposed (NFD)', 'cafe%CC%81', 400],
  ['UTF-8 encoded surrogate', 't%ED%A0%80', 400],
  ['invalid UTF-8 byte', 't%FF', 400],
  ['bad percent escape', 't%ZZ', 400],
  ['".." percent-encoded', '%2E%2E', 400],
  ['a query string', 'd001?x=1', 400],
];
const pathCases: Case[] = idRoutes.flatMap(([method, prefix, op]) =>
  pathKinds.map(([name, id, status]): Case => ({ name: `${op}: ${name}`, method, path: prefix + id, status, op })),
);

const otherCases: Case[] = [
  { name: 'GET /v1/departments with a query', method: 'GET', path: '/v1/departments?deptNo=d001', status: 400, op: 'get /v1/departments' },
  { name: 'GET /v1/departmentsNoCache with a query', method: 'GET', path: '/v1/departmentsNoCache?__proto__=x', status: 400, op: 'get /v1/departmentsNoCache' },
  { name: 'POST with a query', method: 'POST', path: '/api/departments?deptNo=t1', headers: J, body: body({ deptNo: 't1', deptName: 'n' }), status: 400, op: P },
  { name: 'PUT an unknown id', method: 'PUT', path: '/v1/department', headers: J, body: body({ deptNo: 'x404', deptName: 'Nobody' }), status: 404, op: U },
  { name: 'PUT an id differing only by case', method: 'PUT', path: '/v1/department', headers: J, body: body({ deptNo: 'D001', deptName: 'Upper' }), status: 404, op: U },
  { name: 'PUT a name taken by another row', method: 'PUT', path: '/v1/department', headers: J, body: body({ deptNo: 'd001', deptName: 'Finance' }), status: 409, op: U },
  { name: 'POST an existing deptNo', method: 'POST', path: '/api/departments', headers: J, body: body({ deptNo: 'd001', deptName: 'other' }), status: 409, op: P },
  { name: 'POST an existing deptName', method: 'POST', path: '/api/departments', headers: J, body: body({ deptNo: 't0002', deptName: 'Marketing' }), status: 409, op: P },
  { name: 'GET an unknown id', method: 'GET', path: '/v1/department/nope', status: 404, op: G1 },
  { name: 'GET an id differing only by case', method: 'GET', path: '/v1/department/D001', status: 404, op: G1 },
  { name: 'GET an id differing only by accent', method: 'GET', path: '/v1/department/d%C3%B001', status: 404, op: G1 },
  { name: 'GET findAll as an id', method: 'GET', path: '/v1/department/findAll', status: 404, op: G1 },
  { name: 'DELETE an unknown id', method: 'DELETE', path: '/v1/department/nope', status: 404, op: D1 },
  { name: 'DELETE with a JSON body too large', method: 'DELETE', path: '/v1/department/nope', headers: J, body: body({ x: 'x'.repeat(9000) }), status: 413, op: D1 },
  { name: 'DELETE with a form body', method: 'DELETE', path: '/v1/department/d001', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1', status: 415, op: D1 },
  { name: 'DELETE (Redis) with a text body', method: 'DELETE', path: '/api/departmentRedises/r1', headers: { 'content-type': 'text/plain' }, body: 'a', status: 415, op: DR },
  { name: 'DELETE (Redis) with a JSON body too large', method: 'DELETE', path: '/api/departmentRedises/r1', headers: J, body: body({ x: 'x'.repeat(9000) }), status: 413, op: DR },
  { name: 'GET (Redis) an unknown id', method: 'GET', path: '/api/departmentRedises/none', status: 404, op: GR },
  { name: 'DELETE (Redis) an unknown id', method: 'DELETE', path: '/api/departmentRedises/none', status: 404, op: DR },
  { name: 'PATCH /v1/department', method: 'PATCH', path: '/v1/department', headers: J, body: body({ deptNo: 'd001', deptName: 'n' }), status: 405 },
  { name: 'POST /v1/departments', method: 'POST', path: '/v1/departments', headers: J, body: '{}', status: 405 },
  { name: 'DELETE /v1/departments', method: 'DELETE', path: '/v1/departments', status: 405 },
  { name: 'GET /api/departments', method: 'GET', path: '/api/departments', status: 405 },
  { name: 'PUT /api/departmentRedises', method: 'PUT', path: '/api/departmentRedises', headers: J, body: '{}', status: 405 },
  { name: 'POST /v1/department/d001', method: 'POST', path: '/v1/department/d001', headers: J, body: '{}', status: 405 },
  { name: 'OPTIONS /v1/department', method: 'OPTIONS', path: '/v1/department', status: 405 },
  { name: 'an unknown path', method: 'GET', path: '/v2/nothing', status: 404 },
  { name: 'a trailing slash', method: 'GET', path: '/v1/departments/', status: 404 },
  { name: 'an empty id', method: 'GET', path: '/v1/department/', status: 404 },
];

const corpus: Case[] = [...bodyCases, ...payloadCases, ...pathCases, ...otherCases];

async function dbState(): Promise<unknown> {
  return api.db.query('SELECT HEX(dept_no) AS k, HEX(dept_name) AS v FROM departments ORDER BY dept_no');
}

let before: { db: unknown; redis: unknown };

const reachesTheWrite = (c: Case) => (c.status === 404 || c.status === 409) && c.method !== 'GET' && c.op !== undefined;
const isCacheKey = (k: string) => k.startsWith('htdp1:cache:');
/** Every key of `after` holds what it held before, and only cache keys went missing. */
function within(after: Record<string, unknown>, prior: Record<string, unknown>): boolean {
  const same = Object.entries(after).every(([k, v]) => JSON.stringify(prior[k]) === JSON.stringify(v));
  return same && Object.keys(prior).every((k) => k in after || isCacheKey(k));
}
async function refill(): Promise<void> {
  await send(api.baseUrl, 'GET', '/v1/departments');
  await send(api.baseUrl, 'GET', '/v1/department/d001');
}

beforeAll(async () => {
  api = await startApi({ BODY_LIMIT_BYTES: '8192', REQUEST_TIMEOUT_MS: '1500', HEADERS_TIMEOUT_MS: '1000', CONNECTION_TIMEOUT_MS: '3000' });
  redis = new Redis({ port: api.redis.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  await redis.connect();
  await setDepartmentRows(api.db, SEED_DEPARTMENTS.length);
  await redis.flushall();
  // Something in every namespace, so a wrong eviction or write shows.
  await refill();
  await send(api.baseUrl, 'POST', '/api/departmentRedises', { headers: J, body: body({ deptNo: 'r1', deptName: 'R1', payload: 'p' }) });
  before = { db: await dbState(), redis: await redisState(redis) };
  expect(Object.keys(before.redis as object)).toHaveLength(4);
});

afterAll(async () => {
  redis?.disconnect();
  await api?.close();
});

describe('every refused request answers a 4xx JSON error and changes nothing', () => {
  it(`has at least 60 kinds (${corpus.length} requests)`, () => {
    expect(new Set(corpus.map((c) => c.name.replace(/^[a-z]+ \S+: /, ''))).size).toBeGreaterThanOrEqual(60);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await send(api.baseUrl, c.method, c.path, { headers: c.headers, body: c.body });
    if (c.op) see(c.op, res.status);
    expect({ status: res.status, body: res.json }).toEqual({ status: c.status, body: { statusCode: c.status, error: expect.any(String), message: expect.anything() } });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    if (c.status === 405) expect(res.headers.allow).toMatch(/^[A-Z, ]+$/);
    expect(await dbState()).toEqual(before.db);
    if (reachesTheWrite(c)) {
      // A write refused by MariaDB (404, 409) ran its first eviction: cached copies may be gone,
      // but nothing in Redis may differ from before. Then the cache is filled again.
      expect(within(await redisState(redis), before.redis as Record<string, unknown>)).toBe(true);
      await refill();
    }
    expect(await redisState(redis)).toEqual(before.redis);
  });
});

describe('raw HTTP framing and slow or stalled clients', () => {
  const create = body({ deptNo: 'slow1', deptName: 'slow' });
  const head = (len: number | string, extra = '') => `POST /api/departments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n${extra}\r\n`;
  const framing: Array<[string, Parameters<typeof raw>[1], number]> = [
    ['Content-Length and Transfer-Encoding together', [head(create.length, 'Transfer-Encoding: chunked\r\n') + create], 400],
    ['two different Content-Length headers', [head(create.length, 'Content-Length: 3\r\n') + create], 400],
    ['a negative Content-Length', [head(-1) + create], 400],
    ['invalid chunk size', ['POST /api/departments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' + create + '\r\n0\r\n\r\n'], 400],
    ['a bare LF inside a header value', ['GET /v1/departments HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n'], 400],
    ['a garbage request line', ['HELLO\r\n\r\n'], 400],
    ['a space in the method', ['GE T /v1/departments HTTP/1.1\r\nHost: x\r\n\r\n'], 400],
    ['headers over 16 KB', [`GET /v1/departments HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`], 431],
  ];

  it.each(framing)('%s', async (_name, parts, status) => {
    const res = await raw(api.baseUrl, parts, 3000);
    expect(res.status).toBe(status);
    expect(res.json).toEqual({ statusCode: status, error: expect.any(String), message: expect.anything() });
    expect(await dbState()).toEqual(before.db);
    expect(await redisState(redis)).toEqual(before.redis);
  });

  const stalled: Array<[string, Parameters<typeof raw>[1]]> = [
    ['a body that stops (Content-Length 100, 40 bytes sent)', [head(100) + create.slice(0, 20)]],
    ['a body trickled a byte every 200 ms', [head(create.length), ...[...create].map((ch) => ({ delayMs: 200, data: ch }))]],
    ['headers trickled a line every 300 ms', ['POST /api/departments HTTP/1.1\r\n', ...Array.from({ length: 20 }, (_, i) => ({ delayMs: 300, data: `X-${i}: y\r\n` }))]],
    ['a connection that sends nothing', []],
  ];

  it.each(stalled)('%s: dropped within the timeouts, nothing written', async (_name, parts) => {
    const res = await raw(api.baseUrl, parts, 8000);
    expect(res.closed).toBe(true);
    expect(res.elapsedMs).toBeLessThan(6000);
    // Node answers 408 when it can (a JSON body from Fastify); an idle socket is just closed.
    if (res.status !== 0) expect(res.json).toEqual({ statusCode: 408, error: expect.any(String), message: expect.anything() });
    expect(await dbState()).toEqual(before.db);
    expect(await redisState(redis)).toEqual(before.redis);
  });
});

describe('outages: every data operation answers 503 with Retry-After', () => {
  const ops: Array<[string, string, string, unknown?]> = [
    ['post /api/departmentRedises', 'POST', '/api/departmentRedises', { deptNo: 'o1', deptName: 'n' }],
    ['get /api/departmentRedises/{deptNo}', 'GET', '/api/departmentRedises/r1'],
    ['delete /api/departmentRedises/{deptNo}', 'DELETE', '/api/departmentRedises/r1'],
    ['put /v1/department', 'PUT', '/v1/department', { deptNo: 'd001', deptName: 'n' }],
    ['delete /v1/department/{deptNo}', 'DELETE', '/v1/department/d001'],
  ];
  const dbOps: Array<[string, string, string, unknown?]> = [
    ['get /v1/departments', 'GET', '/v1/departments'],
    ['get /v1/departmentsNoCache', 'GET', '/v1/departmentsNoCache'],
    ['get /v1/department/{deptNo}', 'GET', '/v1/department/d002'],
    ['post /api/departments', 'POST', '/api/departments', { deptNo: 'o2', deptName: 'n' }],
    ['get /health/ready', 'GET', '/health/ready'],
  ];
  const expect503 = async ([op, method, path, b]: [string, string, string, unknown?]) => {
    const res = await send(api.baseUrl, method, path, b === undefined ? {} : { headers: J, body: body(b) });
    see(op, res.status);
    expect(res.status).toBe(503);
    if (op !== 'get /health/ready') {
      expect(res.json).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
      expect(res.headers['retry-after']).toBe('1');
    }
  };

  it('Redis down: the Redis routes and the writes that must evict; then MariaDB down too: the rest', async () => {
    const mariadb = testMariaDb();
    await api.redis.kill();
    try {
      for (const op of ops) await expect503(op);
      await mariadb.stop();
      try {
        for (const op of dbOps) await expect503(op);
      } finally {
        await mariadb.start();
      }
    } finally {
      await api.redis.start({ empty: true });
    }
  });
});

describe('the OpenAPI document', () => {
  let doc: any;
  beforeAll(async () => {
    doc = (await send(api.baseUrl, 'GET', '/docs-json')).json;
  });

  it('is a valid OpenAPI document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('forbids unknown fields and states the id rule', () => {
    for (const name of ['DepartmentDto', 'CreateDepartmentDto', 'DepartmentRedisDto', 'Error']) expect(doc.components.schemas[name].additionalProperties).toBe(false);
    expect(doc.components.schemas.DepartmentDto.properties.deptNo.pattern).toBeDefined();
    expect(doc.paths['/v1/department/{deptNo}'].get.parameters[0].schema.pattern).toBeDefined();
  });

  it('lists, per operation, exactly the error statuses the corpus observed', () => {
    const documented: Record<string, number[]> = {};
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const errors = Object.keys(op.responses).map(Number).filter((s) => s >= 400);
        if (path.startsWith('/v1') || path.startsWith('/api') || path === '/health/ready') documented[`${method} ${path}`] = errors.sort();
      }
    }
    const seen: Record<string, number[]> = {};
    for (const op of Object.keys(documented)) seen[op] = [...(observed.get(op) ?? [])].filter((s) => s >= 400).sort();
    expect(seen).toEqual(documented);
  });
});
