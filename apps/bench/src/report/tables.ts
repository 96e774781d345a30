// The study's tables rebuilt from a run's results, same rows and columns as study.md §4, each of
// our cells beside the study's figure. One table model, rendered to Markdown and to HTML.
import type { Backend, HaTopology } from '@app/scenarios';
import { BACKENDS } from '@app/scenarios';
import type { CellResult, HaVariant, RedisUsage, RunResults } from '../results';
import {
  STUDY_ERROR_NOTE,
  STUDY_GET,
  STUDY_HA,
  STUDY_KILL,
  STUDY_KILL_DIP,
  STUDY_POST,
  STUDY_REDIS_BENCHMARK,
  STUDY_STRESS,
} from './study-figures';
import type { StudyTpsCell } from './study-figures';

export interface Table {
  id: string;
  title: string;
  /** Paragraph under the title: what the table compares and how to read it. */
  intro: string;
  header: string[];
  rows: string[][];
  notes: string[];
}

export const BACKEND_LABEL: Record<Backend, string> = {
  mariadb: 'mariadb',
  redis: 'redis',
  'redis-aof': 'AOF everysec',
  'redis-always': 'AOF always',
};

const MARKS =
  'Marks: † bound by the load generator (autocannon used >= 90 % of a core), ‡ errors >= 1 % (the study calls such TPS unreliable), ' +
  '* run interrupted. "–" = cell not run.';

const fmt = (n: number) => (Math.abs(n) >= 100 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));
const mib = (bytes: number) => `${Math.round(bytes / 1048576)}Mi`;

export function marks(r: CellResult): string {
  return (r.resources.loadGenerator.bound ? '†' : '') + (r.totals.errorPct >= 1 ? '‡' : '') + (r.interrupted ? '*' : '');
}

/** "TPS (max cpu)" as the study writes it: `2600 (380m)`. */
export function tpsCpu(r: CellResult | undefined): string {
  if (!r) return '–';
  const cpu = r.resources.appPeakMillicores === null ? 'cpu n/a' : `${Math.round(r.resources.appPeakMillicores)}m`;
  return `${Math.round(r.totals.tps)} (${cpu})${marks(r)}`;
}

const studyTpsCpu = (s: StudyTpsCell) => `${s.tps} (${s.cpuMillicores}m)`;

function find(results: RunResults, pred: (r: CellResult) => boolean): CellResult | undefined {
  // A later cell with the same coordinates (a rerun inside the run) wins.
  return [...results.cells].reverse().find(pred);
}

function ourVUsers(cells: (CellResult | undefined)[]): string {
  const v = [...new Set(cells.filter((c): c is CellResult => !!c).map((c) => c.cell.vUsers))];
  return v.length ? v.join('/') : '–';
}

export function getTable(results: RunResults): Table {
  const rows = STUDY_GET.map((s) => {
    const cells = BACKENDS.map((b) =>
      find(results, (r) => r.cell.table === 'get' && r.cell.backend === b && r.cell.studyRow.vUsers === s.vUsers && (r.cell.studyRow.rows ?? 10) === s.rows && r.cell.studyRow.replicas === s.replicas),
    );
    return [`${s.vUsers}`, ourVUsers(cells), `${s.rows}`, `${s.replicas}`, ...BACKENDS.map((b, i) => `${tpsCpu(cells[i])} / ${studyTpsCpu(s.tps[b])}`)];
  });
  return {
    id: 'get',
    title: 'Application GET TPS (max CPU of the app)',
    intro:
      'Each backend cell: ours / the study\'s, as "TPS (peak millicores of dept-api)". With 2 replicas the CPU is both processes together. ' +
      'mariadb = GET /v1/departmentsNoCache, the Redis columns = GET /v1/departments (cache-aside).',
    header: ['vUser (study)', 'vUser (ours)', 'rows', 'replicas', ...BACKENDS.map((b) => BACKEND_LABEL[b])],
    rows,
    notes: [MARKS, STUDY_ERROR_NOTE],
  };
}

