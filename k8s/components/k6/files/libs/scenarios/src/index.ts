// The scenarios of the study, defined once for both executors: the k6 scripts in k6/ (users' own
// k6, which runs .ts natively) and bench's autocannon executor (apps/bench/src/load).
//
// Plain TypeScript with no Node or k6 import. All runtime code sits in this one file on purpose:
// k6 resolves module paths literally (no extension guessing), so a split would need `./x.ts`
// specifiers, which the repo's tsc settings reject without `rewriteRelativeImportExtensions`.
// Types live in ./types.ts and are imported with `import type`, which every transpiler erases.
import type {
  Backend,
  BodyContext,
  Cell,
  CheckLevel,
  HaTopology,
  IdMode,
  Profile,
  ProfileSizes,
  RequestSpec,
  ResponseView,
  ScenarioDefinition,
  ScenarioId,
  StudyRow,
  StudyTable,
} from './types';

export type {
  Backend,
  BodyContext,
  Cell,
  CheckLevel,
  CheckPolicy,
  HaTopology,
  HttpMethod,
  IdMode,
  Profile,
  ProfileSizes,
  RequestSpec,
  ResponseView,
  ScenarioDefinition,
  ScenarioId,
  StudyRow,
  StudyTable,
} from './types';

// ---------------------------------------------------------------- constants of the study

export const BACKENDS: readonly Backend[] = ['mariadb', 'redis', 'redis-aof', 'redis-always'];
export const REDIS_BACKENDS: readonly Backend[] = ['redis', 'redis-aof', 'redis-always'];
export const HA_TOPOLOGIES: readonly HaTopology[] = ['write-only', 'mirrored', 'dynomite', 'envoy'];
export const PROFILE_NAMES: readonly Profile[] = ['smoke', 'local', 'study'];

export const ROUTES = {
  cached: '/v1/departments',
  noCache: '/v1/departmentsNoCache',
  postRedis: '/api/departmentRedises',
  postMariadb: '/api/departments',
} as const;

/** Spring Data's `@RedisHash` layout: one hash per department under this prefix (study.md §2). */
export const REDIS_HASH_PREFIX = 'htdp1:dept-spring:repository:departments:';

/** Prefix of every deptNo an ha-write run with this tag writes; the sync check SCANs `REDIS_HASH_PREFIX + it + '*'`. */
export function haDeptNoPrefix(runTag: string): string {
  return `h${runTag}-`;
}

// Study rows (study.md §4): GET (vUser, rows, replicas), POST (vUser, replicas), HA (vUser).
const GET_STUDY_ROWS: StudyRow[] = [
  { vUsers: 1000, rows: 10, replicas: 1 },
  { vUsers: 2000, rows: 10, replicas: 1 },
  { vUsers: 3000, rows: 10, replicas: 1 },
  { vUsers: 3000, rows: 10, replicas: 2 },
  { vUsers: 1000, rows: 1000, replicas: 1 },
];
const POST_STUDY_ROWS: StudyRow[] = [
  { vUsers: 1000, replicas: 1 },
  { vUsers: 2000, replicas: 1 },
  { vUsers: 3000, replicas: 1 },
  { vUsers: 3000, replicas: 2 },
];
const HA_STUDY_VUSERS = [1000, 2000, 3000];

// ---------------------------------------------------------------- profiles

/**
 * study: the study's figures. Matrix cells last 120 s (the JMeter plan in the team's repo: 3000
 * threads, 120 s); kill 3 min with SIGKILL at 1:40; stress 10 min at 1000 vUsers with +100 bytes
 * and Redis at 0.1 CPU; HA 120 s with ramp-up (115,000 writes / 1063 TPS = 108 s measured).
 * local: vUsers / 20 (1000 -> 50) so a 2-core host that also runs dept-api, Redis and MariaDB
 * is not swamped by connections; 15 s per matrix cell and the kill test at 36 s with the kill at
 * the same relative moment (100/180 x 36 = 20 s) keep `bench study --profile local` under 20 min.
 * smoke: vUsers / 250 and 2-8 s cells: proves the pipeline and the report's shape in CI.
 * Every other per-profile size of the lab is here too: the HA cells inside `bench study` (10 s
 * locally so the whole job fits ~20 minutes), the bootstrap dataset sizes (the 10k / 100k /
 * 1M; smoke proves the mechanics with small ones), redis-benchmark's -n and api-overhead's load.
 */
