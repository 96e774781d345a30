// results.json on disk: read and validated, written atomically. Atomic writes: each file goes to
// a temp name in the same folder and is renamed into place, so a crash or Ctrl-C never leaves a
// half-written report or results.json behind.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, basename } from 'node:path';
import type { HostInfo, RunResults } from './model';
import { ReportError, validateResults } from './schema';
import { redactPaths } from './paths';

export interface PendingFile {
  path: string;
  content: string;
}

/** Writes every file under a temp name first, then renames them all; on failure removes the temps. */
export function writeFilesAtomic(files: PendingFile[]): void {
  const temps: { temp: string; path: string }[] = [];
  try {
    for (const f of files) {
      mkdirSync(dirname(f.path), { recursive: true });
      const temp = join(dirname(f.path), `.${basename(f.path)}.${process.pid}.${Date.now()}.tmp`);
      writeFileSync(temp, f.content);
      temps.push({ temp, path: f.path });
    }
    for (const t of temps) renameSync(t.temp, t.path);
  } catch (e) {
    for (const t of temps) rmSync(t.temp, { force: true });
    throw e;
  }
}

export const RESULTS_FILE = 'results.json';

/** Reads and validates results/<run-id>/results.json; every failure is a ReportError saying what to do. */
export function readResults(runDir: string): RunResults {
  const file = join(runDir, RESULTS_FILE);
  if (!existsSync(file)) throw new ReportError(`no ${RESULTS_FILE} in ${runDir}: give the folder of a finished run (results/<run-id>)`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ReportError(`${file} does not parse as JSON (${(e as Error).message}): rerun the run, or restore the file`);
  }
  return validateResults(data, file);
}

/** Validates and writes results.json atomically. */
export function writeResults(runDir: string, results: RunResults): string {
  validateResults(results, `results for ${results.runId}`);
  const path = join(runDir, RESULTS_FILE);
  // Machine paths (the stack folder, a binary's place) are written relative or redacted.
  writeFilesAtomic([{ path, content: redactPaths(JSON.stringify(results, null, 2)) + '\n' }]);
  return path;
}

export function hostInfo(): HostInfo {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model ?? 'unknown', memBytes: totalmem(), node: process.version, platform: `${process.platform} ${process.arch}` };
}
