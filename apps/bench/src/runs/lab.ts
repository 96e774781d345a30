// What every run does around a cell on the local stack: check the stack is up, set the table to
// the cell's row count, flush the cell's Redis and warm the cache as the study did, sample the
// cell's processes once a second, and run the load with progress lines. runCells is the one
// per-cell loop of the matrix, kill and stress runs.
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { setDepartmentRows } from '@app/mariadb';
import { sleep } from '@app/async';
import { BACKENDS, checkDepartmentList, scenarioFor } from '@app/scenarios';
import type { Backend, Cell } from '@app/scenarios';
import { LoadTargetError, Sampler, activePinning, runCell } from '../load';
import type { RunCellOptions, SampledProcess } from '../load';
import type { CellResult } from '../results';
import { BACKEND_REDIS, Stack } from '../stack';
import { isInterrupted } from '../cli/abort';
import { UserError } from '../cli/errors';

/** A short-lived client straight to a redis-server port (never through a proxy). */
export async function withRedis<T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 30_000, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

/** Waits until Redis answers commands (after a restart it may still be loading its AOF). */
export async function waitRedisReady(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await withRedis(port, (c) => c.dbsize());
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`redis on 127.0.0.1:${port} not ready after ${timeoutMs} ms: ${(e as Error).message}`);
      await sleep(200);
    }
  }
}

export class Lab {
  private ds: DataSource | null = null;

  constructor(readonly stack: Stack, readonly log: (line: string) => void) {}

  /** Fails with the command that fixes it when a process the run needs is not running. */
  requireUp(backends: readonly Backend[], replicas: number): void {
    const missing: string[] = [];
    if (!this.stack.isRunning('mariadb')) missing.push('mariadb');
    for (const b of backends) {
      const v = BACKEND_REDIS[b];
      if (v && !this.stack.isRunning(v) && !missing.includes(v)) missing.push(v);
      for (let r = 0; r < replicas; r++) if (!this.stack.isRunning(this.stack.apiName(b, r))) missing.push(this.stack.apiName(b, r));
    }
    if (missing.length) {
      throw new UserError(
        `the stack is not up (not running: ${missing.join(', ')}; stack folder ${this.stack.dir}): ` +
          `start it with \`npm run bench -- stack up --replicas ${replicas}\`, or run \`npm run bench -- study\`, which starts it`,
      );
    }
  }

  async db(): Promise<DataSource> {
    if (!this.ds) this.ds = await this.stack.dataSource();
    return this.ds;
  }

  async close(): Promise<void> {
    const ds = this.ds;
    this.ds = null;
    if (ds?.isInitialized) await ds.destroy();
  }

  redisPort(backend: Backend): number | null {
    const v = BACKEND_REDIS[backend];
    return v ? this.stack.ports.redis[v] : null;
  }

  /**
   * Sets the table to `rows` and checks it stays there: requests the previous cell sent just
   * before it stopped are still being written by dept-mariadb for a moment (its pool queues them),
   * and a late INSERT would land after the reset. Bounded: five tries, half a second apart.
   */
  async setRows(rows: number): Promise<void> {
    const ds = await this.db();
    let count = -1;
    for (let attempt = 0; attempt < 5; attempt++) {
      await setDepartmentRows(ds, rows);
      await sleep(attempt === 0 ? 200 : 500);
      count = Number((await ds.query('SELECT COUNT(*) AS n FROM departments'))[0].n);
      if (count === rows) return;
    }
    throw new Error(`the departments table would not stay at ${rows} rows (has ${count}): is something else writing to the stack's MariaDB (another run on ${this.stack.dir})?`);
  }

  async flush(backend: Backend): Promise<void> {
    const port = this.redisPort(backend);
    if (port !== null) await withRedis(port, (c) => c.flushall());
  }

  /**
   * GET cells: one request per replica before the load, as the study warmed up: the first fills
   * the cache (cached route), every one opens the app's pools. The answer must hold the cell's rows.
   */
  async warm(cell: Cell, urls: string[]): Promise<void> {
    if (cell.method !== 'GET') return;
    const path = cell.route === 'no-cache' ? '/v1/departmentsNoCache' : '/v1/departments';
    const check = checkDepartmentList(cell.rows);
    for (const url of urls) {
      const res = await fetch(url + path, { signal: AbortSignal.timeout(15_000) });
      const body = await res.text();
      const reason = res.status === 200 ? check({ status: res.status, body }, undefined, 'full') : `status ${res.status}`;
      if (reason) throw new Error(`warming ${url}${path} failed (${reason}); see the dept-api log under ${this.stack.dir}`);
    }
  }

  /** Rows, flush, warm: the study's preparation before each cell. */
  async prepare(cell: Cell, urls: string[]): Promise<void> {
    await this.setRows(cell.rows);
    await this.flush(cell.backend);
    await this.warm(cell, urls);
  }

