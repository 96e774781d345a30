// bench report <run-id> (rebuild report.md / report.html / charts from results.json) and
// bench compare <a> <b> (per-cell deltas).
import { Command } from 'commander';
import { compareRuns, writeReport } from '../report';
import { ReportError, loadRun, runDirOf } from '../results';
import { UserError } from '../cli/errors';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('rebuild results/<run-id>/report.md, report.html and charts from its results.json')
    .argument('<run-id>', 'a run id as printed at the end of a run (or the path of its folder)')
    .action(async (id: string) => {
      const dir = runDirOf(id);
      try {
        const w = await writeReport(dir);
        console.log(`report:  ${w.markdown}\nhtml:    ${w.html}\ncharts:  ${w.charts.length}`);
      } catch (e) {
        if (e instanceof ReportError) throw new UserError(e.message);
        throw e;
      }
    });

  program
    .command('compare')
    .description('TPS, error and p99 deltas of every cell two runs share (and api-overhead ratios when both have them)')
    .argument('<a>', 'the earlier run id (or folder)')
    .argument('<b>', 'the later run id (or folder)')
    .action((a: string, b: string) => {
      const ra = loadRun(a);
      const rb = loadRun(b);
      console.log(compareRuns(ra, rb).text);
      if (ra.apiOverhead && rb.apiOverhead) {
        for (const c of rb.apiOverhead.comparisons) {
          const before = ra.apiOverhead.comparisons?.find((x) => x.workload === c.workload);
          const f = (s: { median: number } | undefined) => (s ? String(s.median) : 'n/a');
          console.log(`api-overhead ${c.workload}: throughput ratio ${f(before?.tpsRatio)} → ${f(c.tpsRatio)}, CPU per request ratio ${f(before?.cpuRatio)} → ${f(c.cpuRatio)}`);
        }
      }
    });
}
