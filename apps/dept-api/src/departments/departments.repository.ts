import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Department } from '@app/departments';
import { DepartmentEntity, isDatabaseUnavailable, isDuplicateKey } from '@app/mariadb';
import { ApiMetrics, DependencyState } from '@app/observability';
import { withTimeout } from '@app/async';
import { databaseUnavailable } from '../common/unavailable';

const SELECT_ALL = 'SELECT `dept_no` AS deptNo, `dept_name` AS deptName FROM `departments` ORDER BY `dept_no`';
const SELECT_ONE = 'SELECT `dept_no` AS deptNo, `dept_name` AS deptName FROM `departments` WHERE `dept_no` = ?';

/** MariaDB access for departments; maps driver failures to 409 / 503 answers. */
@Injectable()
export class DepartmentsRepository {
  readonly state: DependencyState;

  constructor(@InjectDataSource() private readonly ds: DataSource, private readonly metrics: ApiMetrics) {
    this.state = new DependencyState('mariadb', metrics.degraded);
  }

  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.state.ok();
      return result;
    } catch (err) {
      if (isDuplicateKey(err)) {
        this.state.ok();
        throw new ConflictException(`a department with this ${/dept_name/.test((err as Error).message) ? 'deptName' : 'deptNo'} already exists`);
      }
      if (isDatabaseUnavailable(err)) {
        this.metrics.dbErrors.inc({ op });
        this.state.failed(err, 'database routes answer 503, cached routes keep serving from Redis');
        throw databaseUnavailable(err);
      }
      throw err;
    }
  }

  findAll(): Promise<Department[]> {
    // Raw rows: no entity hydration on the 1000-row path.
    return this.run('findAll', () => this.ds.query(SELECT_ALL));
  }

  async findOne(deptNo: string): Promise<Department | undefined> {
    const rows: Department[] = await this.run('findOne', () => this.ds.query(SELECT_ONE, [deptNo]));
    return rows[0];
  }

  async insert(d: Department): Promise<Department> {
    await this.run('insert', () => this.ds.getRepository(DepartmentEntity).insert({ deptNo: d.deptNo, deptName: d.deptName }));
    return { deptNo: d.deptNo, deptName: d.deptName };
  }

  async update(d: Department): Promise<Department> {
    const result = await this.run('update', () => this.ds.getRepository(DepartmentEntity).update({ deptNo: d.deptNo }, { deptName: d.deptName }));
    if (!result.affected) {
      // MariaDB reports 0 affected rows when the name is unchanged; tell that apart from "unknown id".
      if (!(await this.findOne(d.deptNo))) throw new NotFoundException(`department ${d.deptNo} not found`);
    }
    return { deptNo: d.deptNo, deptName: d.deptName };
  }

  async delete(deptNo: string): Promise<void> {
    const result = await this.run('delete', () => this.ds.getRepository(DepartmentEntity).delete({ deptNo }));
    if (!result.affected) throw new NotFoundException(`department ${deptNo} not found`);
  }

  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(this.ds.query('SELECT 1'), timeoutMs);
  }
}
