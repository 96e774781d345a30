// Waiting, bounded: a pause, a poll with a deadline, a promise with a timeout. The API, redis-ha,
// the agent and the lab's process helpers share these; nothing here knows what it waits for.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it resolves true or `timeoutMs` passes; throws with `what` in the message. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Raised by withTimeout when the promise did not settle in time. */
export class TimeoutError extends Error {}

/** Settles like `p`, or rejects with a TimeoutError after `ms` (the timer never holds the process). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what = 'no answer'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`${what} within ${ms} ms`)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
