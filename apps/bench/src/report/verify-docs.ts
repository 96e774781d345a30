// bench verify-docs (issue 10): every figure README.md and docs/*.md quote from a run is cited,
// and every citation holds. The citation is an HTML comment right after the figure, on the same line:
//
//   31416 TPS <!-- results: docs/results/scale-local scale.get[target=dept-api-cached][rows=10].tps=31416 -->
//
// - `docs/results/<id>` must hold a results.json: a bench one (schemaVersion) must parse against
//   the schema, any other is read as JSON; either must name its `command`;
// - each `path=figure` resolves in it: dots for fields, `[field=value]` picks the array element
//   whose field equals value (every such bracket must match exactly one), a number is an index;
// - the figure as written must appear before the comment in its paragraph (its row, in a table;
//   thousands separators ignored), and the value rounded to the figure's decimals must equal it; a suffix
//   scales it: `k` (value / 1000), `M` (/ 1e6), `%` (x 100), `Mi` (/ 1048576);
// - the file must name the command that produced the run (results.json `command`, as
//   `bench <args>` or `bench -- <args>`);
// - any other mention of a results folder (`docs/results/<id>`) or of a run id
//   (`20261126-222012-study-local`) must have its results.json committed, and so must every folder
//   under docs/results/.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readResults } from '../results';

export interface DocProblem {
  file: string;
  line: number;
  message: string;
}

export interface VerifyDocsResult {
  files: string[];
  citations: number;
  figures: number;
  problems: DocProblem[];
}

const CITATION = /<!--\s*results:\s*(\S+)((?:\s+[^\s=]+(?:\[[^\]]*\])*[^\s=]*=\S+)*)\s*-->/g;
const ANY_CITATION = /<!--\s*results:/;
const RUN_ID = /\b\d{8}-\d{6}-[a-z][a-z0-9-]*\b/g;
const RESULTS_FOLDER = /\bdocs\/results\/([A-Za-z0-9._-]+)/g;

/** The files the check reads: README.md and docs/*.md (not the generated reports under docs/results/). */
export function docFiles(root: string): string[] {
  const docs = join(root, 'docs');
  const files = [join(root, 'README.md')];
  if (existsSync(docs)) for (const f of readdirSync(docs).sort()) if (f.endsWith('.md')) files.push(join(docs, f));
  return files.filter((f) => existsSync(f));
}

/** Resolves `a.b[k=v][k2=v2].c` (or `a.0.c`) in a parsed results.json; throws with what is wrong. */
export function resolvePath(data: unknown, path: string): unknown {
  let cur: unknown = data;
  let seen = '';
  // Fields and indexes split by dots; a run of [field=value] brackets filters one array down to one element.
  for (const m of path.matchAll(/([^.[\]]+)|((?:\[[^\]=]+=[^\]]*\])+)/g)) {
    if (m[1] !== undefined) {
      if (cur === null || typeof cur !== 'object') throw new Error(`${seen || 'the results'} is not an object (at "${m[1]}")`);
      if (!(m[1] in (cur as object))) throw new Error(`no field "${m[1]}" in ${seen || 'the results'}`);
      cur = (cur as Record<string, unknown>)[m[1]];
      seen += (seen ? '.' : '') + m[1];
      continue;
    }
    if (!Array.isArray(cur)) throw new Error(`${seen} is not an array (at ${m[2]})`);
    let hits: unknown[] = cur;
    for (const [, field, want] of m[2].matchAll(/\[([^\]=]+)=([^\]]*)\]/g)) {
      hits = hits.filter((x) => x !== null && typeof x === 'object' && String((x as Record<string, unknown>)[field]) === want);
    }
    if (hits.length !== 1) throw new Error(`${m[2]} matches ${hits.length} elements of ${seen}, not one`);
    cur = hits[0];
    seen += m[2];
  }
  return cur;
}

const SUFFIX: Record<string, number> = { k: 1 / 1000, M: 1 / 1e6, '%': 100, Mi: 1 / 1048576 };

/** Whether `value` printed as `figure` (e.g. "31416", "2.4k", "100%") is that figure. */
export function figureMatches(value: unknown, figure: string): boolean {
  const m = /^(-?\d+(?:\.(\d+))?)(k|M|%|Mi)?$/.exec(figure);
  if (!m || typeof value !== 'number') return false;
  const scaled = value * (m[3] ? SUFFIX[m[3]] : 1);
  const decimals = m[2]?.length ?? 0;
  return Math.abs(scaled - Number(m[1])) <= 0.5 * 10 ** -decimals + 1e-9;
}

