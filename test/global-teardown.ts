import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MariaDbServer, stopLedger } from '../libs/procs/src';

export default async function globalTeardown(): Promise<void> {
  const root = process.env.TEST_RUN_DIR;
  if (!root) return;
  const db = new MariaDbServer({ port: Number(process.env.TEST_DB_PORT), dir: join(root, 'mariadb') });
  await db.stop();
  // Servers a failed test did not stop (the ledger lists every one this run started).
  await stopLedger(join(root, 'pids'));
  rmSync(root, { recursive: true, force: true });
}
