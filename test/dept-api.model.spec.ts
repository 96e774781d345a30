// Model-based property test (issue 9): random sequences of creates, reads, updates and deletes over
// the MariaDB routes and the Redis repository routes, with ids and names from tricky alphabets
// (case, accents, decomposed forms, whitespace, emoji, `findAll`, lone surrogates, control
// characters, `.`/`..`), run against the real app over real MariaDB and Redis. After every step
// the answer, and the cached list, are compared with an in-memory model of what the API promises:
// one id is one row and one set of cache keys, ids compare exactly (code point by code point),
// whatever POST accepts the other routes reach, and refused input changes nothing.
//
// CI runs a bounded number of sequences; a longer run: FUZZ_RUNS=2000 npx jest --runInBand test/dept-api.model.spec.ts
// (FUZZ_SEED=<n> replays one).
import fc from 'fast-check';
import Redis from 'ioredis';
import { setDepartmentRows } from '@app/mariadb';
import { TestApi, startApi } from './support/api';
import { Answer, send } from './support/raw';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** The study's seed rows, written here rather than imported: the model is an independent oracle. */
const SEED_ROWS: Array<[string, string]> = [
  ['d001', 'Marketing'], ['d002', 'Finance'], ['d003', 'Human Resources'], ['d004', 'Production'], ['d005', 'Development'],
  ['d006', 'Quality Management'], ['d007', 'Sales'], ['d008', 'Research'], ['d009', 'Customer Service'],
];

// ---- what the API promises (README, "Errors") ----------------------------------------------
const codePoints = (s: string) => [...s].length;
function validText(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  if (/\p{Cs}/u.test(s)) return false; // a lone surrogate cannot be stored
  const n = codePoints(s);
  if (n < 1 || n > 40) return false;
  if (/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/u.test(s)) return false;
  if (/^\s|\s$/u.test(s)) return false;
  return s.normalize('NFC') === s;
}
const validId = (s: unknown): s is string => validText(s) && s !== '.' && s !== '..';
const validPayload = (p: unknown) => p === undefined || (typeof p === 'string' && !/\p{Cs}/u.test(p) && codePoints(p) <= 4096);
/** MariaDB's ORDER BY on a binary collation: UTF-8 bytes. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface Model {
  rows: Map<string, string>;
  redis: Map<string, { deptName: string; payload?: string }>;
}
interface Real {
  base: string;
}

/** A path segment for any string, lone surrogates included (as WTF-8: the server must refuse them). */
function segment(id: string): string {
  let out = '';
  for (const ch of id) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) out += `%${(0xe0 | (cp >> 12)).toString(16)}%${(0x80 | ((cp >> 6) & 0x3f)).toString(16)}%${(0x80 | (cp & 0x3f)).toString(16)}`.toUpperCase();
    else out += encodeURIComponent(ch).replace(/\./g, '%2E');
  }
  return out;
}
/** JSON for a body, keeping lone surrogates as \u escapes (JSON.stringify does too). */
const json = (o: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(o) });

