// Fault schedules (pure, seeded) and their execution against a topology. Every fault is bounded
// in time and healed: a killed process is started again, a paused one continued, a cut proxy
// re-enabled, a toxic removed.
import { sleep } from '@app/async';
import type { FaultKind, HistoryRecorder } from './history';
import { Prng } from './prng';
import type { NodeId, Topology } from './topology';
import type { ToxiproxyClient } from './toxiproxy';

export const FAULT_KINDS: readonly FaultKind[] = [
  'none', 'kill-node', 'kill-node-empty', 'pause-node', 'partition', 'double-partition', 'partition-kill-app', 'kill-agent', 'latency',
];

export interface FaultSpec {
  id: number;
  kind: FaultKind;
  /** ms after the workload started. */
  atMs: number;
  /** How long the fault holds before its heal. */
  durationMs: number;
  node: NodeId;
  replica: number;
  /** partition: close the proxy (`down`: connections refused/reset) or hold all data (`blackhole`: a timeout toxic). */
  how: 'down' | 'blackhole';
  /** latency: added per direction, ms. */
  latencyMs: number;
}

export interface ScheduleTiming {
  /** Workload length, ms. */
  durationMs: number;
  /** Quiet time before the first fault. */
  warmupMs: number;
  /** Length of each fault. */
  faultMs: number;
  /** Node pause: longer than the op timeout. */
  pauseMs: number;
}

function spec(id: number, kind: FaultKind, atMs: number, t: ScheduleTiming, prng: Prng, replicas: number): FaultSpec {
  // The issue's cases: X cut from b then killed; X cut from a and Y from b.
  const node: NodeId = kind === 'partition-kill-app' ? 'b' : prng.pick<NodeId>(['a', 'b']);
  return {
    id,
    kind,
    atMs,
    durationMs: kind === 'pause-node' ? t.pauseMs : t.faultMs,
    node: kind === 'double-partition' ? 'a' : node,
    replica: kind === 'double-partition' ? 0 : prng.int(0, Math.max(0, replicas - 1)),
    how: kind === 'partition' && prng.next() < 0.5 ? 'blackhole' : 'down',
    latencyMs: 300,
  };
}

/** One fault of one kind after the warm-up (none: an empty schedule, for same-key races alone). */
export function singleSchedule(kind: FaultKind, t: ScheduleTiming, prng: Prng, replicas: number): FaultSpec[] {
  if (kind === 'none') return [];
  return [spec(1, kind, t.warmupMs, t, prng, replicas)];
}

/** Faults of random kinds one after another, each healed, with a quiet gap, until the workload's last quarter. */
export function mixedSchedule(t: ScheduleTiming, prng: Prng, replicas: number, kinds: readonly FaultKind[] = FAULT_KINDS): FaultSpec[] {
  const usable = kinds.filter((k) => k !== 'none' && (replicas > 1 || k !== 'double-partition'));
  const out: FaultSpec[] = [];
  let at = t.warmupMs;
  const end = t.durationMs * 0.75;
  for (let id = 1; at < end; id++) {
    const s = spec(id, prng.pick(usable), at, t, prng, replicas);
    s.durationMs = Math.min(s.durationMs, Math.max(1000, end - at));
    out.push(s);
    at += s.durationMs + prng.int(1500, 3000);
  }
  return out;
}

export function describeFault(f: FaultSpec, topo: Topology): string {
  const node = topo.resolveNode(f.node);
  switch (f.kind) {
    case 'double-partition':
      return `replica 0 x node ${topo.resolveNode('a')}, replica 1 x node ${topo.resolveNode('b')}`;
    case 'partition':
      return `replica ${f.replica} x node ${node} (${f.how})`;
    case 'partition-kill-app':
      return `replica ${f.replica} x node ${node}, replica ${f.replica} kill -9 + restart`;
    case 'latency':
      return `every replica x node ${node} +${f.latencyMs} ms`;
    case 'kill-agent':
      return `agent ${node}`;
    default:
      return `node ${node}`;
  }
}

const TOXIC = 'chaos-cut';

/**
 * How long a black-holed connection stays open before Toxiproxy closes it. Not 0 (held forever):
 * the timeout toxic drops the bytes it holds, and a connection that lost bytes mid-stream but
 * lived on after the heal would desynchronise the Redis protocol, which no TCP network does.
 */
const BLACKHOLE_CLOSE_MS = 2000;

async function cut(toxi: ToxiproxyClient, proxy: string, how: FaultSpec['how']): Promise<void> {
  if (how === 'down') {
    await toxi.setEnabled(proxy, false);
    return;
  }
  // Nothing passes either way; each connection is closed after BLACKHOLE_CLOSE_MS.
  await toxi.addToxic(proxy, { name: `${TOXIC}-down`, type: 'timeout', stream: 'downstream', attributes: { timeout: BLACKHOLE_CLOSE_MS } });
  await toxi.addToxic(proxy, { name: `${TOXIC}-up`, type: 'timeout', stream: 'upstream', attributes: { timeout: BLACKHOLE_CLOSE_MS } });
}