export function postTable(results: RunResults): Table {
  const rows = STUDY_POST.map((s) => {
    const cells = BACKENDS.map((b) =>
      find(results, (r) => r.cell.table === 'post' && r.cell.backend === b && r.cell.studyRow.vUsers === s.vUsers && r.cell.studyRow.replicas === s.replicas),
    );
    return [`${s.vUsers}`, ourVUsers(cells), `${s.replicas}`, ...BACKENDS.map((b, i) => `${tpsCpu(cells[i])} / ${studyTpsCpu(s.tps[b])}`)];
  });
  const mariadb = results.cells.filter((r) => r.cell.table === 'post' && r.cell.backend === 'mariadb');
  const notes = [MARKS, STUDY_ERROR_NOTE];
  if (mariadb.some((r) => r.cell.idMode === 'unique'))
    notes.push('mariadb: unique ids per (run, VU, iteration), so every 409 would be an error; the study used random ids and counted duplicates as answers.');
  if (mariadb.some((r) => r.cell.idMode === 'random'))
    notes.push('mariadb with the study\'s random ids: 409 duplicates count as answers in TPS (as the study counted them); see "answered" in the cell list.');
  return {
    id: 'post',
    title: 'Application POST TPS (max CPU of the app)',
    intro: 'mariadb = POST /api/departments (INSERT), the Redis columns = POST /api/departmentRedises (Spring hash layout). Each cell: ours / the study\'s.',
    header: ['vUser (study)', 'vUser (ours)', 'replicas', ...BACKENDS.map((b) => BACKEND_LABEL[b])],
    rows,
    notes,
  };
}

export function killTable(results: RunResults): Table {
  const cells = results.cells.filter((r) => r.cell.table === 'kill');
  const rows = cells.map((r) => {
    const k = r.kill;
    const study = STUDY_KILL[r.cell.backend as keyof typeof STUDY_KILL];
    const d = r.durability;
    return [
      BACKEND_LABEL[r.cell.backend],
      r.cell.method,
      `${r.cell.vUsers}`,
      `${fmt(r.cell.durationSec)} s, kill at ${k ? fmt(k.killAtSec) : '–'} s`,
      `${Math.round(r.totals.tps)}${marks(r)}`,
      `${r.totals.errorPct}`,
      k ? `${fmt(k.baselineTps)} → ${k.minTps} (-${k.dipPct} %) at ${k.dipAtSec} s` : '–',
      k ? (k.recoverySec === null ? 'not recovered' : `${k.recoverySec} s`) : '–',
      d ? `${d.acked} / ${d.present} (${d.lost} lost, ${d.lostPct} %)` : '–',
      study ? `${study.tps} TPS, ${study.errorPct} %` : '–',
    ];
  });
  return {
    id: 'kill',
    title: 'Instance-kill test',
    intro:
      `The Redis behind dept-api gets SIGKILL at the marked second and is started again after the restart delay (the Deployment re-creating the pod). ` +
      `Recovery = seconds from the kill until TPS is back at 90 % of its pre-kill mean. The study: TPS dipped to about ${STUDY_KILL_DIP.minTps} and was back within ${STUDY_KILL_DIP.recoverySec} s, ` +
      `all variants 0.1 % errors.`,
    header: ['variant', 'method', 'vUser', 'length', 'TPS', 'errors %', 'baseline → min TPS', 'recovery', 'acked / present after restart', 'study'],
    rows,
    notes: [MARKS, 'acked / present: POST only; writes acknowledged with 201 and the keys found in Redis after the restart.'],
  };
}

/** The sampler's Redis whose name matches the cell's backend (or the only one sampled). */
export function redisFor(r: CellResult): RedisUsage | undefined {
  const all = r.resources.redis;
  return all.find((x) => x.name === r.cell.backend) ?? (all.length === 1 ? all[0] : undefined);
}

export function stressTable(results: RunResults): Table {
  const cells = results.cells.filter((r) => r.cell.table === 'stress');
  const rows = cells.map((r) => {
    const redis = redisFor(r);
    const proc = r.resources.processes.find((p) => p.role === 'redis' && p.name === r.cell.backend);
    const study = STUDY_STRESS[r.cell.backend as keyof typeof STUDY_STRESS];
    return [
      BACKEND_LABEL[r.cell.backend],
      `${r.cell.vUsers}`,
      `${fmt(r.cell.durationSec)} s`,
      `+${r.cell.payloadExtraBytes} B`,
      `${Math.round(r.totals.tps)}${marks(r)}`,
      `${r.totals.errorPct} (${r.totals.errors} / ${r.totals.requests})`,
      proc ? mib(proc.peakRssBytes) : redis ? mib(redis.peakUsedMemoryRss) : '–',
      redis ? mib(redis.peakUsedMemory) : '–',
      r.limits ? (r.limits.applied ? `${r.cell.redisCpuLimit} CPU` : `not applied: ${r.limits.note}`) : 'not recorded',
      study ? `${study.tps} TPS, ${study.peakMemoryMiB}Mi, ${study.errorPct} %` : '–',
    ];
  });
  return {
    id: 'stress',
    title: 'AOF stress test: everysec vs always',
    intro:
      'Redis limited to 0.1 CPU (cgroups where the host allows it), each row 100 bytes larger, the study\'s random ids. ' +
      'Peak RSS is the redis-server process; the study\'s figure is container memory, which also counts page cache.',
    header: ['variant', 'vUser', 'length', 'payload', 'TPS', 'errors % (count)', 'peak RSS', 'peak used_memory', 'Redis CPU limit', 'study'],
    rows,
    notes: [MARKS],
  };
}

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

