import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One identity for MariaDB and Redis: the key columns compare bytes (`utf8mb4_nopad_bin`), as
 * Redis keys do. The study's DDL left the table's default collation, which is case-, accent- and
 * trailing-space-insensitive: `D001`, `d001 ` and `d001` were one row but three cache keys, so a
 * write under one spelling left the others cached. `nopad` matters: MariaDB's `utf8mb4_bin` is a
 * PAD SPACE collation and would still find `d001` for `d001 `. The name column follows, so a
 * name's uniqueness uses the same equality as everything else. Going to a finer collation
 * cannot create duplicates, so the change applies to any existing table.
 */
export class BinaryKeyCollation1710000000000 implements MigrationInterface {
  name = 'BinaryKeyCollation1710000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE `departments` ' +
        'MODIFY `dept_no` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL, ' +
        'MODIFY `dept_name` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL',
    );
  }

  /** Back to the table's default collation; fails if rows now differ only by case or accents. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE `departments` ' +
        'MODIFY `dept_no` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL, ' +
        'MODIFY `dept_name` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL',
    );
  }
}
