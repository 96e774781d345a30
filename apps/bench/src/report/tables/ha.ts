// The HA tables: the study's HA application test, and the HA runs' kill, bootstrap, command and
// sync-check tables.
import type { HaTopology } from '@app/scenarios';
import type { CellResult, HaVariant, RunResults, Spread } from '../../results';
import { ratioText, spreadOf, spreadText } from '../spread';
import { STUDY_HA } from '../study-figures';
import { fmt, MARKS, marks, mib, ourVUsers } from './common';
import type { Table } from './common';

/** Columns of the HA write table: the study's topologies, with our mirrored pair in both modes. */
const HA_COLUMNS: { variant: HaVariant | 'envoy'; topology: HaTopology; label: string }[] = [
  { variant: 'single', topology: 'write-only', label: 'write-only (single Redis)' },
  { variant: 'mirrored-async', topology: 'mirrored', label: 'mirrored pair, async (ours)' },
  { variant: 'mirrored-sync', topology: 'mirrored', label: 'mirrored pair, sync (ours)' },
  { variant: 'dynomite', topology: 'dynomite', label: 'Dynomite' },
  { variant: 'envoy', topology: 'envoy', label: 'Envoy' },
];
/** The variant of an ha-write cell: recorded by bench ha write, else inferred from the topology (k6 runs). */
function haVariantOf(r: CellResult): HaVariant | 'envoy' {
  if (r.ha) return r.ha.variant;
  switch (r.cell.topology) {
    case 'mirrored': return 'mirrored-async';
    case 'dynomite': return 'dynomite';
    case 'envoy': return 'envoy';
    default: return 'single';
  }
}
const pctText = (ratio: number) => `${Math.round(ratio * 1000) / 10} %`;
/** Every round of one HA write variant at one study vUser row. */
function haRounds(writes: CellResult[], variant: HaVariant | 'envoy', vUsers: number): CellResult[] {
  return writes.filter((r) => haVariantOf(r) === variant && r.cell.studyRow.vUsers === vUsers);
}
/** Target of the mirrored pair (async) against a single Redis, write TPS (issue 4). */
export const HA_ASYNC_VS_SINGLE_TARGET = 0.8;
/**
 * variant TPS / single Redis TPS, one ratio per round (the two ran in the same round, next to
 * each other), as median, min and max over the rounds.
 */