export function verifyDocs(root: string, files = docFiles(root)): VerifyDocsResult {
  const problems: DocProblem[] = [];
  let citations = 0;
  let figures = 0;
  // A bench results.json is validated against the schema; another run's own results.json (e.g.
  // one that predates the schema) is read as JSON, and must still name its command.
  const cache = new Map<string, { raw?: Record<string, unknown>; command?: string; error?: string }>();
  const load = (folder: string) => {
    if (!cache.has(folder)) {
      const file = join(root, folder, 'results.json');
      if (!existsSync(file)) cache.set(folder, { error: `${folder}/results.json is not committed` });
      else {
        try {
          const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
          if ('schemaVersion' in raw) readResults(join(root, folder));
          cache.set(folder, typeof raw.command === 'string' ? { raw, command: raw.command } : { error: `${folder}/results.json names no command` });
        } catch (e) {
          cache.set(folder, { error: `${folder}/results.json: ${(e as Error).message.replace(root + '/', '')}` });
        }
      }
    }
    return cache.get(folder)!;
  };
  const hasResults = (id: string) => existsSync(join(root, 'docs', 'results', id, 'results.json'));

  for (const path of files) {
    const file = relative(root, path);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    const commandsNeeded = new Map<string, number>();
    lines.forEach((line, i) => {
      const at = (message: string) => problems.push({ file, line: i + 1, message });
      let matched = 0;
      // Inside inline code a citation is an example, not a citation (blanked, so columns stay put).
      const prose = line.replace(/`[^`]*`/g, (m) => ' '.repeat(m.length));
      for (const c of prose.matchAll(CITATION)) {
        matched++;
        citations++;
        const folder = c[1].replace(/\/+$/, '');
        if (!/^docs\/results\/[A-Za-z0-9._-]+$/.test(folder)) {
          at(`citation names "${folder}", not docs/results/<id>`);
          continue;
        }
        const run = load(folder);
        if (run.error) {
          at(run.error);
          continue;
        }
        if (!commandsNeeded.has(run.command!)) commandsNeeded.set(run.command!, i + 1);
        // The text the figure must appear in: its paragraph (its row, in a table) up to the comment.
        let start = i;
        if (!line.trimStart().startsWith('|')) while (start > 0 && lines[start - 1].trim() && !lines[start - 1].trimStart().startsWith('|')) start--;
        const before = [...lines.slice(start, i).map((l) => l.replace(CITATION, ' ')), line.slice(0, c.index).replace(CITATION, ' ')].join(' ').replace(/(\d),(?=\d{3}\b)/g, '$1');
        const pairs = c[2].trim().split(/\s+/).filter(Boolean);
        if (!pairs.length) at(`citation of ${folder} quotes no figure (path=figure)`);
        for (const pair of pairs) {
          figures++;
          const eq = pair.lastIndexOf('=');
          const [p, figure] = [pair.slice(0, eq), pair.slice(eq + 1)];
          let value: unknown;
          try {
            value = resolvePath(run.raw, p);
          } catch (e) {
            at(`${folder} ${p}: ${(e as Error).message}`);
            continue;
          }
          const bare = figure.replace(/(k|M|%|Mi)$/, '');
          if (!new RegExp(`(^|[^\\d.])${bare.replace(/[.]/g, '\\.')}(?![\\d])`).test(before)) at(`figure ${figure} (${p}) does not appear in the text before its citation`);
          if (!figureMatches(value, figure)) at(`figure ${figure} does not match ${folder} ${p} = ${JSON.stringify(value)}`);
        }
      }
      if (!matched && ANY_CITATION.test(prose)) at('a "results:" comment that does not parse: <!-- results: docs/results/<id> path=figure ... -->');
      // Mentions of results folders and run ids outside citations must be backed by results.json too.
      const outside = line.replace(CITATION, (m) => (prose.includes(m) ? '' : m));
      for (const m of outside.matchAll(RESULTS_FOLDER)) if (!hasResults(m[1])) at(`docs/results/${m[1]} is mentioned but docs/results/${m[1]}/results.json is not committed`);
      for (const m of outside.matchAll(RUN_ID)) if (!hasResults(m[0])) at(`run ${m[0]} is mentioned but has no docs/results/${m[0]}/results.json`);
    });
    for (const [command, line] of commandsNeeded) {
      const args = command.replace(/^bench\s+/, '');
      if (![`bench ${args}`, `bench -- ${args}`].some((c) => text.includes(c))) problems.push({ file, line, message: `the command of the cited run is not named in the file: \`npm run bench -- ${args}\`` });
    }
  }
  // Every committed results folder holds its results.json (a report alone is a figure without one).
  const resultsRoot = join(root, 'docs', 'results');
  if (existsSync(resultsRoot)) {
    for (const id of readdirSync(resultsRoot).sort()) {
      if (statSync(join(resultsRoot, id)).isDirectory() && !hasResults(id)) problems.push({ file: `docs/results/${id}`, line: 0, message: `docs/results/${id}/ has no results.json: commit it or remove the folder` });
    }
  }
  return { files: files.map((f) => relative(root, f)), citations, figures, problems };
}
