import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** Give up after this long. Default 10 000 ms. */
  timeoutMs?: number;
  /** Poll interval. Default 25 ms. */
  intervalMs?: number;
  /** Said in the error when the wait times out. */
  description?: string;
}

/**
 * Polls `predicate` until it returns a truthy value (or a promise of one) and
 * returns that value. Errors thrown by the predicate count as "not yet".
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = options.description ?? 'condition';
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms${cause}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves once `done()` has been called `n` times. */
export function times(n: number): { done: () => void; promise: Promise<void> } {
  let remaining = n;
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  if (remaining <= 0) resolve();
  return {
    promise,
    done: () => {
      remaining -= 1;
      if (remaining === 0) resolve();
    },
  };
}
