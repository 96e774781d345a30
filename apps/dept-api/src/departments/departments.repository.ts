import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Department } from '@app/departments';
import { DepartmentEntity, isDatabaseUnavailable, isDuplicateKey, isLockWaitTimeout, isRolledBack } from '@app/mariadb';
import { ApiMetrics, DependencyState } from '@app/observability';
import { databaseUnavailable } from '../common/unavailable';

const SELECT_ALL = 'SELECT `dept_no` AS deptNo, `dept_name` AS deptName FROM `departments` ORDER BY `dept_no`';
const SELECT_ONE = 'SELECT `dept_no` AS deptNo, `dept_name` AS deptName FROM `departments` WHERE `dept_no` = ?';

/** Attempts of one statement when the failure is transient and a retry is safe. */
export const DB_ATTEMPTS = 3;
const RETRY_DELAY_MS = 50;

/**
 * Whether running a statement again after an unknown outcome (connection lost mid-query) gives
 * the same answer: reads and "set the name to X" do; an INSERT or DELETE whose first run may have
 * been applied would answer 409 or 404 the second time, so those are retried only when the server
 * says it rolled the statement back (a deadlock victim). A lock wait timeout is never retried:
 * the client has already waited innodb_lock_wait_timeout (50 s by default) once.
 */
type Retry = 'idempotent' | 'only-if-rolled-back';

/** MariaDB access for departments; maps driver failures to 409 / 503 answers. */
@Injectable()
export class DepartmentsRepository {
  readonly state: DependencyState;

  constructor(@InjectDataSource() private readonly ds: DataSource, private readonly metrics: ApiMetrics) {
    this.state = new DependencyState('mariadb', metrics.degraded);
  }

  private async run<T>(op: string, retry: Retry, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await fn();
        this.state.ok();
        return result;
      } catch (err) {
        if (isDuplicateKey(err)) {
          this.state.ok();
          throw new ConflictException(`a department with this ${/dept_name/.test((err as Error).message) ? 'deptName' : 'deptNo'} already exists`);
        }
        if (!isDatabaseUnavailable(err)) throw err;
        this.metrics.dbErrors.inc({ op });
        const safe = !isLockWaitTimeout(err) && (isRolledBack(err) || retry === 'idempotent');
        if (safe && attempt < DB_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, RETRY_DELAY_MS * attempt));
          continue;
        }
        if (!isRolledBack(err)) this.state.failed(err, 'database routes answer 503, cached routes keep serving from Redis');
        throw databaseUnavailable(err);
      }
    }
  }

  findAll(): Promise<Department[]> {
    // Raw rows: no entity hydration on the 1000-row path.
    return this.run('findAll', 'idempotent', () => this.ds.query(SELECT_ALL));
  }

  async findOne(deptNo: string): Promise<Department | undefined> {
    const rows: Department[] = await this.run('findOne', 'idempotent', () => this.ds.query(SELECT_ONE, [deptNo]));
    return rows[0];
  }

  async insert(d: Department): Promise<Department> {
    await this.run('insert', 'only-if-rolled-back', () => this.ds.getRepository(DepartmentEntity).insert({ deptNo: d.deptNo, deptName: d.deptName }));
    return { deptNo: d.deptNo, deptName: d.deptName };
  }

  async update(d: Department): Promise<Department> {
    const result = await this.run('update', 'idempotent', () => this.ds.getRepository(DepartmentEntity).update({ deptNo: d.deptNo }, { deptName: d.deptName }));
    if (!result.affected) {
      // MariaDB reports 0 affected rows when the name is unchanged; tell that apart from "unknown id".
      if (!(await this.findOne(d.deptNo))) throw new NotFoundException(`department ${d.deptNo} not found`);
    }
    return { deptNo: d.deptNo, deptName: d.deptName };
  }

  async delete(deptNo: string): Promise<void> {
    const result = await this.run('delete', 'only-if-rolled-back', () => this.ds.getRepository(DepartmentEntity).delete({ deptNo }));
    if (!result.affected) throw new NotFoundException(`department ${deptNo} not found`);
  }
}
