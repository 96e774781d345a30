import {
  PROFILES,
  SCENARIOS,
  baseUrlForVu,
  checkDepartmentList,
  checkEchoedRow,
  getDepartments,
  haWrite,
  parseBaseUrls,
  parseDurationSec,
  postMariadb,
  postRedis,
  seededRandom,
  spreadVUs,
  tableCells,
  kill,
} from './index';
import type { BodyContext, Cell } from './types';

const ctx = (vu: number, iter: number, extra = 0): BodyContext => ({
  vu,
  iter,
  rand: seededRandom(42, vu, iter),
  runTag: 'abc123',
  payloadExtraBytes: extra,
});

describe('scenario definitions', () => {
  it('GET matrix has the study rows x the four backends, with the no-cache route for mariadb', () => {
    const cells = tableCells('get', 'study');
    expect(cells).toHaveLength(5 * 4);
    const rows = [...new Set(cells.map((c) => `${c.studyRow.vUsers}/${c.studyRow.rows}/${c.studyRow.replicas}`))];
    expect(rows).toEqual(['1000/10/1', '2000/10/1', '3000/10/1', '3000/10/2', '1000/1000/1']);
    for (const c of cells) {
      const req = getDepartments.request(c);
      expect(req.path).toBe(c.backend === 'mariadb' ? '/v1/departmentsNoCache' : '/v1/departments');
      expect(c.vUsers).toBe(c.studyRow.vUsers);
      expect(c.durationSec).toBe(120);
    }
  });

  it('POST matrix: mariadb from post-mariadb, the three Redis variants from post-redis', () => {
    const cells = tableCells('post', 'study');
    expect(cells).toHaveLength(4 * 4);
    expect(cells.filter((c) => c.backend === 'mariadb').every((c) => c.scenario === 'post-mariadb')).toBe(true);
    expect(cells.filter((c) => c.backend !== 'mariadb').every((c) => c.scenario === 'post-redis')).toBe(true);
  });

  it('scales vUsers and durations by profile and keeps cell ids profile-independent', () => {
    const local = tableCells('get', 'local');
    const study = tableCells('get', 'study');
    expect(local.map((c) => c.id)).toEqual(study.map((c) => c.id));
    expect([...new Set(local.map((c) => c.vUsers))].sort((a, b) => a - b)).toEqual([50, 100, 150]);
    expect(local.every((c) => c.durationSec === 15)).toBe(true);
    const ids = Object.values(SCENARIOS).flatMap((d) => d.cells('local').map((c) => c.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('kill timing keeps the study proportion (kill at 100 of 180 s) in every profile', () => {
    for (const p of ['smoke', 'local', 'study'] as const) {
      const k = PROFILES[p].kill;
      expect(k.killAtSec / k.durationSec).toBeCloseTo(100 / 180, 1);
      expect(k.killAtSec + k.restartDelaySec).toBeLessThan(k.durationSec);
    }
    const cells = kill.cells('study');
    expect(cells.map((c) => `${c.backend}:${c.method}`)).toEqual([
      'redis:GET', 'redis:POST', 'redis-aof:GET', 'redis-aof:POST', 'redis-always:GET', 'redis-always:POST',
    ]);
  });

  it("the study's generator makes t%04d / test_%06d, deterministically from (seed, vu, iter)", () => {
    const spec = postRedis.request(tableCells('post', 'local')[1]);
    const a = spec.body!(ctx(3, 7));
    expect(a).toMatch(/^\{"deptNo":"t\d{4}","deptName":"test_\d{6}"\}$/);
    expect(spec.body!(ctx(3, 7))).toBe(a);
    expect(spec.body!(ctx(3, 8))).not.toBe(a);
    // "+100 bytes" travels in `payload`; deptName keeps the study's shape (and its 40-char limit).
    const padded = JSON.parse(spec.body!(ctx(3, 7, 100))) as { deptName: string; payload: string };
    expect(padded.deptName).toMatch(/^test_\d{6}$/);
    expect(padded.payload).toBe('x'.repeat(100));
  });

  it('unique ids for mariadb POST never repeat, fit the 40-char column, and 409 is then an error', () => {
    const cell = tableCells('post', 'local').find((c) => c.backend === 'mariadb')!;
    const spec = postMariadb.request(cell);
    expect(spec.answeredStatuses).toEqual([]);
    const seen = new Set<string>();
    for (let vu = 1; vu <= 150; vu++)
      for (let iter = 0; iter < 200; iter++) {
        const no = spec.writtenId!(spec.body!(ctx(vu, iter)));
        expect(no!.length).toBeLessThanOrEqual(40);
        seen.add(no!);
      }
    expect(seen.size).toBe(150 * 200);
    const random = postMariadb.request({ ...cell, idMode: 'random' });
    expect(random.answeredStatuses).toEqual([409]);
  });

  it('ha-write keys carry the h<tag>- prefix the sync check scans for', () => {
    const cell = haWrite.cells('smoke')[0];
    const spec = haWrite.request(cell);
    expect(spec.writtenId!(spec.body!(ctx(2, 5)))).toBe('habc123-2-5');
    expect(cell.rampUpSec).toBeGreaterThan(0);
  });

  it('GET check: exact row count and shape, quick and full', () => {
    const rows = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ deptNo: `d${i}`, deptName: `n${i}` })));
    const check = checkDepartmentList(10);
    expect(check({ status: 200, body: rows(10) }, undefined, 'quick')).toBeNull();
    expect(check({ status: 200, body: rows(10) }, undefined, 'full')).toBeNull();
    expect(check({ status: 200, body: rows(9) }, undefined, 'quick')).toBe('wrong row count');
    expect(check({ status: 200, body: rows(9) }, undefined, 'full')).toBe('wrong row count');
    expect(check({ status: 200, body: '{}' }, undefined, 'quick')).toBe('not a JSON array');
    const broken = rows(10).replace('"deptName":"n3"', '"deptName":3');
    expect(check({ status: 200, body: broken }, undefined, 'full')).toBe('row without deptNo/deptName');
  });

  it('POST check: the echoed row must equal the sent one', () => {
    const sent = '{"deptNo":"t0001","deptName":"test_000001"}';
    expect(checkEchoedRow({ status: 201, body: sent }, sent)).toBeNull();
    expect(checkEchoedRow({ status: 201, body: '{"deptNo":"t0001","deptName":"x"}' }, sent)).toBe('deptName not echoed');
    expect(checkEchoedRow({ status: 201, body: 'ok' }, sent)).toBe('invalid JSON');
  });

  it('spreads VUs over base URLs like a Service spreads connections', () => {
    expect(spreadVUs(150, 2)).toEqual([75, 75]);
    expect(spreadVUs(5, 2)).toEqual([3, 2]);
    const urls = parseBaseUrls(' http://127.0.0.1:8080/ ,http://127.0.0.1:8081');
    expect(urls).toEqual(['http://127.0.0.1:8080', 'http://127.0.0.1:8081']);
    const perUrl = [0, 0];
    for (let vu = 1; vu <= 5; vu++) perUrl[urls.indexOf(baseUrlForVu(vu, urls))]++;
    expect(perUrl).toEqual(spreadVUs(5, 2));
  });

  it('parses k6-style durations and rejects junk', () => {
    expect(parseDurationSec('15s')).toBe(15);
    expect(parseDurationSec('1m30s')).toBe(90);
    expect(parseDurationSec('120')).toBe(120);
    expect(() => parseDurationSec('soon')).toThrow(/not a duration/);
  });

  it('every cell names a request its definition can build', () => {
    for (const def of Object.values(SCENARIOS))
      for (const p of ['smoke', 'local', 'study'] as const)
        for (const cell of def.cells(p) as Cell[]) {
          const req = def.request(cell);
          expect(req.method).toBe(cell.method);
          expect(cell.scenario).toBe(def.id);
        }
  });
});
