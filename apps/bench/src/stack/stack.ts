import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DEPT_API_NODE_FLAGS, MariaDbServer, RedisServer, assertPortFree, isAlive, readPid, removeFile, spawnDaemon, stopPid } from '@app/procs';
import { waitFor } from '@app/async';
import { createDataSource } from '@app/mariadb';
import { BACKENDS } from '@app/scenarios';
import type { Backend } from '@app/scenarios';
import { BACKEND_REDIS, REDIS_VARIANTS, REPO_ROOT, RUN_DIR, RedisVariant, ports } from './layout';

export type ServiceKind = 'mariadb' | 'redis' | 'api' | 'agent' | 'dynomite';

export interface ServiceRecord {
  name: string;
  kind: ServiceKind;
  port: number;
  pidFile: string;
  logFile: string;
  /** For `status`: where a person would point a client. */
  url: string;
}

export interface StackSpec {
  /** dept-api instances per backend: the study's "replicas" column. */
  replicas?: 1 | 2;
  /** Which dept-api deployments to start (default: all four). */
  backends?: readonly Backend[];
}

export class StackError extends Error {}

const API_MAIN = join(REPO_ROOT, 'dist', 'apps', 'dept-api', 'src', 'main.js');
const AGENT_MAIN = join(REPO_ROOT, 'dist', 'apps', 'redis-ha-agent', 'src', 'main.js');

/**
 * The study's topology as local processes under .run/stack: MariaDB, the three Redis variants and
 * the dept-api deployments, each on its own loopback port. What was started is recorded in
 * services.json so `stack down` (another process) stops exactly that and nothing else.
 */
export class Stack {
  readonly dir: string;
  readonly ports = ports();
  private readonly registryFile: string;
  private readonly secretsFile: string;

  constructor(dir = RUN_DIR) {
    this.dir = dir;
    this.registryFile = join(dir, 'services.json');
    this.secretsFile = join(dir, 'secrets.json');
  }

  // ---- registry -------------------------------------------------------------------------------

  services(): ServiceRecord[] {
    try {
      return JSON.parse(readFileSync(this.registryFile, 'utf8')) as ServiceRecord[];
    } catch {
      return [];
    }
  }

  private record(s: ServiceRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const all = this.services().filter((x) => x.name !== s.name);
    all.push(s);
    writeFileSync(this.registryFile, JSON.stringify(all, null, 2));
  }

  private forget(name: string): void {
    writeFileSync(this.registryFile, JSON.stringify(this.services().filter((x) => x.name !== name), null, 2));
  }

  pidOf(name: string): number | undefined {
    const s = this.services().find((x) => x.name === name);
    return s ? readPid(s.pidFile) : undefined;
  }

  isRunning(name: string): boolean {
    return isAlive(this.pidOf(name));
  }

  /** The database password of the lab's application user, made once and kept under .run/. */
  secrets(): { dbPassword: string } {
    if (existsSync(this.secretsFile)) return JSON.parse(readFileSync(this.secretsFile, 'utf8'));
    mkdirSync(this.dir, { recursive: true });
    const s = { dbPassword: randomBytes(16).toString('hex') };
    writeFileSync(this.secretsFile, JSON.stringify(s), { mode: 0o600 });
    return s;
  }

  // ---- servers --------------------------------------------------------------------------------

  mariadb(): MariaDbServer {
    return new MariaDbServer({ name: 'mariadb', port: this.ports.mariadb, dir: join(this.dir, 'mariadb'), bufferPoolMb: 256 });
  }

  redis(variant: RedisVariant): RedisServer {
    return new RedisServer({ name: variant, port: this.ports.redis[variant], dir: join(this.dir, variant), persistence: REDIS_VARIANTS[variant] });
  }

  /** Any extra redis-server of a topology (the HA pairs), registered like the others. */
  extraRedis(name: string, port: number, opts: Partial<ConstructorParameters<typeof RedisServer>[0]> = {}): RedisServer {
    return new RedisServer({ name, port, dir: join(this.dir, name), persistence: 'everysec', ...opts });
  }

