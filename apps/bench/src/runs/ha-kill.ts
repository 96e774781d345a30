// bench ha kill: one node of the pair gets SIGKILL in the middle of a read+write run through
// dept-api and is started again EMPTY after a delay (a pod without its volume). Measured for each
// topology, with the agent (our cold bootstrap) and without it (the anchors' own behaviour:
// nothing resyncs the node). Then the agent's bootstrap time against dataset size.
import { randomInt } from 'node:crypto';
import { PROFILES, kill as killScenario } from '@app/scenarios';
import type { Cell, Profile } from '@app/scenarios';
import { sleep, waitFor } from '@app/async';
import { setDepartmentRows } from '@app/mariadb';
import { runCell } from '../load';
import type { BootstrapPoint, CellResult, HaKillFigures, HaVariant } from '../results';
import { isInterrupted } from '../cli/abort';
import { log } from '../cli/log';
import { HaKind, HaNodeId, HaPair, agentView, dynomiteOrSkip, withHaPair } from '../stack';
import { runFrame } from './frame';
import { COMPARISON_ROUNDS, pinServices } from './rounds';
import { ackedSync, clientEvents, keyCount, keyspaceSync, pct, round } from './ha-sync';

export interface HaKillOptions {
  profile: Profile;
  kinds?: HaKind[];
  /** Which runs: with the agent, without, or both (default both). */
  agents?: boolean[];
  node?: HaNodeId;
  /** Dataset sizes for the bootstrap timing (default: the profile's ha.bootstrapKeys); [] skips it. */
  bootstrapSizes?: number[];
  /** Skip the kill runs (bootstrap sizes only). */
  skipKill?: boolean;
  /** Rounds of the interleaved kill variants (default COMPARISON_ROUNDS of the profile). */
  rounds?: number;
}

/** How long the run waits after the load for the agent to report the node in sync. */
const IN_SYNC_WAIT_MS = 60_000;

/** The read and write halves of the kill run: the study's kill cells (GET cached, POST unique) with vUsers split. */
export function killCells(profile: Profile, variant: HaVariant, agents: boolean): Cell[] {
  const k = PROFILES[profile].kill;
  const base = killScenario.cells(profile).filter((c) => c.backend === 'redis-aof');
  return base.map((c) => {
    const part = c.method === 'GET' ? 'read' : 'write';
    const vUsers = Math.max(1, c.method === 'GET' ? Math.ceil(k.vUsers / 2) : Math.floor(k.vUsers / 2));
    return {
      ...c,
      id: `ha-kill/${variant}/${agents ? 'agent' : 'no-agent'}/${part}`,
      table: 'ha',
      vUsers,
    } satisfies Cell;
  });
}

export async function runHaKill(o: HaKillOptions): Promise<void> {
  await runFrame('ha-kill', o.profile, async (record) => {
    let kinds = o.kinds ?? ['mirrored', 'dynomite'];
    if (kinds.includes('dynomite') && !dynomiteOrSkip('Dynomite pair', 'not run', log, (note) => record.notes.push(note))) kinds = kinds.filter((k) => k !== 'dynomite');
    const node = o.node ?? 'a';
    await withHaPair(log, async (pair) => {
      if (!o.skipKill) {
        // The variants interleaved over rounds (mirrored with agent, without, Dynomite ...; again),
        // so the report gives each one's median and range.
        const rounds = o.rounds ?? COMPARISON_ROUNDS[o.profile];
        for (let round = 1; round <= rounds; round++) {
          for (const kind of kinds) {
            for (const agents of o.agents ?? [true, false]) {
              if (isInterrupted()) break;
              log(`round ${round}/${rounds}`);
              const cells = await killRun(pair, o.profile, kind, agents, node);
              for (const c of cells) c.round = round;
              record.cells.push(...cells);
              await pair.down();
            }
          }
        }
        if (rounds > 1) record.notes.push(`Kill variants interleaved over ${rounds} rounds; the table gives every round, the notes under it the median (min–max) per variant.`);
      }
      const sizes = o.bootstrapSizes ?? PROFILES[o.profile].ha.bootstrapKeys;
      if (sizes.length) {
        record.ha.bootstrap = await bootstrapBySize(pair, sizes);
        await pair.down();
      }
    });
    record.notes.push(
      `Kill runs: node ${node} (the node dept-api talks to first) gets SIGKILL at killAtSec and is started EMPTY after restartDelaySec. ` +
        'Without the agent, the mirrored client elects nodes by role (REDIS_HA_READINESS=role), as a pair without markers must.',
    );
  }, { pin: true });
}

