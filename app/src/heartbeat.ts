import type { Client } from './client.js';
import type { Sender } from './sender.js';

/**
 * The ws isAlive sweep: every `intervalMs`, a client that has not answered the
 * previous ping is terminated; every other client is pinged. A dead peer is
 * therefore gone within two intervals. Returns a function that stops the sweep.
 */
export function startHeartbeat(clients: Set<Client>, sender: Sender, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => undefined;
  const timer = setInterval(() => heartbeatOnTick(clients, sender), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function heartbeatOnTick(clients: Set<Client>, sender: Sender): void {
  for (const client of clients) {
    if (client.closing) continue;
    if (!client.isAlive) {
      sender.terminate(client);
      continue;
    }
    client.isAlive = false;
    client.socket.ping();
  }
}