async function heal(toxi: ToxiproxyClient, proxy: string, how: FaultSpec['how']): Promise<void> {
  if (how === 'down') {
    await toxi.setEnabled(proxy, true);
    return;
  }
  await toxi.removeToxic(proxy, `${TOXIC}-down`).catch(() => undefined);
  await toxi.removeToxic(proxy, `${TOXIC}-up`).catch(() => undefined);
}

/** Sleeps until `ms` or until the run is stopped, whichever first. */
async function hold(ms: number, stopped: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && !stopped()) await sleep(Math.min(100, end - Date.now()));
}

/** Injects one fault, holds it for its duration, heals it; every step in the history. */
export async function runFault(f: FaultSpec, topo: Topology, toxi: ToxiproxyClient, h: HistoryRecorder, stopped: () => boolean, log: (l: string) => void): Promise<void> {
  const target = describeFault(f, topo);
  const node = topo.resolveNode(f.node);
  const ev = (phase: 'start' | 'stop' | 'step', extra: { detail?: string; died?: { node?: string; replica?: number } } = {}) => {
    h.fault({ phase, kind: f.kind, target, id: f.id, ...extra });
    log(`  fault ${f.id} ${phase} ${f.kind} (${target})${extra.detail ? `: ${extra.detail}` : ''}`);
  };
  switch (f.kind) {
    case 'none':
      return;
    case 'kill-node':
    case 'kill-node-empty': {
      ev('start', { detail: 'kill -9', died: { node } });
      await topo.killNode(node);
      await hold(f.durationMs, stopped);
      await topo.startNode(node, f.kind === 'kill-node-empty');
      ev('stop', { detail: f.kind === 'kill-node-empty' ? 'restarted with an empty data folder' : 'restarted with its data' });
      return;
    }
    case 'pause-node': {
      ev('start', { detail: 'SIGSTOP' });
      topo.pauseNode(node);
      try {
        await hold(f.durationMs, stopped);
      } finally {
        topo.resumeNode(node);
      }
      ev('stop', { detail: 'SIGCONT' });
      return;
    }
    case 'partition': {
      const proxy = topo.proxyName(f.replica, node);
      ev('start');
      await cut(toxi, proxy, f.how);
      await hold(f.durationMs, stopped);
      await heal(toxi, proxy, f.how);
      ev('stop');
      return;
    }
    case 'double-partition': {
      const proxies = [topo.proxyName(0, topo.resolveNode('a')), topo.proxyName(1, topo.resolveNode('b'))];
      ev('start');
      for (const p of proxies) await cut(toxi, p, 'down');
      await hold(f.durationMs, stopped);
      for (const p of proxies) await heal(toxi, p, 'down');
      ev('stop');
      return;
    }
    case 'partition-kill-app': {
      const proxy = topo.proxyName(f.replica, node);
      const healAt = Date.now() + f.durationMs;
      ev('start');
      await cut(toxi, proxy, 'down');
      await hold(f.durationMs / 3, stopped);
      ev('step', { detail: `kill -9 replica ${f.replica}`, died: { replica: f.replica } });
      await topo.killApp(f.replica);
      await hold(500, stopped);
      // Started again at once, during the cut; the cut heals at the fault's end whether or not the
      // replica is serving yet (dept-api takes seconds to start here), then the run waits for it.
      ev('step', { detail: `replica ${f.replica} restarting` });
      const restarted = topo.startApp(f.replica).then(() => ev('step', { detail: `replica ${f.replica} live again` }));
      restarted.catch(() => undefined);
      await hold(Math.max(0, healAt - Date.now()), stopped);
      await heal(toxi, proxy, 'down');
      ev('stop');
      await restarted;
      return;
    }
    case 'kill-agent': {
      if (!topo.hasAgents) {
        ev('start', { detail: 'no agent in this topology: nothing done' });
        ev('stop');
        return;
      }
      ev('start', { detail: 'kill -9' });
      await topo.killAgent(node);
      await hold(f.durationMs, stopped);
      await topo.startAgent(node);
      ev('stop', { detail: 'agent restarted' });
      return;
    }
    case 'latency': {
      const proxies = Array.from({ length: topo.replicas }, (_, r) => topo.proxyName(r, node));
      ev('start');
      for (const p of proxies) await toxi.addToxic(p, { name: 'chaos-latency', type: 'latency', stream: 'downstream', attributes: { latency: f.latencyMs, jitter: Math.round(f.latencyMs / 3) } });
      await hold(f.durationMs, stopped);
      for (const p of proxies) await toxi.removeToxic(p, 'chaos-latency').catch(() => undefined);
      ev('stop');
      return;
    }
  }
}

/** Runs a schedule: each fault at its time (never overlapping: a late fault starts after the previous heal). */
export async function runSchedule(schedule: readonly FaultSpec[], topo: Topology, toxi: ToxiproxyClient, h: HistoryRecorder, stopped: () => boolean, log: (l: string) => void): Promise<number | null> {
  let lastHealMs: number | null = null;
  for (const f of schedule) {
    const wait = f.atMs - h.now();
    if (wait > 0) await hold(wait, stopped);
    if (stopped()) break;
    await runFault(f, topo, toxi, h, stopped, log);
    lastHealMs = h.now();
  }
  return lastHealMs;
}
