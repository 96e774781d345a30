import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Thrown when a program the lab needs is not installed; the message says how to get it. */
export class MissingBinaryError extends Error {
  constructor(readonly binary: string, hint: string) {
    super(`${binary} not found on PATH: ${hint}`);
  }
}

const HINTS: Record<string, string> = {
  'redis-server': 'install it with `apt-get install -y redis-server redis-tools`',
  'redis-cli': 'install it with `apt-get install -y redis-tools`',
  'redis-benchmark': 'install it with `apt-get install -y redis-tools`',
  mariadbd: 'install it with `apt-get install -y mariadb-server`',
  'mariadb-install-db': 'install it with `apt-get install -y mariadb-server`',
  mariadb: 'install it with `apt-get install -y mariadb-client`',
  wrk: 'install it with `apt-get install -y wrk` (bench api-overhead; or run it with --load-generator autocannon)',
};

const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];

/** Resolves a program on PATH (plus the sbin folders, where Debian puts mariadbd). */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...EXTRA_DIRS];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export function requireBinary(name: string): string {
  const found = findBinary(name);
  if (!found) throw new MissingBinaryError(name, HINTS[name] ?? `install ${name}`);
  return found;
}
