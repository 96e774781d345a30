// Where runs write: results/<run-id>/ under the repository (BENCH_RESULTS_DIR moves it, e.g. for
// tests). A run writes nothing there until it has finished measuring; results.json and the
// report then go in atomically, and a failure or Ctrl-C in between removes the folder, so
// results/ never holds a half-written run.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Profile } from '@app/scenarios';
import { REPO_ROOT } from '../stack/layout';
import { onAbort } from '../cli/abort';
import { UserError } from '../cli/errors';
import { hostInfo, readResults, writeResults } from './files';
import type { ApiLayers, ApiOverhead, CellResult, CorePinning, HaRunResults, RedisBenchmarkResult, RunResults, ScaleResults } from './model';
import { ReportError } from './schema';

export function resultsRoot(): string {
  return resolve(process.env.BENCH_RESULTS_DIR ?? join(REPO_ROOT, 'results'));
}

/** The folder of a finished run, from its id (or a path); a missing or broken one is a UserError. */
export function runDirOf(idOrPath: string): string {
  const dir = isAbsolute(idOrPath) || idOrPath.includes('/') ? resolve(idOrPath) : join(resultsRoot(), idOrPath);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const known = existsSync(resultsRoot()) ? readdirSync(resultsRoot()).filter((f) => !f.startsWith('.')).slice(-5) : [];
    throw new UserError(`no run "${idOrPath}" in ${resultsRoot()}${known.length ? ` (latest: ${known.join(', ')})` : ''}: give a run id as printed at the end of a run`);
  }
  return dir;
}

/** readResults with its ReportError turned into the one-line UserError the CLI prints. */
export function loadRun(idOrPath: string): RunResults {
  const dir = runDirOf(idOrPath);
  try {
    return readResults(dir);
  } catch (e) {
    if (e instanceof ReportError) throw new UserError(e.message);
    throw e;
  }
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Collects what one run measures and writes it at the end. */
export class RunRecorder {
  readonly runId: string;
  readonly dir: string;
  readonly startedAt = new Date();
  readonly cells: CellResult[] = [];
  readonly redisBenchmark: RedisBenchmarkResult[] = [];
  readonly notes: string[] = [];
  /** The HA runs' own sections (kill analysis, bootstrap times, command probes, sync checks). */
  readonly ha: HaRunResults = {};
  apiOverhead?: ApiOverhead;
  apiLayers?: ApiLayers;
  scale?: ScaleResults;
  /** Which cores the load generator and the system under test ran on (runs that pin). */
  pinning?: CorePinning;
  private finished = false;
  private readonly release: () => void;

  constructor(kind: string, readonly profile: Profile, readonly command: string) {
    const base = `${stamp(this.startedAt)}-${kind}-${profile}`;
    let id = base;
    for (let i = 2; existsSync(join(resultsRoot(), id)); i++) id = `${base}-${i}`;
    this.runId = id;
    this.dir = join(resultsRoot(), id);
    // Interrupted between the first and the last file: take the folder away again.
    this.release = onAbort(async () => {
      if (!this.finished) rmSync(this.dir, { recursive: true, force: true });
    });
  }

  results(): RunResults {
    const r: RunResults = {
      schemaVersion: 1,
      runId: this.runId,
      profile: this.profile,
      command: this.command,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      host: hostInfo(),
      cells: this.cells,
      redisBenchmark: this.redisBenchmark,
      notes: this.notes,
    };
    if (this.apiOverhead) r.apiOverhead = this.apiOverhead;
    if (this.apiLayers) r.apiLayers = this.apiLayers;
    if (Object.keys(this.ha).length) r.ha = this.ha;
    if (this.scale) r.scale = this.scale;
    if (this.pinning) r.pinning = this.pinning;
    return r;
  }

  /** results.json, then what `render` makes of it (the report); on any failure nothing stays. */
  async write<R extends object>(render: (dir: string) => Promise<R>): Promise<R & { results: string }> {
    try {
      const results = writeResults(this.dir, this.results());
      const report = await render(this.dir);
      this.finished = true;
      this.release();
      return { ...report, results };
    } catch (e) {
      rmSync(this.dir, { recursive: true, force: true });
      if (e instanceof ReportError) throw new UserError(`could not write the results of ${this.runId}: ${e.message}`);
      throw e;
    }
  }
}

/** The command line as a user would retype it (for results.json's `command`). */
export function commandLine(argv = process.argv): string {
  return ['bench', ...argv.slice(2)].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}
