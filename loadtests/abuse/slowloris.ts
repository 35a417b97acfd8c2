import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AbuseTarget } from './connect-storm.js';

export interface SlowlorisCounts {
  opened: number;
  /** Closed by the proxy before the end (its request-head timeout). */
  closedByProxy: number;
  /** Still open when the dribbling stopped: the proxy did not cut them. */
  stillOpen: number;
  /** Longest time a dribbling connection was kept, in ms. */
  longestHeldMs: number;
}

/**
 * Slowloris: `connections` upgrade requests from one address whose headers never end, one more
 * header line every `dribbleEveryMs`, for at most `durationMs`. A proxy with a request-head
 * timeout closes them; every socket is closed at the end.
 */
export async function slowloris(options: {
  target: AbuseTarget;
  localAddress: string;
  connections: number;
  dribbleEveryMs: number;
  durationMs: number;
}): Promise<SlowlorisCounts> {
  const startedAtMs = Date.now();
  const counts: SlowlorisCounts = { opened: 0, closedByProxy: 0, stillOpen: 0, longestHeldMs: 0 };
  const sockets = new Set<Socket>();
  let stopping = false;
  for (let index = 0; index < options.connections; index += 1) {
    const socket = connect(
      { host: options.target.host, port: options.target.port, localAddress: options.localAddress },
      () => {
        counts.opened += 1;
        socket.write(`GET /ws HTTP/1.1\r\nHost: ${options.target.host}\r\nUpgrade: websocket\r\n`);
      },
    );
    const openedAtMs = Date.now();
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      if (stopping) return;
      counts.closedByProxy += 1;
      counts.longestHeldMs = Math.max(counts.longestHeldMs, Date.now() - openedAtMs);
    });
  }
  let line = 0;
  while (Date.now() - startedAtMs < options.durationMs && sockets.size > 0) {
    await sleep(options.dribbleEveryMs);
    line += 1;
    for (const socket of sockets) if (socket.writable) socket.write(`X-Dribble-${line}: ${line}\r\n`);
  }
  stopping = true;
  counts.stillOpen = sockets.size;
  if (counts.stillOpen > 0) counts.longestHeldMs = Date.now() - startedAtMs;
  for (const socket of sockets) socket.destroy();
  return counts;
}
