import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries';
import { assertPortFree, canConnect } from './net';
import { waitFor } from '../../async/src'; // relative: test/global-setup.ts loads libs/procs outside Jest's moduleNameMapper
import { isAlive, readPid, removeFile, spawnDaemon, stopPid } from './process';

/** The study's three persistence settings. */
export type Persistence = 'none' | 'everysec' | 'always';

export interface RedisServerOptions {
  name: string;
  port: number;
  /** Folder for the data, log and pid files. */
  dir: string;
  persistence?: Persistence;
  /** When set, clients must AUTH with it (and replicas use it as masterauth). */
  password?: string;
  /** Extra `--name value` pairs for redis-server. */
  extra?: string[];
}

/** One redis-server process, started and stopped like the study's pods (SIGKILL = pod killed). */
export class RedisServer {
  constructor(readonly options: RedisServerOptions) {}

  get port(): number {
    return this.options.port;
  }
  get name(): string {
    return this.options.name;
  }
  get pidFile(): string {
    return join(this.options.dir, 'redis.pid');
  }
  get logFile(): string {
    return join(this.options.dir, 'redis.log');
  }
  get pid(): number | undefined {
    return readPid(this.pidFile);
  }
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  running(): boolean {
    return isAlive(this.pid);
  }

  args(): string[] {
    const o = this.options;
    const persistence = o.persistence ?? 'none';
    const args = [
      '--port', String(o.port),
      '--bind', '127.0.0.1',
      '--dir', o.dir,
      '--daemonize', 'no',
      '--save', '',
      '--appendonly', persistence === 'none' ? 'no' : 'yes',
      '--appendfsync', persistence === 'always' ? 'always' : 'everysec',
      '--protected-mode', 'no',
    ];
    if (o.password) args.push('--requirepass', o.password, '--masterauth', o.password);
    if (o.extra) args.push(...o.extra);
    return args;
  }

  /** Starts the server (optionally with an empty data folder, like a pod without a volume). */
  async start({ empty = false, timeoutMs = 15_000 } = {}): Promise<void> {
    if (this.running()) return;
    const bin = requireBinary('redis-server');
    await assertPortFree(this.port, `redis ${this.name}`);
    if (empty) this.wipe();
    mkdirSync(this.options.dir, { recursive: true });
    spawnDaemon(bin, this.args(), { logFile: this.logFile, pidFile: this.pidFile });
    await waitFor(`redis ${this.name} on 127.0.0.1:${this.port} (log: ${this.logFile})`, async () => {
      if (!this.running()) throw new Error(`redis ${this.name} exited at start; see ${this.logFile}`);
      return canConnect(this.port);
    }, timeoutMs);
  }

  /** Removes the data (RDB, AOF) but keeps the log. */
  wipe(): void {
    rmSync(join(this.options.dir, 'appendonlydir'), { recursive: true, force: true });
    rmSync(join(this.options.dir, 'appendonly.aof'), { force: true });
    rmSync(join(this.options.dir, 'dump.rdb'), { force: true });
  }

  /** SIGKILL: the process is gone at once, with whatever it had not written to disk. */
  async kill(): Promise<void> {
    await stopPid(this.pid, 'SIGKILL');
    removeFile(this.pidFile);
  }

  async stop(): Promise<void> {
    await stopPid(this.pid, 'SIGTERM');
    removeFile(this.pidFile);
  }
}
