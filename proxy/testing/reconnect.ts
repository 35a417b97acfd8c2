import { setTimeout as sleep } from 'node:timers/promises';
import { type ConnectOptions, TestClient } from './ws-client.js';

/** Client reconnect policy: first try after a random share of `baseMs`, then doubling up to `capMs`. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 2_000 };

/** Delay before attempt `attempt` (0-based): full jitter on the first, so a stampede spreads out. */
export function backoffDelayMs(attempt: number, backoff: BackoffOptions, random = Math.random): number {
  if (attempt === 0) return Math.floor(random() * backoff.baseMs);
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** attempt);
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Reconnects like a good client after its socket dropped: waits by the
 * backoff, connects, joins `room`; repeats until it works or `giveUpMs` passes.
 */
export async function reconnectWithBackoff(
  url: string,
  room: string,
  options: ConnectOptions & { backoff?: BackoffOptions; giveUpMs?: number } = {},
): Promise<{ client: TestClient; attempts: number }> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const deadline = Date.now() + (options.giveUpMs ?? 15_000);
  let lastError: unknown;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    await sleep(backoffDelayMs(attempt, backoff));
    try {
      const client = await TestClient.connect(url, { ...options, timeoutMs: 2_000 });
      try {
        await client.join(room);
      } catch (error) {
        client.terminate();
        throw error;
      }
      return { client, attempts: attempt + 1 };
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(
    `reconnect to ${url} gave up: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}
