import { setTimeout as sleep } from 'node:timers/promises';
import { type BackoffOptions, backoffDelayMs } from '../runner/backoff.js';
import { type ConnectOptions, ProbeClient } from './probe-client.js';

/** Same policy as the load runner's clients: full jitter, doubling from 100 ms up to 2 s. */
/** Hello within this, or the attempt failed. */
export const HELLO_TIMEOUT_MS = 6_000;

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
      // Longer than the heartbeat timeout (3 s by default) plus a connect: Nginx waits that long on
      // a frozen replica before it moves the upgrade on; a client that gives up sooner never lets
      // it count the failure, and comes back to the frozen replica again and again.
      const client = await ProbeClient.connect(url, {
        ...options,
        timeoutMs: options.timeoutMs ?? HELLO_TIMEOUT_MS,
      });
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
