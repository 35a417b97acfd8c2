import type { Client } from './client.js';
import { HEARTBEAT_FRAME_TEXT } from './contracts/protocol.js';
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

/**
 * The application-level heartbeat that browsers can see: every `intervalMs`, one `{"op":"ping"}`
 * frame, framed once and queued for every client (the cost of a broadcast, no per-socket
 * encoding). A client that hears nothing for `heartbeatTimeoutMs(intervalMs)` knows the replica
 * or the path to it is gone, although no FIN or RST came (PROTOCOL.md, "Liveness"). Returns a
 * function that stops it; `onTick` is told how many frames went out (counted once per tick).
 */
export function startAppHeartbeat(
  clients: Set<Client>,
  sender: Sender,
  intervalMs: number,
  onTick: (sent: number) => void,
): () => void {
  if (intervalMs <= 0) return () => undefined;
  const framed = sender.frameText(HEARTBEAT_FRAME_TEXT);
  const timer = setInterval(() => {
    let sent = 0;
    for (const client of clients) if (sender.sendFramedUncounted(client, framed)) sent += 1;
    onTick(sent);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
