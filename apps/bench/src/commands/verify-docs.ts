// bench verify-docs (issue 10): every figure README.md and docs/*.md quote from a run is cited
// with `<!-- results: docs/results/<id> path=figure -->` and matches its committed results.json.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { verifyDocs } from '../report/verify-docs';
import { REPO_ROOT } from '../stack/layout';
import { UserError } from '../cli/errors';

export function registerVerifyDocs(program: Command): void {
  program
    .command('verify-docs')
    .description('check that every figure README.md and docs/*.md cite (<!-- results: docs/results/<id> path=figure -->) matches its committed results.json, and that no uncommitted run is cited')
    .option('--root <dir>', 'the repository to check (default: this one)')
    .action((o: { root?: string }) => {
      const r = verifyDocs(resolve(o.root ?? REPO_ROOT));
      for (const p of r.problems) console.error(`${p.file}:${p.line}: ${p.message}`);
      if (r.problems.length) throw new UserError(`verify-docs: ${r.problems.length} problem(s) in ${r.files.join(', ')}`);
      console.log(`verify-docs: ${r.citations} citation(s), ${r.figures} figure(s) in ${r.files.length} file(s): all match their results.json`);
    });
}