async function killRun(pair: HaPair, profile: Profile, kind: HaKind, agents: boolean, node: HaNodeId): Promise<CellResult[]> {
  const variant: HaVariant = kind === 'mirrored' ? 'mirrored-async' : 'dynomite';
  const label = `${variant} ${agents ? 'with agent' : 'without agent'}`;
  log(`${label}: starting the pair ...`);
  await pair.up({ kind, agents, api: true, readiness: agents ? 'marker' : 'role' });
  pinServices(pair.stack);
  const apiUrl = pair.apiUrl(kind);
  const cells = killCells(profile, variant, agents);
  const readCell = cells.find((c) => c.method === 'GET')!;
  const writeCell = cells.find((c) => c.method === 'POST')!;
  // The GET check expects exactly cell.rows departments, as in the study's kill test.
  const ds = await pair.stack.dataSource();
  try {
    await setDepartmentRows(ds, readCell.rows);
  } finally {
    await ds.destroy();
  }
  const killAtSec = readCell.killAtSec!;
  const restartDelaySec = readCell.restartDelaySec!;
  const acked: string[] = [];
  // Set from timers and the watcher; an object so the compiler does not narrow them to null.
  const at: { restart: number | null; inSync: number | null } = { restart: null, inSync: null };
  let killed = false;
  let t0 = 0;
  const timers: NodeJS.Timeout[] = [];
  const progress = (part: string) => (p: { second: number; durationSec: number; tps: number; errors: number }) => {
    if (part === 'write') log(`  ${label} ${p.second + 1}/${p.durationSec} s  write tps ${p.tps}  errors ${p.errors}`);
  };
  log(`${label}: ${readCell.vUsers} readers + ${writeCell.vUsers} writers for ${readCell.durationSec} s; SIGKILL node ${node} at ${killAtSec} s, restart empty ${restartDelaySec} s later`);
  const restartPromise = new Promise<void>((resolve, reject) => {
    timers.push(
      setTimeout(() => {
        log(`  SIGKILL ${node}`);
        pair
          .killNode(node)
          .then(() => {
            killed = true;
            timers.push(
              setTimeout(() => {
                log(`  restarting ${node} empty`);
                // The restart's time is when it was asked for: the agent may start its bootstrap
                // before startNode has seen the new process answer.
                const asked = (Date.now() - t0) / 1000;
                pair.startNode(node, true).then(() => {
                  at.restart = asked;
                  pinServices(pair.stack);
                  resolve();
                }, reject);
              }, restartDelaySec * 1000),
            );
          }, reject);
      }, killAtSec * 1000),
    );
  });
  // The agent's view is polled from the kill on: "in sync" counts only once the agent has been seen
  // not ready (it noticed the kill) and then ready again after the restart.
  const watchAgent = async (deadline: number) => {
    if (!agents) return;
    let seenNotReady = false;
    while (Date.now() < deadline) {
      if (killed) {
        const ready = (await agentView(pair.agentPort(node))).ready;
        if (!ready) seenNotReady = true;
        else if (seenNotReady && at.restart !== null) {
          at.inSync = (Date.now() - t0) / 1000;
          return;
        }
      }
      await sleep(200);
    }
  };
  t0 = Date.now();
  const seed = randomInt(0, 0x7fffffff);
  const watcher = watchAgent(t0 + (readCell.durationSec * 1000 + IN_SYNC_WAIT_MS));
  let results: CellResult[];
  try {
    results = await Promise.all([
      runCell(killScenario, readCell, { baseUrls: [apiUrl], seed, onProgress: progress('read'), restartAtSec: () => at.restart }),
      runCell(killScenario, writeCell, { baseUrls: [apiUrl], seed: seed + 1, onAcked: (id) => acked.push(id), onProgress: progress('write'), restartAtSec: () => at.restart }),
    ]);
    await restartPromise;
  } finally {
    for (const t of timers) clearTimeout(t);
  }
  if (agents) {
    log(`  waiting up to ${IN_SYNC_WAIT_MS / 1000} s for ${node}'s agent to report it in sync ...`);
  }
  await watcher;
  const view = agents ? await agentView(pair.agentPort(node)) : undefined;
  // Let async mirrors and Dynomite's cross-DC writes land before comparing.
  await sleep(1000);
  const [a, b] = await Promise.all([pair.client('a'), pair.client('b')]);
  try {
    const s = await ackedSync(a, b, acked);
    const keyspace = await keyspaceSync(a, b);
    const keysOnNode = await keyCount(node === 'a' ? a : b).catch(() => null);
    const events = kind === 'mirrored' ? await clientEvents(apiUrl) : undefined;
    const figures = (r: CellResult): HaKillFigures => ({
      node,
      killAtSec,
      restartAtSec: at.restart === null ? null : round(at.restart, 2),
      inSyncAfterRestartSec: at.inSync !== null && at.restart !== null ? round(at.inSync - at.restart, 2) : null,
      bootstrapMs: view?.ready && view.lastBootstrap?.ok ? view.lastBootstrap.durationMs : null,
      failedAfterKill: r.timeline.filter((p) => p.t >= Math.floor(killAtSec)).reduce((n, p) => n + p.errors, 0),
      keysOnRestartedNode: keysOnNode,
    });
    results.forEach((r, i) => {
      r.ha = { variant, agents, part: i === 0 ? 'read' : 'write', kill: figures(r), keyspace };
      if (events) r.ha.clientEvents = events;
      if (i === 1) {
        r.ha.ackedSync = s;
        r.sync = { acked: s.acked, onBoth: s.equalOnBoth, onlyA: s.onlyA, onlyB: s.onlyB, syncRatio: s.ratio };
      }
    });
    const failed = results.reduce((n, r) => n + r.totals.errors, 0);
    log(
      `${label}: ${failed} failed requests of ${results.reduce((n, r) => n + r.totals.requests, 0)}; ` +
        `in sync ${results[0].ha!.kill!.inSyncAfterRestartSec ?? 'never (no agent or timed out)'} s after the restart; ` +
        `acknowledged writes on both ${pct(s.ratio)} (${s.equalOnBoth}/${s.acked}); keyspace sync ${pct(keyspace.syncRatio)}`,
    );
  } finally {
    a.disconnect();
    b.disconnect();
  }
  return results;
}

