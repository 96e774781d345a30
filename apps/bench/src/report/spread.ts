// Median, min and max over the rounds of an alternated comparison, and the verdict on a ratio
// against its target: "met" only when the whole range is on the right side, "missed" when the
// whole range is on the wrong side, else "not resolved" (the rounds disagree; never printed as met).
import type { Spread } from '../results';

export function spreadOf(values: number[]): Spread | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** `1234 (1200–1300, 3 rounds)`, or the value alone for one round. */
export function spreadText(s: Spread | null, f: (x: number) => string = (x) => String(Math.round(x)), unit = ''): string {
  if (!s) return '–';
  return s.n === 1 ? `${f(s.median)}${unit}` : `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)}, ${s.n} rounds)`;
}

export type Verdict = 'met' | 'missed' | 'not resolved';

/** A "at least target" ratio: met when even the lowest round meets it, missed when even the highest misses it. */
export function verdictAtLeast(s: Spread, target: number): Verdict {
  if (s.min >= target) return 'met';
  if (s.max < target) return 'missed';
  return 'not resolved';
}

/** `0.93× (0.88–0.97×, 3 rounds; target >= 0.8×: met)`. */
export function ratioText(s: Spread | null, target: number): string {
  if (!s) return 'n/a';
  const range = s.n === 1 ? '1 round, no spread' : `${r2(s.min)}–${r2(s.max)}×, ${s.n} rounds`;
  return `${r2(s.median)}× (${range}; target >= ${target}×: ${verdictAtLeast(s, target)})`;
}
