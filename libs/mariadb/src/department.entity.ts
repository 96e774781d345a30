import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The study's DDL: dept_no varchar(40) PRIMARY KEY, dept_name varchar(40) NOT NULL UNIQUE, both
 * compared as bytes (utf8mb4_nopad_bin, migration 1710000000000) like Redis keys.
 */
@Entity({ name: 'departments' })
export class DepartmentEntity {
  @PrimaryColumn({ name: 'dept_no', type: 'varchar', length: 40, charset: 'utf8mb4', collation: 'utf8mb4_nopad_bin' })
  deptNo: string;

  @Column({ name: 'dept_name', type: 'varchar', length: 40, unique: true, charset: 'utf8mb4', collation: 'utf8mb4_nopad_bin' })
  deptName: string;
}
