// What a run measured, on disk: the results.json model and its schema, the recorder a run
// collects into, and the files (results.json read back validated, every write atomic).
export * from './model';
export { validateResults, resultsSchema, ReportError } from './schema';
export { RESULTS_FILE, readResults, writeResults, hostInfo, writeFilesAtomic } from './files';
export type { PendingFile } from './files';
export { RunRecorder, commandLine, loadRun, resultsRoot, runDirOf } from './recorder';
export { displayPath, redactPaths } from './paths';