  /** dept-api processes of the cell, its Redis (named by backend, as the report looks it up), MariaDB; the load generator is added by the sampler. */
  sampler(cell: Cell, extra: SampledProcess[] = []): Sampler {
    const processes: SampledProcess[] = [];
    for (let r = 0; r < cell.replicas; r++) {
      const name = this.stack.apiName(cell.backend, r);
      const pid = this.stack.pidOf(name);
      if (pid) processes.push({ name, role: 'app', pid });
    }
    const v = BACKEND_REDIS[cell.backend];
    const redis = [];
    if (v) {
      const pid = this.stack.pidOf(v);
      if (pid) processes.push({ name: cell.backend, role: 'redis', pid });
      redis.push({ name: cell.backend, port: this.stack.ports.redis[v] });
    }
    const db = this.stack.pidOf('mariadb');
    if (db) processes.push({ name: 'mariadb', role: 'mariadb', pid: db });
    // In a pinned run the cell's servers go to the system-under-test cores (the load generator has its own).
    for (const p of [...processes, ...extra]) activePinning()?.pin(p.name, p.pid);
    return new Sampler({ processes: [...processes, ...extra], redis }).start();
  }

  /** Runs one cell with progress lines: every second for short or kill cells, else about five a cell. */
  async run(cell: Cell, index: number, count: number, sampler: Sampler, options: Partial<RunCellOptions> = {}, baseUrls?: string[]): Promise<CellResult> {
    if (isInterrupted()) throw new UserError('interrupted');
    const urls = baseUrls ?? this.stack.apiUrls(cell.backend, cell.replicas);
    const every = cell.killAtSec !== undefined ? 1 : Math.max(1, Math.round(cell.durationSec / 5));
    this.log(`cell ${index}/${count} ${cell.id}: ${cell.vUsers} connections over ${urls.length} process(es), ${cell.durationSec} s`);
    try {
      const r = await runCell(scenarioFor(cell), cell, {
        baseUrls: urls,
        sampler,
        onProgress: (p) => {
          if ((p.second + 1) % every === 0) this.log(`  ${p.second + 1}/${p.durationSec} s  TPS ${p.tps}  errors ${p.errors}`);
        },
        ...options,
      });
      const cpu = r.resources.appPeakMillicores === null ? 'n/a' : `${r.resources.appPeakMillicores}m`;
      this.log(`  -> TPS ${r.totals.tps}, errors ${r.totals.errorPct} %, p50/p99 ${r.latencyMs.p50}/${r.latencyMs.p99} ms, app peak ${cpu}, load generator ${r.resources.loadGenerator.meanMillicores}m`);
      return r;
    } catch (e) {
      if (e instanceof LoadTargetError) throw new UserError(e.message);
      throw e;
    }
  }

  /** Prepare, sample, run, stop the sampler: one ordinary matrix cell. */
  async measure(cell: Cell, index: number, count: number): Promise<CellResult> {
    const urls = this.stack.apiUrls(cell.backend, cell.replicas);
    await this.prepare(cell, urls);
    const sampler = this.sampler(cell);
    try {
      return await this.run(cell, index, count, sampler, {}, urls);
    } finally {
      await sampler.stop();
    }
  }
}

/** `--cells <text>`: only cells whose id contains the text (rerun one cell, or a quick check). */
export function filterCells(cells: Cell[], text: string | undefined): Cell[] {
  if (!text) return cells;
  const picked = cells.filter((c) => c.id.includes(text));
  if (!picked.length) throw new UserError(`no cell id contains "${text}"; cell ids look like ${cells[0]?.id ?? 'get/redis/vu1000/rows10/rep1'}`);
  return picked;
}

/** Measures one cell of a run; index and total number the progress lines. */
export type MeasureCell = (lab: Lab, cell: Cell, index: number, total: number) => Promise<CellResult>;

export interface CellsProgress {
  /** Cells measured before these (a study runs several tables in one count). */
  done?: number;
  total?: number;
  /** Logged once the stack is known to be up, e.g. "GET matrix: 12 cells". */
  heading?: string;
}

/**
 * The one per-cell loop: every backend and replica the cells need must be up, then each cell is
 * measured in order and handed to `onCell` as soon as it is done.
 */
export async function runCells(lab: Lab, cells: Cell[], measure: MeasureCell, onCell: (r: CellResult) => void, p: CellsProgress = {}): Promise<void> {
  const backends = [...new Set(cells.map((c) => c.backend))].sort((a, b) => BACKENDS.indexOf(a) - BACKENDS.indexOf(b));
  lab.requireUp(backends, Math.max(1, ...cells.map((c) => c.replicas)));
  if (p.heading) lab.log(p.heading);
  const done = p.done ?? 0;
  const total = p.total ?? cells.length;
  for (const [i, cell] of cells.entries()) onCell(await measure(lab, cell, done + i + 1, total));
}