/**
 * Bootstrap time against dataset size: node b is filled directly (DEBUG POPULATE, else pipelined
 * SETs), node a is SIGKILLed and started empty, and its agent copies b into it.
 */
export async function bootstrapBySize(pair: HaPair, sizes: number[]): Promise<BootstrapPoint[]> {
  const points: BootstrapPoint[] = [];
  await pair.up({ kind: 'mirrored', agents: true, api: false });
  for (const size of sizes) {
    if (isInterrupted()) break;
    await pair.flushBoth();
    const b = await pair.client('b', 120_000);
    const a = await pair.client('a', 120_000);
    try {
      const fillStart = Date.now();
      const fill = await populate(b, size);
      const fillMs = Date.now() - fillStart;
      const info = await b.info('memory');
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
      log(`bootstrap ${size.toLocaleString('en-US')} keys: filled b in ${fillMs} ms (${fill}); SIGKILL a, restart empty ...`);
      a.disconnect();
      await pair.killNode('a');
      // Restart only once the agent has noticed the kill, so "ready" below is the bootstrap's, not a stale view.
      await waitFor('ha-agent-a to notice the kill', async () => !(await agentView(pair.agentPort('a'))).ready, 10_000, 100);
      // From the moment the restart is asked for: the agent may begin its bootstrap before
      // startNode has seen the new process answer (it wakes on the node's first connection).
      const restarted = Date.now();
      await pair.startNode('a', true);
      let readyMs: number | null = null;
      const deadline = restarted + Math.max(60_000, size / 5);
      while (Date.now() < deadline) {
        const v = await agentView(pair.agentPort('a'));
        if (v.ready) {
          readyMs = Date.now() - restarted;
          break;
        }
        await sleep(100);
      }
      const view = await agentView(pair.agentPort('a'));
      const a2 = await pair.client('a', 120_000);
      try {
        const keysAfter = await keyCount(a2);
        const sync = await keyspaceSync(a2, b, '*', Math.max(120_000, size / 2));
        const point: BootstrapPoint = {
          keys: size,
          fill,
          fillMs,
          bootstrapMs: view.lastBootstrap?.ok ? view.lastBootstrap.durationMs : null,
          readyAfterRestartMs: readyMs,
          keysAfter,
          syncRatio: sync.syncRatio,
          usedMemoryBytes: Number.isFinite(used) ? used : null,
        };
        points.push(point);
        log(`bootstrap ${size.toLocaleString('en-US')} keys: agent bootstrap ${point.bootstrapMs ?? 'n/a'} ms, ready ${readyMs ?? 'never'} ms after the restart, ${keysAfter} keys on a, sync ${pct(sync.syncRatio)}`);
      } finally {
        a2.disconnect();
      }
    } finally {
      a.disconnect();
      b.disconnect();
    }
  }
  return points;
}

/** Fills a node with `size` string keys of 64 bytes: DEBUG POPULATE when allowed, else pipelined SETs. */
export async function populate(c: import('ioredis').default, size: number): Promise<string> {
  try {
    await c.call('DEBUG', 'POPULATE', String(size), 'bootstrap', '64');
    return 'DEBUG POPULATE';
  } catch {
    const value = 'x'.repeat(64);
    for (let i = 0; i < size; i += 1000) {
      const p = c.pipeline();
      for (let j = i; j < Math.min(size, i + 1000); j++) p.set(`bootstrap:${j}`, value);
      await p.exec();
    }
    return 'pipelined SET';
  }
}
