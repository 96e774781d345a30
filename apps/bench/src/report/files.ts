// Atomic writes: each file goes to a temp name in the same folder and is renamed into place, so a
// crash or Ctrl-C never leaves a half-written report or results.json behind.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

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
