// The report of a run, rebuilt from its results.json: report.md, report.html and charts, the
// study's own figures beside ours, and the per-cell comparison of two runs.
export { writeReport, compareRuns, tableToMarkdown } from './report';
export type { WrittenReport, RunComparison, CellDelta } from './report';
export { allTables } from './tables';
export type { Table } from './tables';
export { chartSpecs, renderSvgs } from './charts';
export * from './study-figures';
export { conclusions } from './conclusions';
export type { Conclusion, ConclusionVerdict } from './conclusions';
export { spreadOf, spreadText, ratioText, verdictAtLeast } from './spread';
