import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The study's DDL: dept_no varchar(40) PRIMARY KEY, dept_name varchar(40) NOT NULL UNIQUE. */
@Entity({ name: 'departments' })
export class DepartmentEntity {
  @PrimaryColumn({ name: 'dept_no', type: 'varchar', length: 40 })
  deptNo: string;

  @Column({ name: 'dept_name', type: 'varchar', length: 40, unique: true })
  deptName: string;
}