export function haTable(results: RunResults): Table {
  const writes = results.cells.filter((r) => r.cell.table === 'ha' && r.cell.scenario === 'ha-write');
  const vUsers = [...new Set([...STUDY_HA.map((s) => s.vUsers), ...writes.map((r) => r.cell.studyRow.vUsers)])].sort((a, b) => a - b);
  const rows = vUsers.map((v) => {
    const study = STUDY_HA.find((s) => s.vUsers === v);
    const cells = HA_COLUMNS.map((c) => [...writes].reverse().find((r) => haVariantOf(r) === c.variant && r.cell.studyRow.vUsers === v));
    return [
      `${v}`,
      ourVUsers(cells),
      ...HA_COLUMNS.map((c, i) => {
        const r = cells[i];
        const ours = r ? `${Math.round(r.totals.tps)} / ${r.totals.ok.toLocaleString('en-US')} / ${r.sync ? pctText(r.sync.syncRatio) : 'n/a'}${marks(r)}` : '–';
        const s = c.variant === 'mirrored-sync' ? undefined : study?.cells[c.topology];
        return `${ours} vs ${s ? `${s.tps} / ${s.count.toLocaleString('en-US')} / ${s.syncPct === null ? 'n/a' : `${s.syncPct} %`}` : '–'}`;
      }),
    ];
  });
  const notes = [MARKS];
  const single = writes.filter((r) => haVariantOf(r) === 'single');
  const asyncCells = writes.filter((r) => haVariantOf(r) === 'mirrored-async');
  const ratios = asyncCells
    .map((r) => {
      const base = [...single].reverse().find((x) => x.cell.studyRow.vUsers === r.cell.studyRow.vUsers);
      return base && base.totals.tps > 0 ? `${r.cell.studyRow.vUsers}: ${Math.round((r.totals.tps / base.totals.tps) * 100) / 100}x` : null;
    })
    .filter((x): x is string => !!x);
  if (ratios.length) notes.push(`Mirrored pair (async) write TPS / single Redis write TPS, by study vUser: ${ratios.join(', ')} (target >= 0.8x).`);
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
      h.part ?? r.cell.method,
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
    notes: [MARKS, 'Recovery = seconds from the kill until TPS is back at 90 % of its pre-kill mean.'],
  };
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

export function redisBenchmarkTable(results: RunResults): Table {
  const targets = [...new Set([...STUDY_REDIS_BENCHMARK.map((s) => s.target), ...results.redisBenchmark.map((r) => r.target)])];
  const rows = targets.map((target) => {
    const ours = [...results.redisBenchmark].reverse().find((r) => r.target === target);
    const study = STUDY_REDIS_BENCHMARK.find((s) => s.target === target);
    const t = (name: string) => ours?.tests[name];
    const o = (name: string, withP50 = false) => {
      const x = t(name);
      if (!x) return '–';
      return `${Math.round(x.rps).toLocaleString('en-US')}${withP50 && x.p50Ms !== null ? ` (${x.p50Ms} ms)` : ''}`;
    };
    return [
      study?.label ?? target,
      `${o('SET', true)} / ${study ? `${study.set.toLocaleString('en-US')} (${study.setP50Ms} ms)` : '–'}`,
      `${o('GET')} / ${study ? study.get.toLocaleString('en-US') : '–'}`,
      `${o('LPUSH')} / ${study ? study.lpush.toLocaleString('en-US') : '–'}`,
      `${o('LPOP')} / ${study ? study.lpop.toLocaleString('en-US') : '–'}`,
    ];
  });
  const commands = [...new Set(results.redisBenchmark.map((r) => r.command))];
  return {
    id: 'redis-benchmark',
    title: 'redis-benchmark',
    intro: 'requests per second, ours / the study\'s (SET with its p50). The study ran redis-benchmark inside the Redis pod, at 0.5 CPU.',
    header: ['target', 'SET rps (p50)', 'GET rps', 'LPUSH', 'LPOP'],
    rows,
    notes: commands.length ? [`Command: ${commands.join('; ')}`] : ['No redis-benchmark run in this results file.'],
  };
}

