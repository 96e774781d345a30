// Results and reports of bench runs: the results.json schema and types, the study's figures,
// and the functions bench's CLI calls (writeResults, writeReport, compareRuns).
export { writeReport, compareRuns, readResults, writeResults, hostInfo, tableToMarkdown, RESULTS_FILE } from './report';
export type { WrittenReport, RunComparison, CellDelta } from './report';
export { validateResults, resultsSchema, ReportError } from './schema';
export { parseRedisBenchmark } from './redis-benchmark';
export { allTables } from './tables';
export type { Table } from './tables';
export { chartSpecs, renderSvgs } from './charts';
export { writeFilesAtomic } from './files';
export * from './study-figures';
export { RESULTS_SCHEMA_VERSION } from './types';
export type {
  ApiOverhead,
  AckedSync,
  ApiOverheadMeasurement,
  BootstrapPoint,
  CellHa,
  CommandProbe,
  HaKillFigures,
  HaRunResults,
  HaVariant,
  KeyspaceSync,
  ProbeOutcome,
  SyncCheckRecord,
  CellResult,
  Durability,
  ErrorBreakdown,
  HostInfo,
  KillAnalysis,
  LatencyMs,
  ProcessRole,
  ProcessUsage,
  RedisBenchmarkResult,
  RedisBenchmarkTest,
  RedisUsage,
  Resources,
  RunResults,
  SyncResult,
  TimelinePoint,
  Totals,
} from './types';
