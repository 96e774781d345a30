// writeReport(runDir): results.json -> report.md, report.html and charts/*.svg, all written
// atomically. compareRuns(a, b): per-cell deltas between two runs, ready to print.
import { join, resolve } from 'node:path';
import { readResults, writeFilesAtomic } from '../results';
import type { CellResult, RunResults } from '../results';
import { chartSpecs, renderSvgs } from './charts';
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

function tableToHtml(t: Table): string {
  const body =
    t.rows.length === 0
      ? '<p><em>No cell of this table in this run.</em></p>'
      : `<table><thead><tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
          .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`;
  return `<section id="${esc(t.id)}"><h2>${esc(t.title)}</h2><p>${esc(t.intro)}</p>${body}${t.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}</section>`;
}

function header(results: RunResults): string[] {
  const h = results.host;
  const generators = [...new Set(results.cells.map((c) => c.loadGenerator))].join(', ') || (results.apiOverhead ? 'autocannon' : 'none');
  return [
    `Run \`${results.runId}\`, profile \`${results.profile}\`, ${results.startedAt} to ${results.finishedAt}.`,
    `Command: \`${results.command}\``,
    `Host: ${h.cpus} × ${h.cpuModel}, ${Math.round(h.memBytes / 1073741824)} GiB, Node ${h.node}, ${h.platform}. Load generator: ${generators}, on the same host.`,
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
  const charts = chartSpecs(results);
  const svgs = await renderSvgs(charts.map((c) => c.spec));

  const md = [`# Redis HA with standalone: reproduction report`, '', ...header(results).map((l) => `${l}  `), ''];
  if (results.notes.length) md.push('## Notes', '', ...results.notes.map((n) => `- ${n}`), '');
  md.push(...tables.map(tableToMarkdown));
  if (charts.length) md.push('## Charts', '', ...charts.map((c) => `![${c.title}](charts/${c.name}.svg)`), '');

  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>Report ${esc(results.runId)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}' +
      'table{border-collapse:collapse;margin:.5em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}' +
      'td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}.note{font-size:12px;color:#555}figure{margin:1em 0}</style>',
    '</head><body>',
    '<h1>Redis HA with standalone: reproduction report</h1>',
    ...header(results).map((l) => `<p>${esc(l.replace(/`/g, ''))}</p>`),
    results.notes.length ? `<h2>Notes</h2><ul>${results.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '',
    ...tables.map(tableToHtml),
    charts.length ? '<h2>Charts</h2>' : '',
    ...charts.map((c, i) => `<figure id="chart-${esc(c.name)}">${svgs[i]}<figcaption>${esc(c.title)}</figcaption></figure>`),
    '</body></html>',
  ].join('\n');

  const files = [
    { path: join(dir, 'report.md'), content: md.join('\n') },
    { path: join(dir, 'report.html'), content: html },
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
