// Run parameters from __ENV, turned into the same Cell the bench executor runs, so a k6 run and a
// bench run of one study cell send the same requests. Defaults are the `local` profile's sizes.
import {
  PROFILES,
  isProfile,
  parseBaseUrls,
  parseDurationSec,
  scaleVUsers,
} from '../../libs/scenarios/src/index.ts';
import type { Backend, Cell, HaTopology, IdMode, Profile, ScenarioId, StudyTable } from '../../libs/scenarios/src/index.ts';

export type LoadModel = 'closed' | 'arrival-rate';

export interface RunConfig {
  cell: Cell;
  baseUrls: string[];
  model: LoadModel;
  /** arrival-rate only: iterations (= requests) started per second. */
  rate: number;
  /** Fixed seed for the body generators; when absent setup() draws one and hands it to every VU. */
  seed?: number;
  /** Latency SLO for p(99), ms. */
  p99Ms: number;
  /** Error-rate SLO (share, 0.01 = 1 %). */
  maxErrorRate: number;
  summaryFile: string;
  /** kill.ts: URL that is POSTed at killAt (a chaos hook); without it the script only logs the moment. */
  killHookUrl?: string;
}

type Env = Record<string, string | undefined>;

function intEnv(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${raw} is not a whole number`);
  return n;
}

function durationEnv(env: Env, name: string, fallbackSec: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackSec;
  try {
    return parseDurationSec(raw);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`${name}=${raw}: use one of ${allowed.join(', ')}`);
  return raw as T;
}

export interface ScriptDefaults {
  scenario: ScenarioId;
  table: StudyTable;
  method: 'GET' | 'POST';
  backend: Backend;
  idMode: IdMode;
  topology?: HaTopology;
  /** study vUsers the defaults scale from (1000 unless the script says otherwise). */
  studyVUsers?: number;
  durationSec?: (profile: Profile) => number;
  rampUpSec?: (profile: Profile) => number;
  killAtSec?: (profile: Profile) => number;
  restartDelaySec?: (profile: Profile) => number;
  maxErrorRate?: number;
}

/**
 * Reads BASE_URLS, VUS, DURATION, RAMP_UP, ROWS, PAYLOAD_BYTES, ID_MODE, BACKEND, PROFILE, MODEL,
 * RATE, SEED, P99_MS, MAX_ERROR_RATE, SUMMARY_FILE (and KILL_AT, METHOD, KILL_HOOK_URL, TOPOLOGY
 * where a script uses them).
 */
export function readConfig(env: Env, d: ScriptDefaults): RunConfig {
  const profile = env.PROFILE && isProfile(env.PROFILE) ? env.PROFILE : 'local';
  if (env.PROFILE && !isProfile(env.PROFILE)) throw new Error(`PROFILE=${env.PROFILE}: use smoke, local or study`);
  const sizes = PROFILES[profile];
  const baseUrls = parseBaseUrls(env.BASE_URLS ?? 'http://127.0.0.1:8080');
  if (baseUrls.length === 0) throw new Error('BASE_URLS is empty: give one dept-api URL per replica, comma separated');

  const backend = oneOf<Backend>(env, 'BACKEND', ['mariadb', 'redis', 'redis-aof', 'redis-always'], d.backend);
  const method = oneOf<'GET' | 'POST'>(env, 'METHOD', ['GET', 'POST'], d.method);
  const vUsers = intEnv(env, 'VUS', scaleVUsers(d.studyVUsers ?? 1000, profile));
  const rows = intEnv(env, 'ROWS', 10);
  const durationSec = durationEnv(env, 'DURATION', d.durationSec ? d.durationSec(profile) : sizes.matrixDurationSec);
  const rampUpSec = durationEnv(env, 'RAMP_UP', d.rampUpSec ? d.rampUpSec(profile) : 0);
  if (vUsers < 1) throw new Error('VUS must be at least 1');
  if (rampUpSec >= durationSec) throw new Error(`RAMP_UP (${rampUpSec}s) must be shorter than DURATION (${durationSec}s)`);

  const topology = d.topology ? oneOf<HaTopology>(env, 'TOPOLOGY', ['write-only', 'mirrored', 'dynomite', 'envoy'], d.topology) : undefined;
  const cell: Cell = {
    id: `k6/${d.scenario}/${backend}`,
    scenario: d.scenario,
    table: d.table,
    backend,
    method,
    vUsers,
    rows,
    replicas: baseUrls.length,
    durationSec,
    rampUpSec,
    payloadExtraBytes: intEnv(env, 'PAYLOAD_BYTES', 0),
    idMode: oneOf<IdMode>(env, 'ID_MODE', ['random', 'unique'], d.idMode),
    studyRow: { vUsers, rows, replicas: baseUrls.length },
  };
  if (method === 'GET') cell.route = backend === 'mariadb' ? 'no-cache' : 'cached';
  if (topology) {
    cell.topology = topology;
    cell.studyRow.topology = topology;
  }
  if (d.killAtSec) {
    cell.killAtSec = durationEnv(env, 'KILL_AT', d.killAtSec(profile));
    cell.restartDelaySec = durationEnv(env, 'RESTART_DELAY', d.restartDelaySec ? d.restartDelaySec(profile) : 5);
    if (cell.killAtSec >= durationSec) throw new Error(`KILL_AT (${cell.killAtSec}s) must fall inside DURATION (${durationSec}s)`);
  }

  const seedRaw = env.SEED;
  const config: RunConfig = {
    cell,
    baseUrls,
    model: oneOf<LoadModel>(env, 'MODEL', ['closed', 'arrival-rate'], 'closed'),
    rate: intEnv(env, 'RATE', 0),
    p99Ms: intEnv(env, 'P99_MS', 3000),
    maxErrorRate: env.MAX_ERROR_RATE ? Number(env.MAX_ERROR_RATE) : d.maxErrorRate ?? 0.01,
    summaryFile: env.SUMMARY_FILE ?? `summary-${d.scenario}.json`,
  };
  if (seedRaw !== undefined && seedRaw !== '') config.seed = intEnv(env, 'SEED', 0);
  if (env.KILL_HOOK_URL) config.killHookUrl = env.KILL_HOOK_URL;
  if (config.model === 'arrival-rate' && config.rate < 1) throw new Error('MODEL=arrival-rate needs RATE (requests per second), e.g. RATE=2000');
  return config;
}