  async startRedis(server: RedisServer, { empty = false } = {}): Promise<void> {
    await server.start({ empty });
    this.record({ name: server.name, kind: 'redis', port: server.port, pidFile: server.pidFile, logFile: server.logFile, url: server.url });
  }

  async startMariaDb(): Promise<void> {
    const db = this.mariadb();
    const recorded = this.services().find((x) => x.name === 'mariadb');
    if (db.running() && recorded && recorded.port !== db.port) {
      // Same data folder, another port (BENCH_PORT_BASE changed): restart it where it is expected.
      await db.stop();
    }
    if (!db.running()) {
      await db.start();
      const { dbPassword } = this.secrets();
      await db.rootSql(
        'CREATE DATABASE IF NOT EXISTS employees; ' +
          `CREATE USER IF NOT EXISTS 'dept'@'127.0.0.1' IDENTIFIED BY '${dbPassword}'; ` +
          `ALTER USER 'dept'@'127.0.0.1' IDENTIFIED BY '${dbPassword}'; ` +
          "GRANT ALL PRIVILEGES ON employees.* TO 'dept'@'127.0.0.1'; FLUSH PRIVILEGES;",
      );
    }
    this.record({ name: 'mariadb', kind: 'mariadb', port: db.port, pidFile: db.pidFile, logFile: db.logFile, url: `mysql://dept@127.0.0.1:${db.port}/employees` });
    // Migrations run once here, not in each of the eight API processes at once.
    const ds = await this.dataSource(true);
    await ds.destroy();
  }

  dbEnv(): Record<string, string> {
    return {
      DB_HOST: '127.0.0.1',
      DB_PORT: String(this.ports.mariadb),
      DB_NAME: 'employees',
      DB_USER: 'dept',
      DB_PASSWORD: this.secrets().dbPassword,
    };
  }

  /** A TypeORM connection to the stack's database (for row resets between cells). */
  async dataSource(migrate = false): Promise<DataSource> {
    const ds = createDataSource({
      host: '127.0.0.1', port: this.ports.mariadb, database: 'employees', username: 'dept',
      password: this.secrets().dbPassword, poolSize: 2, connectTimeoutMs: 2000, migrate,
    });
    await ds.initialize();
    return ds;
  }

  apiName(backend: Backend, replica: number): string {
    return replica === 0 ? `dept-${backend}` : `dept-${backend}-${replica + 1}`;
  }

  apiUrl(backend: Backend, replica = 0): string {
    return `http://127.0.0.1:${this.ports.api(backend, replica)}`;
  }

  /** Base URLs of the first `replicas` instances of a backend (the study's "replicas" column). */
  apiUrls(backend: Backend, replicas: number): string[] {
    return Array.from({ length: replicas }, (_, r) => this.apiUrl(backend, r));
  }

  /** Starts one dept-api process with the given environment and waits for /health/ready. */
  async startApi(name: string, port: number, env: Record<string, string>): Promise<void> {
    await this.startNodeService(name, 'api', port, API_MAIN, '/health/ready', 60_000, {
      NODE_ENV: 'production',
      APP_NAME: name,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DB_MIGRATE: 'false',
      DOCS_ENABLED: 'true',
      ...this.dbEnv(),
      ...env,
    });
  }

  /** Starts a redis-ha-agent beside one node of a pair. */
  async startAgent(name: string, port: number, localUrl: string, peerUrl: string, env: Record<string, string> = {}): Promise<void> {
    await this.startNodeService(name, 'agent', port, AGENT_MAIN, '/health/live', 30_000, {
      REDIS_URL: localUrl,
      REDIS_PEER_URL: peerUrl,
      AGENT_PORT: String(port),
      AGENT_HOST: '127.0.0.1',
      NODE_NAME: name,
      AGENT_INTERVAL_MS: '500',
      ...env,
    });
  }

