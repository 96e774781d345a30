// bench ha write: the study's HA table (study.md §4 "HA application test"): write-only TPS,
// acknowledged writes and sync ratio at the study's vUsers (scaled by profile), for a single Redis,
// the mirrored pair in async and sync mode, and the Dynomite pair when DYNOMITE_BIN is set.
import { REDIS_HASH_PREFIX, haDeptNoPrefix, haWrite, runTagFromSeed } from '@app/scenarios';
import type { Cell, HaTopology, Profile } from '@app/scenarios';
import { randomInt } from 'node:crypto';
import { sleep } from '@app/async';
import { Sampler, runCell } from '../load';
import type { SampledProcess } from '../load';
import { isInterrupted } from '../cli/abort';
import type { CellResult, HaVariant } from '../results';
import { log } from '../cli/log';
import { HA_NAMES, HaPair, dynomiteOrSkip, withHaPair } from '../stack';
import { runFrame } from './frame';
import { COMPARISON_ROUNDS, pinServices } from './rounds';
import { ackedSync, clientEvents, keyspaceSync, pct } from './ha-sync';

export const WRITE_VARIANTS: readonly HaVariant[] = ['single', 'mirrored-async', 'mirrored-sync', 'dynomite'];

const TOPOLOGY_OF: Record<HaVariant, HaTopology> = {
  single: 'write-only',
  'mirrored-async': 'mirrored',
  'mirrored-sync': 'mirrored',
  dynomite: 'dynomite',
};

export interface HaWriteOptions {
  profile: Profile;
  /** Only these study vUsers rows (default all: 1000, 2000, 3000). */
  studyVUsers?: number[];
  variants?: HaVariant[];
  /** Overrides the profile's cell length. */
  durationSec?: number;
  /** Rounds of the interleaved variants (default COMPARISON_ROUNDS of the profile). */
  rounds?: number;
}

/** The cells of one variant: the scenario's ha-write cells, ids made unique per variant. */
export function writeCells(profile: Profile, variant: HaVariant, studyVUsers?: number[], durationSec?: number): Cell[] {
  return haWrite
    .cells(profile)
    .filter((c) => c.topology === TOPOLOGY_OF[variant] && (!studyVUsers || studyVUsers.includes(c.studyRow.vUsers)))
    .map((c) => {
      const cell: Cell = variant === 'mirrored-sync' ? { ...c, id: `${c.id}/sync` } : { ...c };
      if (durationSec) cell.durationSec = durationSec;
      if (cell.rampUpSec >= cell.durationSec) cell.rampUpSec = Math.max(0, Math.floor(cell.durationSec / 3));
      return cell;
    });
}

export async function runHaWrite(o: HaWriteOptions): Promise<void> {
  await runFrame(
    'ha-write',
    o.profile,
    (record) => runHaWriteCells(o, (cell) => record.cells.push(cell), (note) => record.notes.push(note)),
    { pin: true },
  );
}

/**
 * The HA write cells on their own pair (ports of `ports().ha`, beside the study's stack), handed
 * to `onCell` one by one: `ha write` writes them as a run, `study` adds them to its report.
 * The variants are interleaved over rounds (single, async, sync, Dynomite; again; ...), so the
 * report can give each variant's median, min and max and say whether a ratio is resolved.
 */
export async function runHaWriteCells(o: HaWriteOptions, onCell: (cell: CellResult) => void, onNote: (note: string) => void): Promise<void> {
  let variants = o.variants ?? [...WRITE_VARIANTS];
  if (variants.includes('dynomite') && !dynomiteOrSkip('Dynomite pair', 'not run', log, onNote)) variants = variants.filter((v) => v !== 'dynomite');
  const rounds = o.rounds ?? COMPARISON_ROUNDS[o.profile];
  onNote(`HA write: ${variants.join(', ')} interleaved over ${rounds} round(s) (each round runs every variant once, in this order); tables give the median and the range over the rounds.`);
  await withHaPair(log, async (pair) => {
    // One pair with agents for the whole run; each variant gets an emptied pair and its own dept-api.
    await pair.up({ kind: 'mirrored', agents: true, api: false });
    await pair.stack.startMariaDb();
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) {
        if (isInterrupted()) return;
        await pair.flushBoth();
        const kind = variant === 'single' ? 'single' : variant === 'dynomite' ? 'dynomite' : 'mirrored';
        if (kind === 'dynomite') await pair.startDynomite();
        const apiUrl = await pair.startApi(kind, { mirrorMode: variant === 'mirrored-sync' ? 'sync' : 'async' });
        pinServices(pair.stack);
        log(`round ${round}/${rounds} ${variant}: dept-api on ${apiUrl}`);
        for (const cell of writeCells(o.profile, variant, o.studyVUsers, o.durationSec)) {
          const r = await runWriteCell(pair, variant, cell, apiUrl, kind);
          r.round = round;
          onCell(r);
        }
        await pair.stopApi(kind);
      }
    }
  });
}

