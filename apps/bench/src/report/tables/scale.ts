// bench scale's tables (issue 10, "how cost grows"): GET by rows beside the redis-benchmark floor,
// and bootstrap by keys beside Redis's own full sync.
import type { RunResults, ScaleGetPoint } from '../../results';
import type { Table } from './common';

const TARGET_LABEL: Record<ScaleGetPoint['target'], string> = {
  'dept-api-cached': 'dept-api GET /v1/departments (Redis)',
  'dept-api-mariadb': 'dept-api GET /v1/departmentsNoCache (MariaDB)',
  'redis-benchmark': 'redis-benchmark GET (floor)',
};
const us = (v: number | null) => (v === null ? '–' : `${v}`);
const mibs = (b: number) => `${(b / 1048576).toFixed(1)}`;

export function scaleGetTable(results: RunResults): Table {
  const s = results.scale;
  const rows = (s?.get ?? []).map((p) => [
    TARGET_LABEL[p.target],
    `${p.rows}`,
    `${p.bodyBytes}`,
    `${Math.round(p.tps)}`,
    mibs(p.bytesPerSec),
    p.p50Ms === null ? '–' : `${p.p50Ms} / ${p.p99Ms ?? '–'}`,
    us(p.cpuUsPerRequest.app),
    us(p.cpuUsPerRequest.redis),
    us(p.cpuUsPerRequest.mariadb),
    us(p.cpuUsPerRequest.loadGenerator),
    `${p.errors} / ${p.requests}`,
  ]);
  const notes: string[] = [];
  if (s) {
    notes.push(`Pinning: ${s.pinning.note}`);
    for (const p of s.get.filter((x) => x.command)) notes.push(`${p.rows} rows floor: \`${p.command}\``);
    notes.push('CPU per request: each process\'s CPU time (utime + stime, all threads) over the cell divided by its requests; the load generator is this bench process (autocannon) and is not counted for redis-benchmark.');
  }
  return {
    id: 'scale-get',
    title: 'How cost grows: GET by rows, beside the Redis floor',
    intro: s
      ? `${s.connections} connections, ${s.durationSec} s per dept-api cell, one dept-api process per backend; the floor is redis-benchmark GET (-n ${s.redisBenchmarkRequests}, same connections) of the cached list's bytes on the same redis-server. MiB/s: bytes read per second (autocannon counts headers too).`
      : 'Not measured in this run.',
    header: ['target', 'rows', 'body bytes', 'TPS', 'MiB/s', 'p50 / p99 ms', 'app µs/req', 'Redis µs/req', 'MariaDB µs/req', 'LG µs/req', 'errors / requests'],
    rows,
    notes,
  };
}

export function scaleBootstrapTable(results: RunResults): Table {
  const s = results.scale;
  const ms = (v: number | null) => (v === null ? 'not done' : `${v}`);
  const rows = (s?.bootstrap ?? []).map((b) => [
    b.keys.toLocaleString('en-US'),
    b.usedMemoryBytes === null ? '–' : `${Math.round(b.usedMemoryBytes / 1048576)}`,
    ms(b.agentBootstrapMs),
    ms(b.agentReadyAfterRestartMs),
    `${Math.round(b.agentSyncRatio * 1000) / 10} %`,
    ms(b.redisFullSyncMs),
    b.redisFullSyncKeys.toLocaleString('en-US'),
  ]);
  return {
    id: 'scale-bootstrap',
    title: 'How cost grows: HA bootstrap by keys, beside Redis\'s own full sync',
    intro:
      'Agent: node b of the mirrored pair filled (64-byte values), node a SIGKILLed and restarted empty, the agent copies b into it (bench ha kill\'s bootstrap by size). ' +
      'Floor: an empty redis-server of the same configuration REPLICAOF a filled one, timed until master_link_status:up and not loading.',
    header: ['keys', 'used memory MiB', 'agent bootstrap ms', 'agent ready after restart ms', 'agent sync', 'Redis full sync ms', 'keys on the replica'],
    rows,
    notes: [],
  };
}
