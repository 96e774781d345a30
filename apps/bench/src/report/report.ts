// writeReport(runDir): results.json -> report.md, report.html and charts/*.svg, all written
// atomically. compareRuns(a, b): per-cell deltas between two runs, ready to print.
import { join, resolve } from 'node:path';
import { readResults, redactPaths, writeFilesAtomic } from '../results';
import type { CellResult, RunResults } from '../results';
import { chartSpecs, renderSvgs } from './charts';
import type { ChartSpec } from './charts';
import { conclusions } from './conclusions';
import type { Conclusion, ConclusionVerdict } from './conclusions';
import { allTables } from './tables';
import type { Table } from './tables';

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function tableToMarkdown(t: Table): string {
  const lines = [`## ${t.title}`, '', t.intro, ''];
  if (t.rows.length === 0) {
    lines.push('_No cell of this table in this run._', '');
  } else {
    lines.push(`| ${t.header.map(mdCell).join(' | ')} |`, `|${t.header.map(() => '---').join('|')}|`);
    for (const row of t.rows) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
    lines.push('');
  }
  for (const n of t.notes) lines.push(`${n}  `);
  if (t.notes.length) lines.push('');
  return lines.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function tableBodyHtml(t: Table): string {
  const body =
    t.rows.length === 0
      ? '<p><em>No cell of this table in this run.</em></p>'
      : `<div class="scroll"><table><thead><tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
          .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table></div>`;
  return `<p>${esc(t.intro)}</p>${body}${t.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}`;
}

/** A table folded in a <details>; `open` for the ones a reader needs first. */
function tableToHtml(t: Table, open = false): string {
  return `<details id="${esc(t.id)}" class="table"${open ? ' open' : ''}><summary><h3>${esc(t.title)}</h3> <span class="count">${t.rows.length} row${t.rows.length === 1 ? '' : 's'}</span></summary>${tableBodyHtml(t)}</details>`;
}

const VERDICT_CLASS: Record<ConclusionVerdict, string> = { holds: 'holds', differs: 'differs', 'not measured': 'none' };

function conclusionsMarkdown(cs: Conclusion[]): string[] {
  // A run that measures none of them (api-overhead, scale, a single cell) gets a list, not a table
  // whose every "Ours" cell is empty.
  if (cs.every((c) => c.verdict === 'not measured'))
    return [
      '## What this run answers',
      '',
      "None of the study's conclusions (study.md §6): this run does not measure what they rest on.",
      '',
      ...cs.map((c) => `- ${c.statement} Not measured: ${c.why}.`),
      '',
    ];
  return [
    '## What this run answers',
    '',
    'The study\'s conclusions (study.md §6), each with the study\'s figure, ours from this run and a verdict.',
    '',
    '| The study concluded | Study | Ours | Verdict |',
    '|---|---|---|---|',
    ...cs.map((c) => `| ${mdCell(c.statement)} | ${mdCell(c.study)} | ${mdCell(c.ours)} | **${c.verdict}**: ${mdCell(c.why)} |`),
    '',
  ];
}

function conclusionsHtml(cs: Conclusion[]): string {
  return (
    '<section id="answers"><h2>What this run answers</h2><p class="lead">The study\'s conclusions (study.md §6), each with the study\'s figure, ours from this run and a verdict.</p><ol class="answers">' +
    cs
      .map(
        (c) =>
          `<li id="answer-${esc(c.id)}" class="answer ${VERDICT_CLASS[c.verdict]}"><p class="statement">${esc(c.statement)} <span class="verdict">${esc(c.verdict)}</span></p>` +
          `<dl><dt>Study</dt><dd>${esc(c.study)}</dd><dt>Ours</dt><dd>${esc(c.ours)}</dd><dt>Why</dt><dd>${esc(c.why)}</dd></dl></li>`,
      )
      .join('') +
    '</ol></section>'
  );
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}' +
  'header p{margin:.2em 0;font-size:13px;color:#444}' +
  'table{border-collapse:collapse;margin:.5em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}' +
  'td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}.note{font-size:12px;color:#555}figure{margin:1em 0}' +
  '.scroll{overflow-x:auto}details.table{border-top:1px solid #ddd;padding:.3em 0}details.table summary{cursor:pointer}' +
  'details.table summary h3{display:inline;font-size:1.05em;margin:0}.count{color:#777;font-size:12px}' +
  'ol.answers{padding-left:1.2em}li.answer{margin:.8em 0;padding:.5em .8em;border-left:5px solid #bbb;background:#fafafa}' +
  'li.answer.holds{border-color:#2a8a3e}li.answer.differs{border-color:#c77800}li.answer.none{border-color:#999}' +
  '.statement{font-weight:600;margin:0 0 .3em}.verdict{font-weight:700;font-size:12px;text-transform:uppercase;padding:1px 6px;border-radius:3px;background:#eee;margin-left:.4em}' +
  '.holds .verdict{background:#d8f0dc;color:#1d6b2e}.differs .verdict{background:#fbe7c6;color:#8a5300}.none .verdict{background:#e6e6e6;color:#555}' +
  'dl{display:grid;grid-template-columns:4em 1fr;gap:.1em .6em;margin:0;font-size:14px}dt{color:#666}dd{margin:0}';

function renderHtml(results: RunResults, answers: Conclusion[], tables: Table[], charts: ChartSpec[], svgs: string[]): string {
  const cellList = tables.find((t) => t.id === 'cells');
  const studyTables = tables.filter((t) => t.id !== 'cells');
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Report ${esc(results.runId)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    '<h1>Redis HA with standalone: reproduction report</h1>',
    `<header>${header(results).map((l) => `<p>${esc(l.replace(/`/g, ''))}</p>`).join('')}</header>`,
    conclusionsHtml(answers),
    charts.length ? `<section id="charts"><h2>Charts</h2>${charts.map((c, i) => `<figure id="chart-${esc(c.name)}">${svgs[i]}<figcaption>${esc(c.title)}</figcaption></figure>`).join('')}</section>` : '',
    studyTables.length ? `<section id="tables"><h2>Tables</h2>${studyTables.map((t) => tableToHtml(t)).join('')}</section>` : '',
    cellList ? `<section id="every-cell"><h2>Every cell</h2>${tableToHtml(cellList)}</section>` : '',
    results.notes.length ? `<section id="notes"><h2>Notes</h2><ul>${results.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>` : '',
    '</body></html>',
  ].join('\n');
}

function header(results: RunResults): string[] {
  const h = results.host;
  const generators = [...new Set(results.cells.map((c) => c.loadGenerator))].join(', ') || (results.apiOverhead ? (results.apiOverhead.loadGenerator ?? 'autocannon') : results.apiLayers ? results.apiLayers.loadGenerator : 'none');
  const p = results.pinning;
  // bench api-overhead pins its own processes (no run-frame pinning): its header says how.
  const o = results.apiOverhead?.pinning ?? results.apiLayers?.pinning;
  // bench scale likewise (its GET cells pinned, its bootstrap part not).
  const sc = results.scale?.pinning;
  const pinning = p
    ? p.applied
      ? `Cores: load generator on core ${p.loadGeneratorCpus}, system under test on ${p.sutCpus} (taskset; ${p.processes.length} process(es) pinned).`
      : `Cores: ${p.note}; load generator and system under test share every core.`
    : o
      ? o.applied
        ? `Cores: load generator on core ${o.loadGeneratorCpus}, servers on ${o.serverCpus}, their Redis on ${o.redisCpus ?? o.serverCpus} (taskset).`
        : `Cores: ${o.note}.`
      : sc
        ? `Cores: ${sc.applied ? `load generator on core ${sc.loadGenerator}, servers on ${sc.servers} (taskset). ` : ''}${sc.note}`
        : 'Cores: not recorded (a run before pinning); load generator and system under test shared the cores.';
  return [
    `Run \`${results.runId}\`, profile \`${results.profile}\`, ${results.startedAt} to ${results.finishedAt}.`,
    `Command: \`${results.command}\``,
    `Host: ${h.cpus} × ${h.cpuModel}, ${Math.round(h.memBytes / 1073741824)} GiB, Node ${h.node}, ${h.platform}. Load generator: ${generators}, on the same host.`,
    pinning,
    `Rebuild this report from results.json with writeReport (bench report ${results.runId}).`,
  ];
}

export interface WrittenReport {
  markdown: string;
  html: string;
  charts: string[];
}

/** Rebuilds report.md, report.html and charts/*.svg from runDir/results.json. */
export async function writeReport(runDir: string): Promise<WrittenReport> {
  const dir = resolve(runDir);
  const results = readResults(dir);
  const tables = allTables(results);
  const answers = conclusions(results);
  const charts = chartSpecs(results);
  const svgs = await renderSvgs(charts.map((c) => c.spec));

  const md = [`# Redis HA with standalone: reproduction report`, '', ...header(results).map((l) => `${l}  `), ''];
  md.push(...conclusionsMarkdown(answers));
  if (charts.length) md.push('## Charts', '', ...charts.map((c) => `![${c.title}](charts/${c.name}.svg)`), '');
  md.push(...tables.map(tableToMarkdown));
  if (results.notes.length) md.push('## Notes', '', ...results.notes.map((n) => `- ${n}`), '');

  const html = renderHtml(results, answers, tables, charts, svgs);

  // Results written before paths were redacted still render without them.
  const files = [
    { path: join(dir, 'report.md'), content: redactPaths(md.join('\n')) },
    { path: join(dir, 'report.html'), content: redactPaths(html) },
    ...charts.map((c, i) => ({ path: join(dir, 'charts', `${c.name}.svg`), content: svgs[i] })),
  ];
  writeFilesAtomic(files);
  return { markdown: files[0].path, html: files[1].path, charts: files.slice(2).map((f) => f.path) };
}

export interface CellDelta {
  id: string;
  vUsers: [number, number];
  tps: [number, number];
  tpsDeltaPct: number | null;
  errorPct: [number, number];
  p99Ms: [number, number];
  appPeakMillicores: [number | null, number | null];
}

export interface RunComparison {
  a: string;
  b: string;
  cells: CellDelta[];
  onlyInA: string[];
  onlyInB: string[];
  /** A fixed-width table ready to print. */
  text: string;
}

const pct = (a: number, b: number) => (a === 0 ? null : Math.round(((b - a) / a) * 1000) / 10);

/** Deltas of TPS, errors, p99 and app CPU for every cell both runs measured (matched by cell id). */
export function compareRuns(a: string | RunResults, b: string | RunResults): RunComparison {
  const ra = typeof a === 'string' ? readResults(a) : a;
  const rb = typeof b === 'string' ? readResults(b) : b;
  const byId = (r: RunResults) => new Map<string, CellResult>(r.cells.map((c) => [c.cell.id, c]));
  const ma = byId(ra);
  const mb = byId(rb);
  const cells: CellDelta[] = [...ma.keys()]
    .filter((id) => mb.has(id))
    .map((id) => {
      const x = ma.get(id)!;
      const y = mb.get(id)!;
      return {
        id,
        vUsers: [x.cell.vUsers, y.cell.vUsers],
        tps: [x.totals.tps, y.totals.tps],
        tpsDeltaPct: pct(x.totals.tps, y.totals.tps),
        errorPct: [x.totals.errorPct, y.totals.errorPct],
        p99Ms: [x.latencyMs.p99, y.latencyMs.p99],
        appPeakMillicores: [x.resources.appPeakMillicores, y.resources.appPeakMillicores],
      };
    });
  const onlyInA = [...ma.keys()].filter((id) => !mb.has(id));
  const onlyInB = [...mb.keys()].filter((id) => !ma.has(id));

  const rows = [
    ['cell', 'vUser', 'TPS', 'Δ TPS', 'errors %', 'p99 ms', 'app cpu'],
    ...cells.map((d) => [
      d.id,
      d.vUsers[0] === d.vUsers[1] ? `${d.vUsers[0]}` : `${d.vUsers[0]} → ${d.vUsers[1]}`,
      `${d.tps[0]} → ${d.tps[1]}`,
      d.tpsDeltaPct === null ? 'n/a' : `${d.tpsDeltaPct > 0 ? '+' : ''}${d.tpsDeltaPct} %`,
      `${d.errorPct[0]} → ${d.errorPct[1]}`,
      `${d.p99Ms[0]} → ${d.p99Ms[1]}`,
      `${d.appPeakMillicores[0] ?? 'n/a'} → ${d.appPeakMillicores[1] ?? 'n/a'}`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = [`compare ${ra.runId} (${ra.profile}) → ${rb.runId} (${rb.profile})`, ...rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd())];
  if (onlyInA.length) lines.push(`only in ${ra.runId}: ${onlyInA.join(', ')}`);
  if (onlyInB.length) lines.push(`only in ${rb.runId}: ${onlyInB.join(', ')}`);
  if (cells.length === 0) lines.push('no cell in common: compare runs of the same tables');
  return { a: ra.runId, b: rb.runId, cells, onlyInA, onlyInB, text: lines.join('\n') };
}