export const PROFILES: Record<Profile, ProfileSizes> = {
  study: {
    profile: 'study',
    vUserScale: 1,
    matrixDurationSec: 120,
    kill: { vUsers: 1000, durationSec: 180, killAtSec: 100, restartDelaySec: 5 },
    stress: { vUsers: 1000, durationSec: 600, payloadExtraBytes: 100, redisCpuLimit: 0.1 },
    ha: { durationSec: 120, rampUpSec: 10, bootstrapKeys: [10_000, 100_000, 1_000_000] },
    redisBenchmarkRequests: 100_000,
    apiOverhead: { connections: 1000, durationSec: 60, rounds: 3, warmupSec: 10, slices: 6 },
    scale: { rows: [10, 100, 1000, 10_000], connections: 100, durationSec: 30, redisBenchmarkRequests: 100_000, bootstrapKeys: [10_000, 100_000, 1_000_000, 3_000_000] },
  },
  local: {
    profile: 'local',
    vUserScale: 1 / 20,
    matrixDurationSec: 15,
    kill: { vUsers: 50, durationSec: 36, killAtSec: 20, restartDelaySec: 5 },
    stress: { vUsers: 50, durationSec: 30, payloadExtraBytes: 100, redisCpuLimit: 0.1 },
    ha: { durationSec: 15, rampUpSec: 3, studyCellSec: 10, bootstrapKeys: [10_000, 100_000, 1_000_000] },
    redisBenchmarkRequests: 20_000,
    apiOverhead: { connections: 50, durationSec: 10, rounds: 5, warmupSec: 4, slices: 4 },
    // Bootstrap stops at 1M keys locally: its sync check compares every key (about 4 min for 1M on 2 cores), 3M would take the run past 20 min.
    scale: { rows: [10, 100, 1000, 10_000], connections: 50, durationSec: 8, redisBenchmarkRequests: 20_000, bootstrapKeys: [10_000, 100_000, 1_000_000] },
  },
  smoke: {
    profile: 'smoke',
    vUserScale: 1 / 250,
    matrixDurationSec: 2,
    kill: { vUsers: 4, durationSec: 9, killAtSec: 5, restartDelaySec: 1 },
    stress: { vUsers: 4, durationSec: 3, payloadExtraBytes: 100, redisCpuLimit: 0.1 },
    ha: { durationSec: 3, rampUpSec: 1, bootstrapKeys: [1_000, 10_000] },
    redisBenchmarkRequests: 2_000,
    apiOverhead: { connections: 8, durationSec: 2, rounds: 1, warmupSec: 1, slices: 2 },
    scale: { rows: [10, 100], connections: 8, durationSec: 2, redisBenchmarkRequests: 2_000, bootstrapKeys: [1_000, 10_000] },
  },
};

export function scaleVUsers(studyVUsers: number, profile: Profile): number {
  return Math.max(1, Math.round(studyVUsers * PROFILES[profile].vUserScale));
}