/** Every cell of the run, with the counters the tables are computed from. */
export function cellListTable(results: RunResults): Table {
  const rows = results.cells.map((r) => {
    const e = r.errors;
    const kinds = [
      ...Object.entries(e.byStatus).map(([s, n]) => `${s}: ${n}`),
      e.timeouts ? `timeouts: ${e.timeouts}` : '',
      ...Object.entries(e.connection).map(([c, n]) => `${c}: ${n}`),
      ...Object.entries(e.checkFailed).map(([c, n]) => `check "${c}": ${n}`),
    ].filter(Boolean);
    return [
      r.cell.id,
      `${r.cell.vUsers}`,
      `${r.durationSec}`,
      `${r.totals.requests}`,
      `${r.totals.ok}`,
      `${r.totals.answered}`,
      `${r.totals.errors}`,
      `${Math.round(r.totals.tps)}${marks(r)}`,
      `${r.latencyMs.p50} / ${r.latencyMs.p95} / ${r.latencyMs.p99}`,
      r.resources.appPeakMillicores === null ? 'n/a' : `${Math.round(r.resources.appPeakMillicores)}m`,
      `${r.resources.loadGenerator.meanMillicores}m`,
      kinds.join(', ') || '–',
    ];
  });
  return {
    id: 'cells',
    title: 'Every cell',
    intro: 'TPS = (ok + answered) / seconds. Latency in ms over answers with the expected status. LG = the load generator\'s mean CPU.',
    header: ['cell', 'vUser', 'seconds', 'requests', 'ok', 'answered', 'errors', 'TPS', 'p50 / p95 / p99', 'app peak CPU', 'LG CPU', 'errors by kind'],
    rows,
    notes: [],
  };
}

/** issue 2's measure: dept-api against a bare handler serving the same cached string. */
export function apiOverheadTable(results: RunResults): Table {
  const o = results.apiOverhead;
  const ratio = (x: number | null) => (x === null ? 'n/a' : `${x}×`);
  const rows = (o?.measurements ?? []).map((m) => [
    m.target === 'bare' ? 'bare Fastify + ioredis' : 'dept-api GET /v1/departments',
    `${m.rows}`,
    `${m.round}`,
    `${Math.round(m.tps)}`,
    `${m.p50Ms} / ${m.p99Ms}`,
    `${m.meanMillicores}m (peak ${m.peakMillicores}m)`,
    `${m.redisMeanMillicores}m`,
    `${m.loadGeneratorMeanMillicores}m`,
    `${m.errors} / ${m.requests}`,
  ]);
  const notes = o
    ? [
        `dept-api / bare at 10 rows: ${ratio(o.ratios.deptVsBare10)} (target >= ${o.targets.deptVsBare10}×: ${o.met.deptVsBare10 ? 'met' : 'missed'}); ` +
          `at 1000 rows: ${ratio(o.ratios.deptVsBare1000)}.`,
        `dept-api 1000 rows / 10 rows: ${ratio(o.ratios.rows1000Vs10)} (target >= ${o.targets.rows1000Vs10}×: ${o.met.rows1000Vs10 ? 'met' : 'missed'}).`,
        'Targets are reported, not asserted. Load generator, servers and Redis share this host\'s cores.',
      ]
    : [];
  return {
    id: 'api-overhead',
    title: 'API overhead: dept-api against a bare handler (same Redis key, same load)',
    intro: o
      ? `${o.connections} connections, ${o.durationSec} s each, ${o.rounds} round(s) alternating bare and dept-api, one process each, both serving the bytes cached under ${o.redisKey}. Ratios use the median TPS over the rounds.`
      : 'Not measured in this run.',
    header: ['server', 'rows', 'round', 'TPS', 'p50 / p99 ms', 'server CPU (mean)', 'Redis CPU', 'LG CPU', 'errors / requests'],
    rows,
    notes,
  };
}

export function allTables(results: RunResults): Table[] {
  const tables = [redisBenchmarkTable(results), getTable(results), postTable(results), killTable(results), stressTable(results), haTable(results)];
  if (results.apiOverhead) tables.push(apiOverheadTable(results));
  // The HA run tables only when the run made them, so the study's reports keep their shape.
  for (const t of [haKillTable(results), haBootstrapTable(results), haCommandsTable(results), haSyncCheckTable(results)]) if (t.rows.length) tables.push(t);
  return [...tables, cellListTable(results)];
}
