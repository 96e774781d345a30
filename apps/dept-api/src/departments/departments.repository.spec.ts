// DepartmentsRepository against the run's real MariaDB: binary identity, and transient errors
// (lock wait timeout, deadlock, lost connection) answered 503 after the retries that are safe.
import { ConflictException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SEED_DEPARTMENTS } from '@app/departments';
import { databaseFromEnv } from '@app/config';
import { createDataSource, setDepartmentRows } from '@app/mariadb';
import { ApiMetrics } from '@app/observability';
import { testDatabaseEnv } from '../../../../test/support/api';
import { DB_ATTEMPTS, DepartmentsRepository } from './departments.repository';

let ds: DataSource;
let locker: DataSource;
let repo: DepartmentsRepository;

beforeAll(async () => {
  const config = databaseFromEnv(testDatabaseEnv());
  // One connection, so the short lock wait set on it below applies to every statement.
  ds = createDataSource({ ...config, poolSize: 1 });
  await ds.initialize();
  await ds.runMigrations();
  await ds.query('SET SESSION innodb_lock_wait_timeout = 1');
  locker = createDataSource({ ...config, poolSize: 1, migrate: false });
  await locker.initialize();
  repo = new DepartmentsRepository(ds, new ApiMetrics('repo-spec', false));
});

afterAll(async () => {
  await locker?.destroy();
  await ds?.destroy();
});

beforeEach(() => setDepartmentRows(ds, SEED_DEPARTMENTS.length));

it('compares ids byte for byte: case, accents and trailing spaces are other ids', async () => {
  expect(await repo.findOne('d001')).toEqual({ deptNo: 'd001', deptName: 'Marketing' });
  for (const other of ['D001', 'd001 ', 'ď001']) expect(await repo.findOne(other)).toBeUndefined();
  await repo.insert({ deptNo: 'D001', deptName: 'marketing' });
  expect(await repo.findOne('D001')).toEqual({ deptNo: 'D001', deptName: 'marketing' });
  await expect(repo.insert({ deptNo: 'd001', deptName: 'x' })).rejects.toBeInstanceOf(ConflictException);
  await expect(repo.update({ deptNo: 'd404', deptName: 'x' })).rejects.toBeInstanceOf(NotFoundException);
});

it('keeps 40 emoji as 40 characters', async () => {
  const id = '😀'.repeat(40);
  await repo.insert({ deptNo: id, deptName: '🎉'.repeat(40) });
  expect(await repo.findOne(id)).toEqual({ deptNo: id, deptName: '🎉'.repeat(40) });
});

it('a lock wait timeout answers 503 at once (the client has waited the lock timeout already), and nothing changes', async () => {
  const q = locker.createQueryRunner();
  await q.startTransaction();
  await q.query("SELECT * FROM departments WHERE dept_no = 'd001' FOR UPDATE");
  try {
    const started = Date.now();
    await expect(repo.update({ deptNo: 'd001', deptName: 'Locked' })).rejects.toBeInstanceOf(ServiceUnavailableException);
    expect(Date.now() - started).toBeLessThan(2500);
  } finally {
    await q.rollbackTransaction();
    await q.release();
  }
  expect(await repo.findOne('d001')).toEqual({ deptNo: 'd001', deptName: 'Marketing' });
});

describe('with a driver that fails', () => {
  const failing = (errors: unknown[], result: unknown) => {
    const calls = { n: 0 };
    const fake = {
      query: async () => {
        calls.n++;
        if (errors.length) throw errors.shift();
        return result;
      },
      getRepository: () => ({ insert: fake.query, update: fake.query, delete: fake.query }),
    };
    return { repo: new DepartmentsRepository(fake as unknown as DataSource, new ApiMetrics('repo-spec', false)), calls };
  };
  const deadlock = Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 });
  const lost = Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' });

  it('a deadlock victim is run again, even an INSERT (the server rolled it back)', async () => {
    const { repo: r, calls } = failing([deadlock], {});
    await expect(r.insert({ deptNo: 'x', deptName: 'y' })).resolves.toEqual({ deptNo: 'x', deptName: 'y' });
    expect(calls.n).toBe(2);
  });

  it('a lost connection is retried for reads, not for an INSERT or DELETE whose outcome is unknown', async () => {
    const read = failing([lost], [{ deptNo: 'a', deptName: 'b' }]);
    await expect(read.repo.findOne('a')).resolves.toEqual({ deptNo: 'a', deptName: 'b' });
    expect(read.calls.n).toBe(2);
    const insert = failing([lost], {});
    await expect(insert.repo.insert({ deptNo: 'x', deptName: 'y' })).rejects.toBeInstanceOf(ServiceUnavailableException);
    expect(insert.calls.n).toBe(1);
    const del = failing([lost], { affected: 1 });
    await expect(del.repo.delete('x')).rejects.toBeInstanceOf(ServiceUnavailableException);
    expect(del.calls.n).toBe(1);
  });

  it('gives up after the attempts with 503, never 500', async () => {
    const { repo: r, calls } = failing([deadlock, deadlock, deadlock, deadlock], [{ deptNo: 'a', deptName: 'b' }]);
    await expect(r.findAll()).rejects.toBeInstanceOf(ServiceUnavailableException);
    expect(calls.n).toBe(DB_ATTEMPTS);
  });
});
