import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from './binaries';
import { assertPortFree, canConnect } from './net';
import { waitFor } from '../../async/src'; // relative: test/global-setup.ts loads libs/procs outside Jest's moduleNameMapper
import { isAlive, readPid, removeFile, spawnDaemon, stopPid } from './process';

const run = promisify(execFile);

export interface MariaDbServerOptions {
  name?: string;
  port: number;
  /** Folder holding `data/`, the socket, the log and the pid file. */
  dir: string;
  /** A data folder made once by mariadb-install-db, copied instead of initialising again. */
  template?: string;
  bufferPoolMb?: number;
}

/**
 * A private MariaDB server for the lab: its own data folder and port on 127.0.0.1, never the
 * system's. root has no password and is reachable only through the socket in `dir`.
 */
export class MariaDbServer {
  constructor(readonly options: MariaDbServerOptions) {}

  get port(): number {
    return this.options.port;
  }
  get dataDir(): string {
    return join(this.options.dir, 'data');
  }
  get socket(): string {
    return join(this.options.dir, 'mariadb.sock');
  }
  get pidFile(): string {
    return join(this.options.dir, 'mariadb.pid');
  }
  get logFile(): string {
    return join(this.options.dir, 'mariadb.log');
  }
  get pid(): number | undefined {
    return readPid(this.pidFile);
  }
  running(): boolean {
    return isAlive(this.pid);
  }

  private userArgs(): string[] {
    return process.getuid?.() === 0 ? ['--user=root'] : [];
  }

  /** Creates the system tables once; later starts reuse them. */
  async init(): Promise<void> {
    if (existsSync(join(this.dataDir, 'mysql'))) return;
    mkdirSync(this.options.dir, { recursive: true });
    if (this.options.template && existsSync(join(this.options.template, 'mysql'))) {
      cpSync(this.options.template, this.dataDir, { recursive: true });
      return;
    }
    const bin = requireBinary('mariadb-install-db');
    rmSync(this.dataDir, { recursive: true, force: true });
    try {
      await run(bin, [
        '--no-defaults', `--datadir=${this.dataDir}`, '--auth-root-authentication-method=socket',
        '--skip-test-db', ...this.userArgs(),
      ], { timeout: 120_000 });
    } catch (err) {
      throw new Error(`mariadb-install-db failed for ${this.dataDir}: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  async start({ timeoutMs = 60_000 } = {}): Promise<void> {
    if (this.running()) return;
    const bin = requireBinary('mariadbd');
    await assertPortFree(this.port, `mariadb ${this.options.name ?? ''}`.trim());
    await this.init();
    spawnDaemon(bin, [
      '--no-defaults', `--datadir=${this.dataDir}`, `--port=${this.port}`, '--bind-address=127.0.0.1',
      `--socket=${this.socket}`, `--pid-file=${join(this.options.dir, 'mariadbd.pid')}`,
      `--innodb-buffer-pool-size=${this.options.bufferPoolMb ?? 256}M`, '--innodb-log-file-size=64M',
      '--skip-name-resolve', '--max-connections=500', '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci', ...this.userArgs(),
    ], { logFile: this.logFile, pidFile: this.pidFile });
    await waitFor(`mariadb on 127.0.0.1:${this.port} (log: ${this.logFile})`, async () => {
      if (!this.running()) throw new Error(`mariadbd exited at start; see ${this.logFile}`);
      return existsSync(this.socket) && (await canConnect(this.port));
    }, timeoutMs);
  }

  /** Runs SQL as root through the socket (for setup: databases and users). */
  async rootSql(sql: string): Promise<string> {
    const bin = requireBinary('mariadb');
    const { stdout } = await run(bin, ['--no-defaults', '-uroot', `--socket=${this.socket}`, '-N', '-B', '-e', sql], { timeout: 30_000 });
    return stdout;
  }

  async kill(): Promise<void> {
    await stopPid(this.pid, 'SIGKILL');
    removeFile(this.pidFile);
  }

  async stop(): Promise<void> {
    await stopPid(this.pid, 'SIGTERM', 30_000);
    removeFile(this.pidFile);
  }
}
