// Register linearizability of a run's history, checked by Porcupine (a maintained checker, the Go
// module github.com/anishathalye/porcupine) through tools/porcupine, built by
// scripts/install-porcupine.sh into .run/bin/chaos-porcupine. Optional: without the binary the
// runs report `linearizable: null`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './toxiproxy';

export interface LinearizabilityResult {
  /** Ok = every key linearizable; Illegal = at least one key is not; Unknown = Porcupine timed out on some key. */
  result: 'Ok' | 'Illegal' | 'Unknown';
  keys: number;
  operations: number;
  illegalKeys: number;
  unknownKeys: number;
  /** First keys found illegal. */
  illegal: string[];
}

export function porcupineBin(): string | null {
  if (process.env.CHAOS_PORCUPINE_BIN) return process.env.CHAOS_PORCUPINE_BIN;
  const bin = join(REPO_ROOT, '.run', 'bin', 'chaos-porcupine');
  return existsSync(bin) ? bin : null;
}

/** Runs the check over a history file (bounded); null when the binary is not built. */
export function checkLinearizable(historyFile: string, timeoutMs = 60_000, sample = 20): Promise<LinearizabilityResult | null> {
  const bin = porcupineBin();
  if (!bin) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    execFile(bin, ['-timeout-per-key', '2s', historyFile], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`chaos-porcupine failed: ${stderr.trim() || err.message}`));
      const r = JSON.parse(stdout) as { result: LinearizabilityResult['result']; keys: number; operations: number; illegal: string[]; unknown: string[] };
      resolve({ result: r.result, keys: r.keys, operations: r.operations, illegalKeys: r.illegal.length, unknownKeys: r.unknown.length, illegal: r.illegal.slice(0, sample) });
    });
  });
}