/** The processes a write cell costs: its dept-api, the Redis it writes to (both for a pair), the Dynomite sidecars. */
function writeSampler(pair: HaPair, kind: 'single' | 'mirrored' | 'dynomite'): Sampler {
  const processes: SampledProcess[] = [];
  const api = pair.stack.pidOf(HA_NAMES.api[kind]);
  if (api) processes.push({ name: HA_NAMES.api[kind], role: 'app', pid: api });
  for (const node of kind === 'single' ? (['a'] as const) : (['a', 'b'] as const)) {
    const pid = pair.stack.pidOf(HA_NAMES.redis[node]);
    if (pid) processes.push({ name: HA_NAMES.redis[node], role: 'redis', pid });
    const dyn = kind === 'dynomite' ? pair.stack.pidOf(HA_NAMES.dynomite[node]) : undefined;
    if (dyn) processes.push({ name: HA_NAMES.dynomite[node], role: 'proxy', pid: dyn });
  }
  return new Sampler({ processes }).start();
}

async function runWriteCell(pair: HaPair, variant: HaVariant, cell: Cell, apiUrl: string, kind: 'single' | 'mirrored' | 'dynomite'): Promise<CellResult> {
  const seed = randomInt(0, 0x7fffffff);
  const runTag = runTagFromSeed(seed);
  const acked: string[] = [];
  log(`${variant} ${cell.id}: ${cell.vUsers} connections, ${cell.durationSec} s (ramp-up ${cell.rampUpSec} s) ...`);
  const sampler = writeSampler(pair, kind);
  const result = await runCell(haWrite, cell, {
    baseUrls: [apiUrl],
    sampler,
    seed,
    onAcked: (id) => acked.push(id),
    onProgress: (p) => log(`  ${variant} ${p.second + 1}/${p.durationSec} s  tps ${p.tps}  errors ${p.errors}`),
  }).finally(() => sampler.stop());
  const events = variant.startsWith('mirrored') ? await clientEvents(apiUrl) : undefined;
  result.ha = { variant, agents: true };
  if (events) result.ha.clientEvents = events;
  if (variant !== 'single') {
    // Async mirrors and Dynomite's cross-DC replication finish after the HTTP answer: give them a moment.
    await sleep(1000);
    const [a, b] = await Promise.all([pair.client('a'), pair.client('b')]);
    try {
      const s = await ackedSync(a, b, acked);
      result.ha.ackedSync = s;
      result.sync = { acked: s.acked, onBoth: s.equalOnBoth, onlyA: s.onlyA, onlyB: s.onlyB, syncRatio: s.ratio };
      result.ha.keyspace = await keyspaceSync(a, b, `${REDIS_HASH_PREFIX}${haDeptNoPrefix(runTag)}*`);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  }
  log(
    `${variant} ${cell.id}: ${Math.round(result.totals.tps)} TPS, ${result.totals.ok} acknowledged, ${result.totals.errors} errors` +
      (result.cpuPerRequest ? `, CPU/request app ${result.cpuPerRequest.appUsPerRequest ?? 'n/a'} µs, Redis ${result.cpuPerRequest.redisUsPerRequest ?? 'n/a'} µs` : '') +
      (result.sync ? `, sync ${pct(result.sync.syncRatio)} (${result.sync.onBoth}/${result.sync.acked})` : ''),
  );
  return result;
}