export function haWriteRatio(results: RunResults, variant: HaVariant, vUsers: number): Spread | null {
  const writes = results.cells.filter((r) => r.cell.table === 'ha' && r.cell.scenario === 'ha-write');
  const base = haRounds(writes, 'single', vUsers);
  const ratios = haRounds(writes, variant, vUsers)
    .map((r, i) => {
      const b = r.round !== undefined ? base.find((x) => x.round === r.round) : base[i];
      return b && b.totals.tps > 0 ? r.totals.tps / b.totals.tps : NaN;
    })
    .filter((x) => Number.isFinite(x));
  return spreadOf(ratios);
}
export function haTable(results: RunResults): Table {
  const writes = results.cells.filter((r) => r.cell.table === 'ha' && r.cell.scenario === 'ha-write');
  const vUsers = [...new Set([...STUDY_HA.map((s) => s.vUsers), ...writes.map((r) => r.cell.studyRow.vUsers)])].sort((a, b) => a - b);
  const rows = vUsers.map((v) => {
    const study = STUDY_HA.find((s) => s.vUsers === v);
    const byColumn = HA_COLUMNS.map((c) => haRounds(writes, c.variant, v));
    return [
      `${v}`,
      ourVUsers(byColumn.map((rs) => rs[rs.length - 1])),
      ...HA_COLUMNS.map((c, i) => {
        const rs = byColumn[i];
        let ours = '–';
        if (rs.length) {
          const tps = spreadOf(rs.map((r) => r.totals.tps));
          const acked = spreadOf(rs.map((r) => r.totals.ok));
          const syncs = rs.filter((r) => r.sync).map((r) => r.sync!.syncRatio);
          const sync = syncs.length ? `${pctText(Math.min(...syncs))}${syncs.length > 1 ? ' (lowest)' : ''}` : 'n/a';
          const app = spreadOf(rs.filter((r) => r.cpuPerRequest?.appUsPerRequest != null).map((r) => r.cpuPerRequest!.appUsPerRequest!));
          const redis = spreadOf(rs.filter((r) => r.cpuPerRequest?.redisUsPerRequest != null).map((r) => r.cpuPerRequest!.redisUsPerRequest!));
          const cpu = app || redis ? `; CPU/req app ${spreadText(app, fmt, ' µs')}, Redis ${spreadText(redis, fmt, ' µs')}` : '';
          ours = `${spreadText(tps)} / ${spreadText(acked, (x) => Math.round(x).toLocaleString('en-US'))} / ${sync}${rs.map(marks).join('')}${cpu}`;
        }
        const s = c.variant === 'mirrored-sync' ? undefined : study?.cells[c.topology];
        return `${ours} vs ${s ? `${s.tps} / ${s.count.toLocaleString('en-US')} / ${s.syncPct === null ? 'n/a' : `${s.syncPct} %`}` : '–'}`;
      }),
    ];
  });
  const notes = [MARKS];
  const rounds = Math.max(0, ...writes.map((r) => r.round ?? 1));
  if (rounds > 1) notes.push(`Variants interleaved over ${rounds} rounds: each figure is the median (min–max) over the rounds; sync is the lowest round's.`);
  const ratios = (variant: HaVariant, target?: number) =>
    vUsers
      .map((v) => {
        const sp = haWriteRatio(results, variant, v);
        if (!sp) return null;
        return `${v}: ${target === undefined ? spreadText(sp, (x) => `${Math.round(x * 100) / 100}×`) : ratioText(sp, target)}`;
      })
      .filter((x): x is string => !!x);
  const asyncRatios = ratios('mirrored-async', HA_ASYNC_VS_SINGLE_TARGET);
  if (asyncRatios.length) notes.push(`Mirrored pair (async) write TPS / single Redis write TPS in the same round, by study vUser: ${asyncRatios.join('; ')}. A range that crosses the target is "not resolved", never met.`);
  const syncRatios = ratios('mirrored-sync');
  if (syncRatios.length) notes.push(`Mirrored pair (sync) / single Redis: ${syncRatios.join('; ')} (no target).`);
  const dynRatios = ratios('dynomite');
  if (dynRatios.length) notes.push(`Dynomite pair / single Redis: ${dynRatios.join('; ')} (no target).`);
  const withKeyspace = writes.filter((r) => r.ha?.keyspace);
  if (withKeyspace.length) {
    notes.push(
      'Keyspace check of the run\'s keys (syncCheck, SCAN on each node): ' +
        withKeyspace.map((r) => `${r.ha!.variant} ${r.cell.studyRow.vUsers}: ${pctText(r.ha!.keyspace!.syncRatio)} (${r.ha!.keyspace!.keysA}/${r.ha!.keyspace!.keysB} keys)`).join('; ') + '.',
    );
  }
  const events = writes.filter((r) => r.ha?.clientEvents && Object.keys(r.ha.clientEvents).length);
  if (events.length) {
    notes.push(
      'Mirrored client counters (dept_redis_ha_events, cumulative per dept-api process): ' +
        events.map((r) => `${r.ha!.variant} ${r.cell.studyRow.vUsers}: mirrorOk ${r.ha!.clientEvents!.mirrorOk ?? 0}, mirrorFailed ${r.ha!.clientEvents!.mirrorFailed ?? 0}, degradedWrites ${r.ha!.clientEvents!.degradedWrites ?? 0}`).join('; ') + '.',
    );
  }
  return {
    id: 'ha',
    title: 'HA application test: write-only TPS / count / sync',
    intro:
      'Writes only (AOF everysec), ramp-up on. Each cell: ours vs the study\'s "TPS / acknowledged writes / sync", ' +
      'sync = acknowledged keys present and equal on both instances (read on each node directly) / acknowledged writes. ' +
      'The mirrored pair is the project\'s own; the study has no figure for it.',
    header: ['vUser (study)', 'vUser (ours)', ...HA_COLUMNS.map((c) => c.label)],
    rows,
    notes,
  };
}
/** bench ha kill: one row per run and part (read, write). */
export function haKillTable(results: RunResults): Table {
  const cells = results.cells.filter((r) => r.cell.table === 'ha' && r.cell.scenario === 'kill' && r.ha?.kill);
  const rows = cells.map((r) => {
    const h = r.ha!;
    const k = h.kill!;
    const a = r.kill;
    return [
      h.variant,
      h.agents ? 'yes' : 'no',
      `${h.part ?? r.cell.method}${r.round ? ` (round ${r.round})` : ''}`,
      `${r.cell.vUsers}`,
      `${fmt(r.cell.durationSec)} s, kill ${k.node} at ${fmt(k.killAtSec)} s, restart ${k.restartAtSec === null ? '–' : `${fmt(k.restartAtSec)} s`}`,
      `${r.totals.requests}`,
      `${r.totals.errors} (${r.totals.errorPct} %)`,
      `${k.failedAfterKill}`,
      a ? `${fmt(a.baselineTps)} → ${a.minTps} (-${a.dipPct} %)` : '–',
      a ? (a.recoverySec === null ? 'not recovered' : `${a.recoverySec} s`) : '–',
      h.agents ? (k.inSyncAfterRestartSec === null ? 'not in sync' : `${k.inSyncAfterRestartSec} s`) : 'no agent: never',
      k.bootstrapMs === null ? '–' : `${k.bootstrapMs} ms`,
      h.ackedSync ? `${pctText(h.ackedSync.ratio)} (${h.ackedSync.equalOnBoth}/${h.ackedSync.acked}; only a ${h.ackedSync.onlyA}, only b ${h.ackedSync.onlyB}, none ${h.ackedSync.missing})` : '–',
      h.keyspace ? `${pctText(h.keyspace.syncRatio)} (${h.keyspace.keysA}/${h.keyspace.keysB})` : '–',
    ];
  });
  return {
    id: 'ha-kill',
    title: 'HA kill test: one node SIGKILLed mid-run and restarted empty',
    intro:
      'Readers (GET /v1/departments) and writers (POST /api/departmentRedises, unique ids) run together through dept-api; one Redis of the pair gets SIGKILL ' +
      'and is started again with an empty data folder. "in sync" = seconds from the restart until the node\'s agent reports it ready (bootstrapped from the peer). ' +
      'Without the agent nothing copies the data back: the anchors\' behaviour (study.md §7). Sync of acknowledged writes: keys written by acknowledged POSTs, present and equal on both nodes at the end.',
    header: ['topology', 'agent', 'part', 'vUser', 'run', 'requests', 'failed', 'failed after kill', 'baseline → min TPS', 'recovery', 'in sync after restart', 'agent bootstrap', 'sync of acknowledged writes', 'keyspace sync (keys a/b)'],
    rows,
    notes: [MARKS, 'Recovery = seconds from the kill until TPS is back at 90 % of its pre-kill mean.', ...haKillSpreadNotes(cells)],
  };
}
/** Per kill variant (topology, agent), over its rounds: median (min–max) of the figures that compare. */
function haKillSpreadNotes(cells: CellResult[]): string[] {
  const keys = [...new Set(cells.map((r) => `${r.ha!.variant}|${r.ha!.agents}`))];
  const rounds = Math.max(0, ...cells.map((r) => r.round ?? 1));
  if (rounds < 2) return [];
  return keys.map((k) => {
    const [variant, agents] = k.split('|');
    const mine = cells.filter((r) => `${r.ha!.variant}|${r.ha!.agents}` === k);
    const writes = mine.filter((r) => r.ha!.part === 'write');
    const reads = mine.filter((r) => r.ha!.part === 'read');
    const num = (xs: (number | null | undefined)[]) => xs.filter((x): x is number => typeof x === 'number');
    const f1 = (x: number) => String(Math.round(x * 10) / 10);
    const inSync = num(reads.map((r) => r.ha!.kill!.inSyncAfterRestartSec));
    const failedByRound = [...new Set(mine.map((r) => r.round ?? 1))].map((round) => mine.filter((r) => (r.round ?? 1) === round).reduce((n, r) => n + r.ha!.kill!.failedAfterKill, 0));
    return (
      `${variant} ${agents === 'true' ? 'with' : 'without'} agent over ${reads.length || writes.length} rounds: ` +
      `read recovery ${spreadText(spreadOf(num(reads.map((r) => r.kill?.recoverySec))), f1, ' s')}, ` +
      `write recovery ${spreadText(spreadOf(num(writes.map((r) => r.kill?.recoverySec))), f1, ' s')}, ` +
      `failed requests after kill (read + write) ${spreadText(spreadOf(failedByRound))}, ` +
      `in sync after restart ${inSync.length ? spreadText(spreadOf(inSync), f1, ' s') : 'never'}${inSync.length && inSync.length < reads.length ? ` (${reads.length - inSync.length} round(s) never)` : ''}, ` +
      `acknowledged writes on both ${spreadText(spreadOf(num(writes.map((r) => r.ha!.ackedSync?.ratio).map((x) => (x === undefined ? undefined : x * 100)))), f1, ' %')}.`
    );
  });
}
export function haBootstrapTable(results: RunResults): Table {
  const points = results.ha?.bootstrap ?? [];
  return {
    id: 'ha-bootstrap',
    title: 'Cold bootstrap time against dataset size',
    intro:
      'Node b filled directly, node a SIGKILLed and started empty; its redis-ha-agent makes it a replica of b (REPLICAOF), waits for the full sync and matching offsets, promotes it and marks it ready. ' +
      '"agent bootstrap" = REPLICAOF to promotion (the agent\'s own figure); "ready after restart" adds the agent noticing the restart.',
    header: ['keys', 'fill', 'fill time', 'used_memory of b', 'agent bootstrap', 'ready after restart', 'keys on a after', 'sync'],
    rows: points.map((p) => [
      p.keys.toLocaleString('en-US'),
      p.fill,
      `${p.fillMs} ms`,
      p.usedMemoryBytes === null ? '–' : mib(p.usedMemoryBytes),
      p.bootstrapMs === null ? 'failed' : `${p.bootstrapMs} ms`,
      p.readyAfterRestartMs === null ? 'never' : `${p.readyAfterRestartMs} ms`,
      p.keysAfter.toLocaleString('en-US'),
      pctText(p.syncRatio),
    ]),
    notes: [],
  };
}
export function haCommandsTable(results: RunResults): Table {
  const probes = results.ha?.commands ?? [];
  const paths = [...new Set(probes.map((p) => p.path))];
  const commands = [...new Set(probes.map((p) => p.command))];
  return {
    id: 'ha-commands',
    title: 'Commands through each path',
    intro:
      'Each command on a fresh connection with a timeout; "closed" = the server closed the connection without a reply (a result, not a crash). ' +
      'Outcome: reply, error (an error reply), closed, timeout.',
    header: ['command', ...paths],
    rows: commands.map((c) => [c, ...paths.map((path) => {
      const p = probes.find((x) => x.path === path && x.command === c);
      return p ? `${p.outcome}: ${p.detail}` : '–';
    })]),
    notes: [],
  };
}
export function haSyncCheckTable(results: RunResults): Table {
  const checks = results.ha?.syncChecks ?? [];
  return {
    id: 'ha-sync-check',
    title: 'Sync check (SCAN on each node)',
    intro: 'The study\'s "Sync" column: keys equal on both nodes / keys on either node.',
    header: ['a', 'b', 'match', 'keys a', 'keys b', 'equal', 'only a', 'only b', 'different', 'sync', 'sample of differing keys'],
    rows: checks.map((c) => [
      c.a, c.b, c.report.match, `${c.report.keysA}`, `${c.report.keysB}`, `${c.report.equal}`, `${c.report.onlyA}`, `${c.report.onlyB}`, `${c.report.different}`,
      pctText(c.report.syncRatio), c.report.sample.slice(0, 5).map((d) => `${d.kind} ${d.key}`).join(', ') || '–',
    ]),
    notes: [],
  };
}
