// The one Dynomite server process of the lab: the binary (DYNOMITE_BIN), its key file, its
// configuration and a started, registered-by-the-caller process. `bench ha`'s sidecar pair and
// `bench redis-benchmark`'s single node both start Dynomite through here.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { waitFor } from '../../async/src'; // relative: test/global-setup.ts loads libs/procs outside Jest's moduleNameMapper
import { MissingBinaryError } from './binaries';
import { assertPortFree, canConnect } from './net';
import { isAlive, readPid, spawnDaemon, stopPid } from './process';

/** Dynomite could not be set up (its key file); the message says how to fix it. */
export class DynomiteSetupError extends Error {}

export const DYNOMITE_MISSING =
  'the Dynomite pair needs Dynomite: set DYNOMITE_BIN to the dynomite binary (e.g. DYNOMITE_BIN=/opt/dynomite/bin/dynomite); ' +
  'DYNOMITE_PEM may name its pem_key_file, else a throwaway key is made with openssl';

/**
 * Where the Dynomite binary is, from DYNOMITE_BIN; null when unset (runs then skip Dynomite).
 * Everything a user can set wrong is checked here, before a run starts: the binary, and
 * DYNOMITE_PEM when it is set.
 */
export function dynomiteBin(): string | null {
  const bin = process.env.DYNOMITE_BIN;
  if (!bin) return null;
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new MissingBinaryError('dynomite', `DYNOMITE_BIN=${bin} is not an executable file: point it at the dynomite binary (e.g. /opt/dynomite/bin/dynomite) or unset it to skip Dynomite`);
  }
  givenPem();
  return bin;
}

/** DYNOMITE_PEM, when set: it must exist. */
function givenPem(): string | undefined {
  const given = process.env.DYNOMITE_PEM;
  if (!given) return undefined;
  if (!existsSync(given)) throw new DynomiteSetupError(`Dynomite's pem_key_file DYNOMITE_PEM=${given} does not exist: point it at a PEM key (e.g. \`openssl genrsa -out dynomite.pem 2048\`) or unset it to make a throwaway one`);
  return resolve(given);
}

/**
 * Dynomite refuses to start without an existing pem_key_file even when peer encryption is off.
 * The one rule: DYNOMITE_PEM; else conf/dynomite.pem beside the binary's folder (as Dynomite's
 * own tree ships it); else a throwaway RSA key made under `dir` with openssl.
 */
export function dynomitePem(bin: string, dir: string): string {
  const given = givenPem();
  if (given) return given;
  const shipped = resolve(dirname(bin), '..', 'conf', 'dynomite.pem');
  if (existsSync(shipped)) return shipped;
  const file = join(dir, 'dynomite.pem');
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('openssl', ['genrsa', '-out', file, '2048'], { stdio: 'ignore', timeout: 30_000 });
  } catch (err) {
    throw new DynomiteSetupError(`Dynomite needs a pem_key_file and openssl could not make one (${(err as Error).message}): install openssl or set DYNOMITE_PEM`);
  }
  return file;
}

export interface DynomiteNodeConfig {
  datacenter: string;
  rack: string;
  listenPort: number;
  peerPort: number;
  statsPort: number;
  redisPort: number;
  /** The peer node; none for a single node in front of one Redis. */
  seed?: { peerPort: number; rack: string; datacenter: string };
  pemFile: string;
  consistency?: 'DC_ONE' | 'DC_QUORUM' | 'DC_SAFE_QUORUM';
}

/**
 * One node as the study configures it (study.md §5): its own datacenter and rack, token 0, the
 * peer as seed, one local Redis (data_store 0), DC_QUORUM reads and writes by default.
 */
export function dynomiteYaml(c: DynomiteNodeConfig): string {
  const consistency = c.consistency ?? 'DC_QUORUM';
  return [
    'dyn_o_mite:',
    `  datacenter: ${c.datacenter}`,
    `  rack: ${c.rack}`,
    `  listen: 127.0.0.1:${c.listenPort}`,
    `  dyn_listen: 127.0.0.1:${c.peerPort}`,
    `  stats_listen: 127.0.0.1:${c.statsPort}`,
    '  dyn_seed_provider: simple_provider',
    ...(c.seed ? ['  dyn_seeds:', `  - 127.0.0.1:${c.seed.peerPort}:${c.seed.rack}:${c.seed.datacenter}:0`] : []),
    '  servers:',
    `  - 127.0.0.1:${c.redisPort}:1`,
    "  tokens: '0'",
    '  data_store: 0',
    '  secure_server_option: none',
    `  pem_key_file: ${c.pemFile}`,
    `  read_consistency: ${consistency}`,
    `  write_consistency: ${consistency}`,
    '',
  ].join('\n');
}

export interface StartedDynomite {
  pidFile: string;
  logFile: string;
  confFile: string;
}

/** Starts one dynomite process (in its own process group, pid file in `dir`) and waits for its client port. */
export async function startDynomite(bin: string, name: string, dir: string, config: DynomiteNodeConfig): Promise<StartedDynomite> {
  await assertPortFree(config.listenPort, `${name} client port`);
  await assertPortFree(config.peerPort, `${name} peer port`);
  await assertPortFree(config.statsPort, `${name} stats port`);
  mkdirSync(dir, { recursive: true });
  const confFile = join(dir, 'dynomite.yml');
  const pidFile = join(dir, 'pid');
  const logFile = join(dir, 'log');
  writeFileSync(confFile, dynomiteYaml(config));
  spawnDaemon(bin, ['-c', confFile, '-v', '5'], { logFile, pidFile });
  try {
    await waitFor(`${name} on 127.0.0.1:${config.listenPort} (log: ${logFile})`, async () => {
      if (!isAlive(readPid(pidFile))) throw new DynomiteSetupError(`${name} exited at start; see ${logFile}`);
      return canConnect(config.listenPort);
    }, 15_000, 100);
  } catch (err) {
    // Not yet registered by the caller: a node that never answered is stopped here.
    await stopPid(readPid(pidFile), 'SIGKILL');
    throw err;
  }
  return { pidFile, logFile, confFile };
}