function expectStatus(res: Answer, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
  if (status >= 400) {
    const b = res.json;
    if (!b || b.statusCode !== status || typeof b.error !== 'string' || b.message === undefined) throw new Error(`${what}: not an error body: ${res.text.slice(0, 300)}`);
  }
}
function expectJson(res: Answer, expected: unknown, what: string): void {
  if (JSON.stringify(res.json) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${res.text.slice(0, 500)}`);
}

/** After every step: both list routes hold exactly the model's rows (the cached one included). */
async function checkList(m: Model, r: Real, after: string): Promise<void> {
  const expected = [...m.rows.entries()].sort(([a], [b]) => byBytes(a, b)).map(([deptNo, deptName]) => ({ deptNo, deptName }));
  for (const path of ['/v1/departments', '/v1/departmentsNoCache']) {
    const res = await send(r.base, 'GET', path);
    expectStatus(res, 200, `GET ${path} after ${after}`);
    expectJson(res, expected, `GET ${path} after ${after}`);
  }
}

type Cmd = fc.AsyncCommand<Model, Real, false>;
const show = (v: unknown) => JSON.stringify(v);

class Create implements Cmd {
  constructor(readonly deptNo: string | null | undefined, readonly deptName: string) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const what = `POST /api/departments ${show({ deptNo: this.deptNo, deptName: this.deptName })}`;
    const body: Record<string, unknown> = { deptName: this.deptName };
    if (this.deptNo !== undefined) body.deptNo = this.deptNo;
    const res = await send(r.base, 'POST', '/api/departments', json(body));
    if ((this.deptNo !== undefined && !validId(this.deptNo)) || !validText(this.deptName)) expectStatus(res, 400, what);
    else if ((this.deptNo && m.rows.has(this.deptNo)) || [...m.rows.values()].includes(this.deptName)) expectStatus(res, 409, what);
    else {
      expectStatus(res, 201, what);
      const id = this.deptNo ?? res.json?.deptNo;
      if (this.deptNo === undefined && !/^[0-9a-f-]{36}$/.test(id)) throw new Error(`${what}: generated id ${id}`);
      expectJson(res, { deptNo: id, deptName: this.deptName }, what);
      m.rows.set(id, this.deptName);
    }
    await checkList(m, r, what);
  }
  toString = () => `create(${show(this.deptNo)}, ${show(this.deptName)})`;
}

class Update implements Cmd {
  constructor(readonly deptNo: string, readonly deptName: string) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const what = `PUT /v1/department ${show({ deptNo: this.deptNo, deptName: this.deptName })}`;
    const res = await send(r.base, 'PUT', '/v1/department', json({ deptNo: this.deptNo, deptName: this.deptName }));
    const owner = [...m.rows.entries()].find(([, n]) => n === this.deptName)?.[0];
    if (!validId(this.deptNo) || !validText(this.deptName)) expectStatus(res, 400, what);
    else if (!m.rows.has(this.deptNo)) expectStatus(res, 404, what);
    else if (owner !== undefined && owner !== this.deptNo) expectStatus(res, 409, what);
    else {
      expectStatus(res, 200, what);
      expectJson(res, { deptNo: this.deptNo, deptName: this.deptName }, what);
      m.rows.set(this.deptNo, this.deptName);
    }
    await checkList(m, r, what);
  }
  toString = () => `update(${show(this.deptNo)}, ${show(this.deptName)})`;
}

class Read implements Cmd {
  constructor(readonly deptNo: string) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const what = `GET /v1/department/${segment(this.deptNo)}`;
    const res = await send(r.base, 'GET', `/v1/department/${segment(this.deptNo)}`);
    if (!validId(this.deptNo)) expectStatus(res, 400, what);
    else if (!m.rows.has(this.deptNo)) expectStatus(res, 404, what);
    else {
      expectStatus(res, 200, what);
      expectJson(res, { deptNo: this.deptNo, deptName: m.rows.get(this.deptNo) }, what);
    }
  }
  toString = () => `read(${show(this.deptNo)})`;
}

class Delete implements Cmd {
  constructor(readonly deptNo: string) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const what = `DELETE /v1/department/${segment(this.deptNo)}`;
    const res = await send(r.base, 'DELETE', `/v1/department/${segment(this.deptNo)}`);
    if (!validId(this.deptNo)) expectStatus(res, 400, what);
    else if (!m.rows.has(this.deptNo)) expectStatus(res, 404, what);
    else {
      expectStatus(res, 204, what);
      m.rows.delete(this.deptNo);
    }
    await checkList(m, r, what);
  }
  toString = () => `delete(${show(this.deptNo)})`;
}

class SaveRedis implements Cmd {
  constructor(readonly deptNo: string, readonly deptName: string, readonly payload: string | null | undefined) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const body: Record<string, unknown> = { deptNo: this.deptNo, deptName: this.deptName };
    if (this.payload !== undefined) body.payload = this.payload;
    const what = `POST /api/departmentRedises ${show(body)}`;
    const res = await send(r.base, 'POST', '/api/departmentRedises', json(body));
    if (!validId(this.deptNo) || !validText(this.deptName) || this.payload === null || !validPayload(this.payload)) expectStatus(res, 400, what);
    else {
      expectStatus(res, 201, what);
      expectJson(res, body, what);
      m.redis.set(this.deptNo, this.payload === undefined ? { deptName: this.deptName } : { deptName: this.deptName, payload: this.payload });
    }
  }
  toString = () => `saveRedis(${show(this.deptNo)}, ${show(this.deptName)}, ${show(this.payload)})`;
}

class ReadRedis implements Cmd {
  constructor(readonly deptNo: string) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const what = `GET /api/departmentRedises/${segment(this.deptNo)}`;
    const res = await send(r.base, 'GET', `/api/departmentRedises/${segment(this.deptNo)}`);
    const d = m.redis.get(this.deptNo);
    if (!validId(this.deptNo)) expectStatus(res, 400, what);
    else if (!d) expectStatus(res, 404, what);
    else {
      expectStatus(res, 200, what);
      expectJson(res, { deptNo: this.deptNo, ...d }, what);
    }
  }
  toString = () => `readRedis(${show(this.deptNo)})`;
}

class DeleteRedis implements Cmd {
  constructor(readonly deptNo: string) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const what = `DELETE /api/departmentRedises/${segment(this.deptNo)}`;
    const res = await send(r.base, 'DELETE', `/api/departmentRedises/${segment(this.deptNo)}`);
    if (!validId(this.deptNo)) expectStatus(res, 400, what);
    else if (!m.redis.has(this.deptNo)) expectStatus(res, 404, what);
    else {
      expectStatus(res, 204, what);
      m.redis.delete(this.deptNo);
    }
  }
  toString = () => `deleteRedis(${show(this.deptNo)})`;
}

// ---- tricky alphabets -------------------------------------------------------------------------
const TRICKY_IDS = [
  'd001', 'D001', 'd002', 'd002 ', ' d002', 'findAll', 'FindAll', 'café', 'cafe', 'cafe\u0301', 'CAFÉ', 'ß', 'ss', 'İ', 'i',
  '😀'.repeat(40), '😀'.repeat(41), '👩‍💻', '\ud800', 'a\udc00', '.', '..', '   ', 'a b', 'a/b', 'a%2F', '?x', '#', 'x'.repeat(40),
  'x'.repeat(41), 'a\u0000', 'a\nb', 'ﬁ', 'fi', '\u202eevil', 'Ω', 'Ω',
];
const PIECES = ['d', 'D', 'é', 'e\u0301', ' ', '😀', '\ud83d', 'A', '0', '.', '/', '%', '\t', 'ß', 'findAll'];
const idArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY_IDS) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 4 }).map((p) => p.join('')) },
);
const NAMES = ['Marketing', 'marketing', 'Finance', 'n1', 'n2', 'Ñame', 'Name ', '   ', '', 'x'.repeat(41), '😀'.repeat(40), 'a\u0000b', 'r\u00e9sum\u00e9', 're\u0301sume\u0301', 'a\r\nb', '\udfff'];
const nameArb = fc.constantFrom(...NAMES);
const payloadArb = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constantFrom('p', 'x'.repeat(100), '\u0000bin', '\ud800'));

const commands = [
  fc.tuple(fc.oneof({ weight: 6, arbitrary: idArb }, { weight: 1, arbitrary: fc.constantFrom(undefined, null) }), nameArb).map(([id, n]) => new Create(id, n)),
  fc.tuple(idArb, nameArb).map(([id, n]) => new Update(id, n)),
  idArb.map((id) => new Read(id)),
  idArb.map((id) => new Delete(id)),
  fc.tuple(idArb, nameArb, payloadArb).map(([id, n, p]) => new SaveRedis(id, n, p)),
  idArb.map((id) => new ReadRedis(id)),
  idArb.map((id) => new DeleteRedis(id)),
];

let api: TestApi;
let redis: Redis;

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

it(`random sequences of CRUD over tricky ids agree with the model (${RUNS} sequences)`, async () => {
  let sequences = 0;
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
      sequences++;
      await setDepartmentRows(api.db, SEED_ROWS.length);
      await redis.flushall();
      const model: Model = { rows: new Map(SEED_ROWS), redis: new Map() };
      await fc.asyncModelRun(() => ({ model, real: { base: api.baseUrl } }), cmds);
    }),
    { numRuns: RUNS, seed: SEED, verbose: 1, endOnFailure: process.env.FUZZ_SHRINK === undefined },
  );
  console.log(`model test: ${sequences} sequences run (FUZZ_RUNS=${RUNS})`);
}, Math.max(120_000, RUNS * 3000));
