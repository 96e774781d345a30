// The study's own tables (study.md §4), each of our cells beside the study's figure: redis-benchmark,
// the GET and POST matrices, the kill and stress tests, and the list of every cell run.
import { BACKENDS } from '@app/scenarios';
import type { RunResults } from '../../results';
import { STUDY_ERROR_NOTE, STUDY_GET, STUDY_KILL, STUDY_KILL_DIP, STUDY_POST, STUDY_REDIS_BENCHMARK, STUDY_STRESS } from '../study-figures';
import { BACKEND_LABEL, cpuPerReq, find, fmt, MARKS, marks, mib, ourVUsers, redisFor, studyTpsCpu, tpsCpu } from './common';
import type { Table } from './common';

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
      d?.beforeKill ? `${d.beforeKill.acked} / ${d.beforeKill.present} (${d.beforeKill.lost} lost, ${d.beforeKill.lostPct} %)` : d ? `not split (all ${d.acked} / ${d.present})` : '–',
      d?.whileDown ? `${d.whileDown.acked}` : '–',
      d?.afterRestart ? `${d.afterRestart.acked} / ${d.afterRestart.present}` : '–',
      cpuPerReq(r),
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
    header: ['variant', 'method', 'vUser', 'length', 'TPS', 'errors %', 'baseline → min TPS', 'recovery', 'acked before kill / present after restart', 'acked while down', 'acked after restart / present', 'CPU µs/request app / Redis', 'study'],
    rows,
    notes: [
      MARKS,
      'POST only: writes acknowledged with 201, split by when the answer arrived: before the SIGKILL (what persistence must keep: "lost" is the durability figure), ' +
        'while Redis was down (should be 0: nothing can be stored then), after the restart (written to the restarted server; says nothing about persistence). ' +
        'Every key is looked up in Redis after the restart.',
    ],
  };
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
      r.round ? `${r.cell.id} (round ${r.round})` : r.cell.id,
      `${r.cell.vUsers}`,
      `${r.durationSec}`,
      `${r.totals.requests}`,
      `${r.totals.ok}`,
      `${r.totals.answered}`,
      `${r.totals.errors}`,
      `${Math.round(r.totals.tps)}${marks(r)}`,
      `${r.latencyMs.p50} / ${r.latencyMs.p95} / ${r.latencyMs.p99}`,
      r.resources.appPeakMillicores === null ? 'n/a' : `${Math.round(r.resources.appPeakMillicores)}m`,
      cpuPerReq(r),
      `${r.resources.loadGenerator.meanMillicores}m`,
      kinds.join(', ') || '–',
    ];
  });
  return {
    id: 'cells',
    title: 'Every cell',
    intro:
      'TPS = (ok + answered) / seconds. Latency in ms over answers with the expected status. LG = the load generator\'s mean CPU. ' +
      'CPU µs/request = the process\'s own CPU time (utime + stime) over the cell / requests (= ms per 1000 requests); app = every dept-api replica of the cell. A round number follows the cell id in alternated runs.',
    header: ['cell', 'vUser', 'seconds', 'requests', 'ok', 'answered', 'errors', 'TPS', 'p50 / p95 / p99', 'app peak CPU', 'CPU µs/request app / Redis', 'LG CPU', 'errors by kind'],
    rows,
    notes: [],
  };
}
