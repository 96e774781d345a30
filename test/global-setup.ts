// Starts one private MariaDB for the whole test run (its own folder and free port under .run/),
// creates the lab's database and application user, and hands their coordinates to the tests
// through environment variables. Redis servers are started by each test file as it needs them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readdirSync, rmSync } from 'node:fs';
import { MariaDbServer, freePort, isAlive, stopLedger } from '../libs/procs/src';

/** A run killed before its teardown (Ctrl-C, a crash) leaves servers; the next run stops them. */
async function cleanUpDeadRuns(runs: string): Promise<void> {
  let entries: string[] = [];
  try {
    entries = readdirSync(runs).filter((e) => /^test-\d+$/.test(e));
  } catch {
    return;
  }
  for (const e of entries) {
    if (isAlive(Number(e.slice(5)))) continue;
    await stopLedger(join(runs, e, 'pids'));
    rmSync(join(runs, e), { recursive: true, force: true });
  }
}

export default async function globalSetup(): Promise<void> {
  const runs = join(__dirname, '..', '.run');
  await cleanUpDeadRuns(runs);
  const root = join(runs, `test-${process.pid}`);
  mkdirSync(root, { recursive: true });
  process.env.PROCS_PID_LEDGER = join(root, 'pids');
  const template = join(__dirname, '..', '.run', 'mariadb-template');
  const seed = new MariaDbServer({ port: 0, dir: join(__dirname, '..', '.run', 'mariadb-template-build') });
  // One initialised data folder is kept and copied: mariadb-install-db takes seconds each time.
  await seed.init();
  const { cpSync, existsSync } = await import('node:fs');
  if (!existsSync(join(template, 'mysql'))) cpSync(seed.dataDir, template, { recursive: true });

  const port = await freePort();
  const db = new MariaDbServer({ name: 'test', port, dir: join(root, 'mariadb'), template, bufferPoolMb: 64 });
  await db.start();
  const password = randomBytes(12).toString('hex');
  await db.rootSql(
    "CREATE DATABASE IF NOT EXISTS employees; " +
      `CREATE USER IF NOT EXISTS 'dept'@'127.0.0.1' IDENTIFIED BY '${password}'; ` +
      "GRANT ALL PRIVILEGES ON employees.* TO 'dept'@'127.0.0.1'; FLUSH PRIVILEGES;",
  );
  Object.assign(process.env, {
    TEST_RUN_DIR: root,
    TEST_DB_PORT: String(port),
    TEST_DB_DIR: db.options.dir,
    TEST_DB_TEMPLATE: template,
    TEST_DB_PASSWORD: password,
    TEST_DB_USER: 'dept',
    TEST_DB_NAME: 'employees',
  });
  writeFileSync(join(root, 'env.json'), JSON.stringify({ port, password }));
}
