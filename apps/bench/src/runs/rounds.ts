// Alternated rounds: a comparison runs its variants interleaved (A B C, A B C, ...) rather than
// all of A then all of B, so a drift of the host (other work, a warm page cache, thermal limits)
// falls on every variant alike; the report gives each figure's median, min and max over rounds.
import type { Profile } from '@app/scenarios';
import { activePinning } from '../load';
import type { Stack } from '../stack';

/** Rounds of an alternated comparison by profile: smoke 1 (a check that it runs), local and study 3. */
export const COMPARISON_ROUNDS: Record<Profile, number> = { smoke: 1, local: 3, study: 3 };

/** In a pinned run: every running service of the stack registry on the system-under-test cores. */
export function pinServices(stack: Stack): void {
  const p = activePinning();
  if (!p) return;
  for (const s of stack.services()) p.pin(s.name, stack.pidOf(s.name));
}
