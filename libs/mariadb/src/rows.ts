import { DataSource } from 'typeorm';
import { SEED_DEPARTMENTS } from '@app/departments';

/**
 * Sets `departments` to exactly `n` rows: the seed rows first, then generated ones (`g00010`,
 * `generated_000010`), the study's 10- and 1000-row runs. Idempotent.
 */
export async function setDepartmentRows(ds: DataSource, n: number, extraPayloadBytes = 0): Promise<void> {
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new Error(`row count must be 0..1000000, got ${n}`);
  const rows: Array<[string, string]> = [];
  for (let i = 0; i < n; i++) {
    if (i < SEED_DEPARTMENTS.length && extraPayloadBytes === 0) rows.push([SEED_DEPARTMENTS[i].deptNo, SEED_DEPARTMENTS[i].deptName]);
    else rows.push([`g${String(i + 1).padStart(5, '0')}`, `generated_${String(i + 1).padStart(6, '0')}`]);
  }
  await ds.transaction(async (m) => {
    await m.query('DELETE FROM `departments`');
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await m.query(
        `INSERT INTO \`departments\` (\`dept_no\`, \`dept_name\`) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
        chunk.flat(),
      );
    }
  });
}