  /** One of this repository's Node apps as a recorded daemon, up once `healthPath` answers 200. */
  private async startNodeService(name: string, kind: ServiceKind, port: number, main: string, healthPath: string, timeoutMs: number, env: Record<string, string>): Promise<void> {
    if (this.isRunning(name)) return;
    if (!existsSync(main)) throw new StackError(`${main} is missing: run \`npm run build\` first`);
    await assertPortFree(port, name);
    const dir = join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    const pidFile = join(dir, 'pid');
    const logFile = join(dir, 'log');
    const flags = kind === 'api' ? DEPT_API_NODE_FLAGS : [];
    spawnDaemon(process.execPath, [...flags, main], { logFile, pidFile, env: { PATH: process.env.PATH, ...env } });
    this.record({ name, kind, port, pidFile, logFile, url: `http://127.0.0.1:${port}` });
    await waitFor(`${name} ${healthPath} on 127.0.0.1:${port} (log: ${logFile})`, async () => {
      if (!isAlive(readPid(pidFile))) throw new StackError(`${name} exited at start; see ${logFile}`);
      const res = await fetch(`http://127.0.0.1:${port}${healthPath}`, { signal: AbortSignal.timeout(1000) });
      return res.status === 200;
    }, timeoutMs, 200);
  }

  /** Records a process started by a topology of its own (e.g. Dynomite) so `down` stops it. */
  registerProcess(s: ServiceRecord): void {
    this.record(s);
  }

  // ---- the study's topology -------------------------------------------------------------------

  /** MariaDB, the three Redis variants and the dept-api deployments, in dependency order. */
  async up(spec: StackSpec = {}, onProgress: (line: string) => void = () => undefined): Promise<ServiceRecord[]> {
    const replicas = spec.replicas ?? 1;
    const backends = spec.backends ?? BACKENDS;
    onProgress(`mariadb on 127.0.0.1:${this.ports.mariadb} ...`);
    await this.startMariaDb();
    for (const variant of Object.keys(REDIS_VARIANTS) as RedisVariant[]) {
      if (!backends.some((b) => BACKEND_REDIS[b] === variant)) continue;
      onProgress(`${variant} (${REDIS_VARIANTS[variant]}) on 127.0.0.1:${this.ports.redis[variant]} ...`);
      await this.startRedis(this.redis(variant));
    }
    for (const backend of backends) {
      for (let r = 0; r < replicas; r++) {
        onProgress(`${this.apiName(backend, r)} on ${this.apiUrl(backend, r)} ...`);
        await this.startBackendApi(backend, r);
      }
    }
    return this.services();
  }

  /** One dept-api instance of the study's topology, with the Redis of its backend. */
  private startBackendApi(backend: Backend, replica: number): Promise<void> {
    const variant = BACKEND_REDIS[backend];
    return this.startApi(this.apiName(backend, replica), this.ports.api(backend, replica), variant
      ? { REDIS_MODE: 'single', REDIS_URL: `redis://127.0.0.1:${this.ports.redis[variant]}` }
      : { REDIS_MODE: 'none' });
  }

  /**
   * Stops and starts one dept-api instance of the topology (same port, same environment), so a
   * measure sees a process that has served nothing before it. Its Redis and MariaDB keep running.
   */
  async restartApi(backend: Backend, replica = 0): Promise<void> {
    await this.stopService(this.apiName(backend, replica));
    await this.startBackendApi(backend, replica);
  }

  /** Stops one recorded service (SIGTERM, then SIGKILL after a grace period). */
  async stopService(name: string): Promise<void> {
    const s = this.services().find((x) => x.name === name);
    if (!s) return;
    await stopPid(readPid(s.pidFile), 'SIGTERM', s.kind === 'mariadb' ? 30_000 : 10_000);
    removeFile(s.pidFile);
    this.forget(name);
  }

  /** Stops everything this stack started: apps and agents first, then the stores. */
  async down(onProgress: (line: string) => void = () => undefined): Promise<number> {
    const order: ServiceKind[] = ['api', 'agent', 'dynomite', 'redis', 'mariadb'];
    const all = this.services().sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    for (const s of all) {
      onProgress(`stopping ${s.name}`);
      await this.stopService(s.name);
    }
    return all.length;
  }

  status(): Array<ServiceRecord & { running: boolean; pid?: number }> {
    return this.services().map((s) => {
      const pid = readPid(s.pidFile);
      return { ...s, pid, running: isAlive(pid) };
    });
  }
}
