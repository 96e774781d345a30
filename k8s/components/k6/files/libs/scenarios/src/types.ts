// Types of the scenario definitions. Imported with `import type` only, so esbuild (k6) and swc
// (jest) erase the import and no runtime has to resolve this file.

/** Size of a run: `study` = the study's exact figures, `local` = scaled to a 2-core host, `smoke` = CI. */
export type Profile = 'smoke' | 'local' | 'study';

/** The study's four deployments of the app (study.md §2). */
export type Backend = 'mariadb' | 'redis' | 'redis-aof' | 'redis-always';

/** Columns of the study's HA table plus the project's own mirrored pair. */
export type HaTopology = 'write-only' | 'mirrored' | 'dynomite' | 'envoy';

export type ScenarioId = 'get-departments' | 'post-redis' | 'post-mariadb' | 'kill' | 'ha-write';

/** Which table of study.md §4 a cell lands in. */
export type StudyTable = 'get' | 'post' | 'kill' | 'stress' | 'ha';

/**
 * How POST ids are made. `random`: the study's generator `t%04d` / `test_%06d` (duplicates happen);
 * `unique`: derived from run tag, VU and iteration, so every acknowledged write names its own key.
 */
export type IdMode = 'random' | 'unique';

export type HttpMethod = 'GET' | 'POST';

/** Where a cell sits in the study's table: the study's own vUser count, not the scaled one. */
export interface StudyRow {
  vUsers: number;
  rows?: number;
  replicas: number;
  topology?: HaTopology;
}

/** One measured cell: a scenario, a backend and a load shape. */
export interface Cell {
  /** Stable id, the same across profiles except for the profile-specific numbers; used by compare. */
  id: string;
  scenario: ScenarioId;
  table: StudyTable;
  backend: Backend;
  topology?: HaTopology;
  method: HttpMethod;
  /** GET only: cached route (`/v1/departments`) or straight from MariaDB (`/v1/departmentsNoCache`). */
  route?: 'cached' | 'no-cache';
  /** Connections (autocannon) = VUs (k6) = the study's nGrinder vUsers, scaled by profile. */
  vUsers: number;
  /** Rows in the departments table during the cell (GET). */
  rows: number;
  /** dept-api processes the VUs are spread over. */
  replicas: number;
  durationSec: number;
  rampUpSec: number;
  /** Bytes added to each written row (the stress test's "+100 bytes"). */
  payloadExtraBytes: number;
  idMode: IdMode;
  /** kill only: seconds after the start when the Redis gets SIGKILL, and the delay until it is started again. */
  killAtSec?: number;
  restartDelaySec?: number;
  /** stress only: CPU limit for the Redis in cores (study: 0.1). */
  redisCpuLimit?: number;
  studyRow: StudyRow;
}

/** What a body generator may use; the same inputs give the same body in k6 and in bench. */
export interface BodyContext {
  /** 1-based VU (k6 `__VU`) or connection number (autocannon). */
  vu: number;
  /** 0-based iteration of that VU. */
  iter: number;
  /** Uniform [0, 1) numbers, seeded by (seed, vu, iter). */
  rand: () => number;
  /** Short tag naming the run, so unique ids from two runs never collide. */
  runTag: string;
  payloadExtraBytes: number;
}

export interface ResponseView {
  status: number;
  body: string;
}

/** `quick` runs on every response; `full` parses the body and runs on a sample (see CheckPolicy). */
export type CheckLevel = 'quick' | 'full';

/**
 * How often the full (parsing) check runs. A 1000-row answer is 54 kB: JSON.parse plus the shape
 * check costs about 170 µs against 50 µs for the quick scan, so large bodies are fully checked on
 * a sample only; small bodies (10 rows, POST echoes, about 2 µs) are fully checked every time.
 */
export interface CheckPolicy {
  /** Full check on iterations where iter % fullEvery === 0 (1 = always). */
  fullEvery: number;
}

/** One request of a scenario, executed identically by k6 and by bench. */
export interface RequestSpec {
  /** Tag for metrics, e.g. `POST /api/departmentRedises`. */
  name: string;
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  /** Absent for GET. */
  body?: (ctx: BodyContext) => string;
  /** Status that counts as success. */
  okStatus: number;
  /**
   * Statuses the app answered deliberately and the study counted as answers, not errors (409 for a
   * duplicate id under the study's random generator). Counted apart, never mixed into `ok`.
   */
  answeredStatuses: number[];
  /** null when the answer is right, else a short reason (used as a counter key, keep it low-cardinality). */
  check: (res: ResponseView, sentBody: string | undefined, level: CheckLevel) => string | null;
  checkPolicy: CheckPolicy;
  /** For writes: the key this request writes, so acknowledged writes can be counted later. */
  writtenId?: (sentBody: string) => string | undefined;
}

export interface ScenarioDefinition {
  id: ScenarioId;
  title: string;
  /** The table of study.md §4 the scenario reproduces. */
  studyTable: string;
  /** How answers count towards TPS and errors, in the words a report prints. */
  counting: string;
  request(cell: Cell): RequestSpec;
  cells(profile: Profile): Cell[];
}

/** Load shapes of one profile; every number traces back to study.md §4 by a stated rule. */
export interface ProfileSizes {
  profile: Profile;
  /** study vUsers x scale, rounded, at least 1. */
  vUserScale: number;
  matrixDurationSec: number;
  kill: { vUsers: number; durationSec: number; killAtSec: number; restartDelaySec: number };
  stress: { vUsers: number; durationSec: number; payloadExtraBytes: number; redisCpuLimit: number };
  /**
   * HA cells; `studyCellSec` shortens them inside `bench study` (unset: as `bench ha write`);
   * `bootstrapKeys`: the dataset sizes of the agent's bootstrap timing (`bench ha kill`).
   */
  ha: { durationSec: number; rampUpSec: number; studyCellSec?: number; bootstrapKeys: number[] };
  /** redis-benchmark -n per test: bounded so the whole run takes seconds (the study did not state its -n). */
  redisBenchmarkRequests: number;
  /**
   * bench api-overhead: autocannon connections and seconds per round; rounds alternate bare and
   * dept-api so drift on a shared host hits both alike (the ratios use each side's median).
   * `warmupSec`: each side first serves the workload this long, unmeasured, so no round pays for
   * the JIT compiling the handler (the first round read 10-30 % slower on either side without it).
   */
  /** durationSec per side per round, run as `slices` alternating slices of durationSec / slices each. */
  apiOverhead: { connections: number; durationSec: number; rounds: number; warmupSec: number; slices: number };
  /**
   * bench scale (issue 10, "how cost grows"): GET /v1/departments (cached) and
   * /v1/departmentsNoCache at each row count, `connections` x `durationSec` per cell, and
   * redis-benchmark GET of the same value size (-n `redisBenchmarkRequests`) as the floor; the HA
   * bootstrap (agent) and Redis's own full sync at each of `bootstrapKeys`.
   */
  scale: { rows: number[]; connections: number; durationSec: number; redisBenchmarkRequests: number; bootstrapKeys: number[] };
}
