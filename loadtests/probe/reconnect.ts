import { setTimeout as sleep } from 'node:timers/promises';
import { type BackoffOptions, backoffDelayMs } from '../runner/backoff.js';
import { type ConnectOptions, ProbeClient } from './probe-client.js';

/** Same policy as the load runner's clients: full jitter, doubling from 100 ms up to 2 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 2_000 };

/**
 * Reconnects like a good client after its socket dropped: waits by the
 * backoff, connects, joins `room`; repeats until it works or `giveUpMs` passes.
 */
export async function reconnectWithBackoff(
  url: string,
  room: string,
  options: ConnectOptions & { backoff?: BackoffOptions; giveUpMs?: number } = {},
): Promise<{ client: ProbeClient; attempts: number }> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const deadline = Date.now() + (options.giveUpMs ?? 15_000);
  let lastError: unknown;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    await sleep(backoffDelayMs(attempt, backoff));
    try {
      const client = await ProbeClient.connect(url, { ...options, timeoutMs: 2_000 });
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
