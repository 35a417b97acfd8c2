import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from './client.js';
import type { CloseValue } from './contracts/protocol.js';
import type { Sender } from './sender.js';

/** Closes are issued in ticks this far apart: batches, not one timer per client. */
export const DRAIN_TICK_MS = 50;

export interface SpreadCloseOptions {
  /** The CLOSES entry every client is closed with. */
  close: CloseValue;
  /** Spread the closes over this long (0 = all at once). */
  windowMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Closes `clients` with `options.close`, each at a random tick within `windowMs`, so
 * the clients' reconnects (elsewhere) are spread instead of a thundering
 * herd. Resolves when every one has closed (stragglers are terminated by the
 * sender's close grace).
 */
export async function closeSpread(
  clients: Client[],
  sender: Sender,
  options: SpreadCloseOptions,
): Promise<void> {
  const random = options.random ?? Math.random;
  const tickCount = Math.max(1, Math.floor(options.windowMs / DRAIN_TICK_MS));
  const batches: Client[][] = Array.from({ length: tickCount }, () => []);
  for (const client of clients)
    batches[Math.min(tickCount - 1, Math.floor(random() * tickCount))]!.push(client);
  const closed = clients.map(
    (client) =>
      new Promise<void>((resolve) => {
        if (client.socket.readyState === client.socket.CLOSED) resolve();
        else client.socket.once('close', () => resolve());
      }),
  );
  // Stop ticking after the last non-empty batch: a replica with few (or no) clients exits early.
  const lastTick = batches.findLastIndex((batch) => batch.length > 0);
  for (let tick = 0; tick <= lastTick; tick += 1) {
    for (const client of batches[tick]!) sender.close(client, options.close);
    if (tick < lastTick) await sleep(DRAIN_TICK_MS);
  }
  await Promise.all(closed);
}

/** `fraction` (0..1) of `clients`, chosen at random. */
export function pickFraction(clients: Iterable<Client>, fraction: number, random = Math.random): Client[] {
  const all = [...clients];
  for (let index = all.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [all[index], all[other]] = [all[other]!, all[index]!];
  }
  return all.slice(0, Math.round(all.length * fraction));
}