export function isProfile(value: string): value is Profile {
  return (PROFILE_NAMES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------- randomness and ids

/**
 * Uniform [0, 1) numbers from (seed, vu, iter) alone, so k6 (one JS runtime per VU) and bench
 * (one process) produce the same bodies, and a test can recompute what a script sent.
 * mulberry32 over a murmur3-style mix of the three integers.
 */
export function seededRandom(seed: number, vu: number, iter: number): () => number {
  let h = (seed ^ Math.imul(vu, 0x9e3779b1) ^ Math.imul(iter + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  let state = (h ^ (h >>> 16)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A short base-36 tag for a run, from a seed. */
export function runTagFromSeed(seed: number): string {
  return (seed >>> 0).toString(36).slice(-6).padStart(6, '0');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function filler(bytes: number): string {
  return bytes > 0 ? 'x'.repeat(bytes) : '';
}

/**
 * The study's generator: `{"deptNo":"t%04d","deptName":"test_%06d"}` with random numbers. Only
 * 10,000 distinct deptNos exist, so repeated ids are normal (Redis overwrites, MariaDB answers 409).
 * "Row payload +100 bytes" goes in a separate `payload` field (POST /api/departmentRedises stores
 * it as one more hash field): padding deptName would break its varchar(40) limit and get a 400.
 */
export function studyBody(ctx: BodyContext): string {
  const deptNo = 't' + pad(Math.floor(ctx.rand() * 10000), 4);
  const deptName = 'test_' + pad(Math.floor(ctx.rand() * 1000000), 6);
  return withPayload({ deptNo, deptName }, ctx.payloadExtraBytes);
}

/** The JSON body, with `payload` only when extra bytes are asked for (so plain bodies stay the study's). */
function withPayload(row: { deptNo: string; deptName: string }, extraBytes: number): string {
  return JSON.stringify(extraBytes > 0 ? { ...row, payload: filler(extraBytes) } : row);
}

/**
 * Unique per (run, VU, iteration): every acknowledged write names a key no other request writes, so
 * lost writes and sync ratios can be counted. deptNo stays within the 40-char column:
 * 'u' + 6-char tag + '-' + VU + '-' + iteration.
 */
export function uniqueBody(ctx: BodyContext, prefix = 'u'): string {
  const deptNo = `${prefix}${ctx.runTag}-${ctx.vu}-${ctx.iter}`;
  const deptName = `test_${ctx.runTag}_${ctx.vu}_${ctx.iter}`;
  return withPayload({ deptNo, deptName }, ctx.payloadExtraBytes);
}

// ---------------------------------------------------------------- spreading VUs over replicas

/** Parses `BASE_URLS` (comma list) into trimmed URLs without a trailing slash. */
export function parseBaseUrls(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter((s) => s.length > 0);
}

/** Connections per URL, as a Service spreads them: round robin, the first URLs take the remainder. */
export function spreadVUs(total: number, urlCount: number): number[] {
  const counts: number[] = [];
  for (let i = 0; i < urlCount; i++) counts.push(Math.floor(total / urlCount) + (i < total % urlCount ? 1 : 0));
  return counts;
}

/** The URL a 1-based VU talks to; consistent with spreadVUs. */
export function baseUrlForVu(vu: number, urls: readonly string[]): string {
  return urls[(vu - 1) % urls.length];
}

/** '15s', '2m', '1m30s', '90' -> seconds. */
export function parseDurationSec(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const unit = m[2] === 'ms' ? 0.001 : m[2] === 's' ? 1 : m[2] === 'm' ? 60 : 3600;
    total += Number(m[1]) * unit;
    consumed += m[0].length;
  }
  if (consumed !== t.length || consumed === 0) throw new Error(`"${text}" is not a duration: use e.g. 15s, 2m or 1m30s`);
  return total;
}

// ---------------------------------------------------------------- body checks

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

/** Counts occurrences of `"deptNo"` keys: a scan with no allocation, for every GET answer. */
function countDeptNoKeys(body: string): number {
  let count = 0;
  for (let i = body.indexOf('"deptNo"'); i !== -1; i = body.indexOf('"deptNo"', i + 8)) count++;
  return count;
}

/** GET returns a JSON array of exactly `rows` objects, each with string deptNo and deptName. */
export function checkDepartmentList(rows: number) {
  return (res: ResponseView, _sent: string | undefined, level: CheckLevel): string | null => {
    const b = res.body;
    if (b.length < 2 || b.charCodeAt(0) !== 91 || b.charCodeAt(b.length - 1) !== 93) return 'not a JSON array';
    if (level === 'quick') {
      return countDeptNoKeys(b) === rows ? null : 'wrong row count';
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(b);
    } catch {
      return 'invalid JSON';
    }
    if (!Array.isArray(parsed)) return 'not a JSON array';
    if (parsed.length !== rows) return 'wrong row count';
    for (const row of parsed as unknown[]) {
      const r = row as { deptNo?: unknown; deptName?: unknown } | null;
      if (!r || typeof r.deptNo !== 'string' || typeof r.deptName !== 'string') return 'row without deptNo/deptName';
    }
    return null;
  };
}

/** POST answers with the row it stored: deptNo and deptName (and payload, when sent) equal to what was sent. */
export function checkEchoedRow(res: ResponseView, sent: string | undefined): string | null {
  let got: { deptNo?: unknown; deptName?: unknown };
  try {
    got = JSON.parse(res.body) as typeof got;
  } catch {
    return 'invalid JSON';
  }
  if (!got || typeof got !== 'object') return 'not a JSON object';
  const want = JSON.parse(sent ?? '{}') as { deptNo: string; deptName: string; payload?: string };
  if (got.deptNo !== want.deptNo) return 'deptNo not echoed';
  if (got.deptName !== want.deptName) return 'deptName not echoed';
  if (want.payload !== undefined && (got as { payload?: unknown }).payload !== want.payload) return 'payload not echoed';
  return null;
}

function deptNoOf(sent: string): string | undefined {
  try {
    const v = (JSON.parse(sent) as { deptNo?: unknown }).deptNo;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- requests

export function getDepartmentsRequest(route: 'cached' | 'no-cache', rows: number): RequestSpec {
  const path = route === 'cached' ? ROUTES.cached : ROUTES.noCache;
  return {
    name: `GET ${path}`,
    method: 'GET',
    path,
    headers: { Accept: 'application/json' },
    okStatus: 200,
    answeredStatuses: [],
    check: checkDepartmentList(rows),
    // 10 rows: a full parse costs about 2 µs, check everything; 1000 rows: 170 µs, sample 1 in 20.
    checkPolicy: { fullEvery: rows >= 100 ? 20 : 1 },
  };
}

export function postRequest(path: string, idMode: IdMode, duplicateIsAnswer: boolean, prefix = 'u'): RequestSpec {
  return {
    name: `POST ${path}`,
    method: 'POST',
    path,
    headers: { ...JSON_HEADERS },
    body: idMode === 'random' ? studyBody : (ctx) => uniqueBody(ctx, prefix),
    okStatus: 201,
    answeredStatuses: duplicateIsAnswer ? [409] : [],
    check: checkEchoedRow,
    checkPolicy: { fullEvery: 1 },
    writtenId: deptNoOf,
  };
}

// ---------------------------------------------------------------- cells

interface CellInput {
  scenario: ScenarioId;
  table: StudyTable;
  backend: Backend;
  method: 'GET' | 'POST';
  studyRow: StudyRow;
  profile: Profile;
  durationSec: number;
  rampUpSec?: number;
  vUsers?: number;
  payloadExtraBytes?: number;
  idMode?: IdMode;
  topology?: HaTopology;
  killAtSec?: number;
  restartDelaySec?: number;
  redisCpuLimit?: number;
}

function makeCell(c: CellInput): Cell {
  const rows = c.studyRow.rows ?? 10;
  const route = c.method === 'GET' ? (c.backend === 'mariadb' ? 'no-cache' : 'cached') : undefined;
  const parts: string[] = [c.table, c.backend];
  if (c.topology) parts.push(c.topology);
  parts.push(`vu${c.studyRow.vUsers}`);
  if (c.method === 'GET') parts.push(`rows${rows}`);
  parts.push(`rep${c.studyRow.replicas}`);
  if (c.table === 'kill') parts.push(c.method.toLowerCase());
  const cell: Cell = {
    id: parts.join('/'),
    scenario: c.scenario,
    table: c.table,
    backend: c.backend,
    method: c.method,
    vUsers: c.vUsers ?? scaleVUsers(c.studyRow.vUsers, c.profile),
    rows,
    replicas: c.studyRow.replicas,
    durationSec: c.durationSec,
    rampUpSec: c.rampUpSec ?? 0,
    payloadExtraBytes: c.payloadExtraBytes ?? 0,
    idMode: c.idMode ?? 'random',
    studyRow: c.studyRow,
  };
  if (route) cell.route = route;
  if (c.topology) cell.topology = c.topology;
  if (c.killAtSec !== undefined) cell.killAtSec = c.killAtSec;
  if (c.restartDelaySec !== undefined) cell.restartDelaySec = c.restartDelaySec;
  if (c.redisCpuLimit !== undefined) cell.redisCpuLimit = c.redisCpuLimit;
  return cell;
}

// ---------------------------------------------------------------- the five definitions

export const getDepartments: ScenarioDefinition = {
  id: 'get-departments',
  title: 'GET all departments: cached (Redis variants) and no-cache (MariaDB)',
  studyTable: 'study.md §4 "Application GET TPS" (vUser x rows x replicas x mariadb/redis/AOF everysec/AOF always)',
  counting: 'TPS = answers with status 200 that pass the body check, per second; anything else is an error',
  request: (cell) => getDepartmentsRequest(cell.route ?? (cell.backend === 'mariadb' ? 'no-cache' : 'cached'), cell.rows),
  cells: (profile) =>
    GET_STUDY_ROWS.flatMap((row) =>
      BACKENDS.map((backend) =>
        makeCell({ scenario: 'get-departments', table: 'get', backend, method: 'GET', studyRow: row, profile, durationSec: PROFILES[profile].matrixDurationSec }),
      ),
    ),
};

export const postRedis: ScenarioDefinition = {
  id: 'post-redis',
  title: 'POST a department into Redis (Spring hash layout), the study\'s "redis SET" test, and the AOF stress test',
  studyTable: 'study.md §4 "Application POST TPS" (redis, AOF everysec, AOF always columns) and the stress test',
  counting: 'the study\'s random ids; Redis overwrites repeats, so every 201 with the echoed row counts; anything else is an error',
  request: (cell) => postRequest(ROUTES.postRedis, cell.idMode, false),
  cells: (profile) => {
    const p = PROFILES[profile];
    const matrix = POST_STUDY_ROWS.flatMap((row) =>
      REDIS_BACKENDS.map((backend) =>
        makeCell({ scenario: 'post-redis', table: 'post', backend, method: 'POST', studyRow: row, profile, durationSec: p.matrixDurationSec }),
      ),
    );
    // Stress: everysec vs always only, as in the study; random ids as the study's script did.
    const stress = (['redis-aof', 'redis-always'] as const).map((backend) =>
      makeCell({
        scenario: 'post-redis',
        table: 'stress',
        backend,
        method: 'POST',
        studyRow: { vUsers: 1000, replicas: 1 },
        profile,
        vUsers: p.stress.vUsers,
        durationSec: p.stress.durationSec,
        payloadExtraBytes: p.stress.payloadExtraBytes,
        redisCpuLimit: p.stress.redisCpuLimit,
      }),
    );
    return [...matrix, ...stress];
  },
};

export const postMariadb: ScenarioDefinition = {
  id: 'post-mariadb',
  title: 'POST a department into MariaDB, the study\'s "mariadb" POST test',
  studyTable: 'study.md §4 "Application POST TPS" (mariadb column)',
  counting:
    'unique ids per (run, VU, iteration) by default, so a 409 is a real error; with idMode "random" (the study\'s ' +
    'generator, 10,000 possible deptNos) a 409 duplicate is counted as an answer, as the study counted it, and reported apart',
  request: (cell) => postRequest(ROUTES.postMariadb, cell.idMode, cell.idMode === 'random'),
  cells: (profile) =>
    POST_STUDY_ROWS.map((row) =>
      makeCell({
        scenario: 'post-mariadb',
        table: 'post',
        backend: 'mariadb',
        method: 'POST',
        studyRow: row,
        profile,
        durationSec: PROFILES[profile].matrixDurationSec,
        idMode: 'unique',
      }),
    ),
};

export const kill: ScenarioDefinition = {
  id: 'kill',
  title: 'Instance kill: steady GET or POST load while the Redis gets SIGKILL and comes back',
  studyTable: 'study.md §4 "Instance-kill test" (1000 vUser, 3 min, kill at 1:40; off / everysec / always)',
  counting:
    'TPS per second around the kill; POST uses unique ids so acknowledged writes can be compared with the keys present after the restart',
  request: (cell) =>
    cell.method === 'GET' ? getDepartmentsRequest('cached', cell.rows) : postRequest(ROUTES.postRedis, 'unique', false, 'k'),
  cells: (profile) => {
    const k = PROFILES[profile].kill;
    return REDIS_BACKENDS.flatMap((backend) =>
      (['GET', 'POST'] as const).map((method) =>
        makeCell({
          scenario: 'kill',
          table: 'kill',
          backend,
          method,
          studyRow: { vUsers: 1000, rows: 10, replicas: 1 },
          profile,
          vUsers: k.vUsers,
          durationSec: k.durationSec,
          killAtSec: k.killAtSec,
          restartDelaySec: k.restartDelaySec,
          idMode: method === 'POST' ? 'unique' : 'random',
        }),
      ),
    );
  },
};

export const haWrite: ScenarioDefinition = {
  id: 'ha-write',
  title: 'HA write-only load with unique keys, for the sync count across the two Redis instances',
  studyTable: 'study.md §4 "HA application test" (write-only, Dynomite, Envoy; TPS / count / sync)',
  counting:
    'every 201 with the echoed row is an acknowledged write of key REDIS_HASH_PREFIX + deptNo, deptNo = "h" + run tag + "-VU-iteration"; ' +
    'sync = keys present on both instances / acknowledged writes',
  request: () => postRequest(ROUTES.postRedis, 'unique', false, 'h'),
  cells: (profile) => {
    const h = PROFILES[profile].ha;
    return HA_STUDY_VUSERS.flatMap((vUsers) =>
      HA_TOPOLOGIES.map((topology) =>
        makeCell({
          scenario: 'ha-write',
          table: 'ha',
          backend: 'redis-aof',
          topology,
          method: 'POST',
          studyRow: { vUsers, replicas: 1, topology },
          profile,
          durationSec: h.durationSec,
          rampUpSec: h.rampUpSec,
          idMode: 'unique',
        }),
      ),
    );
  },
};

export const SCENARIOS: Record<ScenarioId, ScenarioDefinition> = {
  'get-departments': getDepartments,
  'post-redis': postRedis,
  'post-mariadb': postMariadb,
  kill,
  'ha-write': haWrite,
};

export function scenarioFor(cell: Cell): ScenarioDefinition {
  return SCENARIOS[cell.scenario];
}

/** Every cell of one study table for a profile, in the study's row order. */
export function tableCells(table: StudyTable, profile: Profile): Cell[] {
  return Object.values(SCENARIOS)
    .flatMap((def) => def.cells(profile))
    .filter((c) => c.table === table);
}

/** A body for one request, exactly as both executors make it. */
export function buildBody(spec: RequestSpec, ctx: BodyContext): string | undefined {
  return spec.body ? spec.body(ctx) : undefined;
}
