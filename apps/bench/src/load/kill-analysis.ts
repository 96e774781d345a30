// The kill test's figures from a per-second timeline: the study reported "TPS dropped to about
// 350 and was back to normal within 10 s"; here: baseline before the kill, the lowest second
// after it, and the time until TPS is back at 90 % of the baseline (the definition).
import type { KillAnalysis, TimelinePoint } from '../results';

export const RECOVERED_SHARE = 0.9;
/** Seconds at the start left out of the baseline: connections opening, caches warming. */
const WARM_UP_SEC = 2;

export function analyseKill(timeline: TimelinePoint[], killAtSec: number, restartAtSec: number | null): KillAnalysis {
  const tps = (p: TimelinePoint) => p.ok + p.answered;
  const killSecond = Math.floor(killAtSec);
  let before = timeline.filter((p) => p.t < killSecond && p.t >= WARM_UP_SEC);
  if (before.length === 0) before = timeline.filter((p) => p.t < killSecond);
  const baselineTps = before.length ? before.reduce((a, p) => a + tps(p), 0) / before.length : 0;
  const after = timeline.filter((p) => p.t >= killSecond);
  const threshold = baselineTps * RECOVERED_SHARE;

  const firstLow = after.findIndex((p) => tps(p) < threshold);
  let recoveryIndex = -1;
  if (firstLow >= 0) {
    const rel = after.slice(firstLow).findIndex((p) => tps(p) >= threshold);
    recoveryIndex = rel >= 0 ? firstLow + rel : -1;
  }
  const dipWindow = firstLow < 0 ? after : after.slice(firstLow, recoveryIndex >= 0 ? recoveryIndex : after.length);
  const dip = dipWindow.reduce<TimelinePoint | null>((low, p) => (low === null || tps(p) < tps(low) ? p : low), null);
  const minTps = dip ? tps(dip) : 0;

  let recoverySec: number | null;
  if (firstLow < 0) recoverySec = after.length ? 0 : null; // no second fell below 90 %: no visible dip
  else recoverySec = recoveryIndex >= 0 ? after[recoveryIndex].t - killAtSec : null;

  return {
    killAtSec,
    restartAtSec,
    baselineTps: Math.round(baselineTps * 10) / 10,
    minTps,
    dipAtSec: dip ? dip.t : killSecond,
    dipPct: baselineTps > 0 ? Math.round((1 - minTps / baselineTps) * 1000) / 10 : 0,
    recoverySec: recoverySec === null ? null : Math.round(recoverySec * 10) / 10,
  };
}
