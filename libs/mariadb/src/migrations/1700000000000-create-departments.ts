import { MigrationInterface, QueryRunner } from 'typeorm';
import { SEED_DEPARTMENTS } from '@app/departments';

/** Creates `departments` exactly as the study's DDL and inserts the seed rows d001-d009. */
export class CreateDepartments1700000000000 implements MigrationInterface {
  name = 'CreateDepartments1700000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE IF NOT EXISTS `departments` (' +
        '`dept_no` varchar(40) NOT NULL, `dept_name` varchar(40) NOT NULL, ' +
        'PRIMARY KEY (`dept_no`), UNIQUE KEY `dept_name` (`dept_name`)' +
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    );
    const values = SEED_DEPARTMENTS.map(() => '(?, ?)').join(', ');
    await q.query(
      `INSERT IGNORE INTO \`departments\` (\`dept_no\`, \`dept_name\`) VALUES ${values}`,
      SEED_DEPARTMENTS.flatMap((d) => [d.deptNo, d.deptName]),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS `departments`');
  }
}
