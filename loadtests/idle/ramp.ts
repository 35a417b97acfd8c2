import { setTimeout as sleep } from 'node:timers/promises';
import type WebSocket from 'ws';
import { openCount, openIdleSocket } from './idle-socket.js';

/** One reading of the ramp: connections open and what the watched process holds then. */
export interface RampPoint {
  connections: number;
  memoryMiB: number;
}

export interface IdleRampOptions {
  /** Connections opened per batch (all at once), then a reading. */
  batch: number;
  /** Stop after this many (this process's file descriptors are the budget). */
  maxConnections: number;
  /** Rooms the connections join in turn (a member costs the replica more than a bare socket). */
  rooms: number;
  /** The watched process's memory now, MiB (the replica's cgroup usage). */
  readMemoryMiB: () => number | undefined;
  /** The watched process's exit reason once it has ended (undefined while it runs). */
  exitReason: () => string | undefined;
  /** Wait after each batch before the reading. Default 300 ms. */
  settleMs?: number;
  /** JWT of the deployment (`auth: jwt`); unset: connect without one. */
  token?: string;
}

export interface IdleRampResult {
  points: RampPoint[];
  /** Most connections open while the process was still up and accepting (the last good reading). */
  held: number;
  ended: 'refused' | 'killed' | 'budget reached';
  detail: string;
}

/** Opens one idle connection that joins `room` into `sockets`; resolves false when it could not open. */
async function openIdle(url: string, room: string, sockets: WebSocket[], token?: string): Promise<boolean> {
  const socket = await openIdleSocket(url, { room, ...(token === undefined ? {} : { token }) });
  if (socket) sockets.push(socket);
  return socket !== undefined;
}

/**
 * Opens idle connections (each joins a room, then sends nothing) in batches until one is
 * refused or closed, the watched process ends (killed at its memory limit), or the budget is
 * reached; reads the process's memory after each batch. Closes every connection at the end.
 */
export async function rampIdleConnections(url: string, options: IdleRampOptions): Promise<IdleRampResult> {
  const sockets: WebSocket[] = [];
  const points: RampPoint[] = [];
  const open = () => openCount(sockets);
  let outcome: Pick<IdleRampResult, 'ended' | 'detail'> | undefined;
  try {
    const base = options.readMemoryMiB();
    if (base !== undefined) points.push({ connections: 0, memoryMiB: base });
    while (outcome === undefined) {
      const before = sockets.length;
      const opened = await Promise.all(
        Array.from({ length: options.batch }, (_, index) =>
          openIdle(url, `idle-${(before + index) % options.rooms}`, sockets, options.token),
        ),
      );
      await sleep(options.settleMs ?? 300);
      const refused = opened.filter((ok) => !ok).length;
      const closed = sockets.length - open();
      // a killed replica drops its sockets a moment before its exit is reaped: give it that moment
      if (refused + closed > 0) await sleep(500);
      const exitReason = options.exitReason();
      if (exitReason !== undefined) {
        outcome = { ended: 'killed', detail: `the replica ${exitReason} at ${sockets.length} connections` };
        break;
      }
      const memoryMiB = options.readMemoryMiB();
      if (memoryMiB !== undefined) points.push({ connections: open(), memoryMiB });
      if (refused > 0 || closed > 0) {
        outcome = {
          ended: 'refused',
          detail: `${refused} connection(s) refused and ${closed} closed at ${open()} open`,
        };
      } else if (sockets.length + options.batch > options.maxConnections) {
        outcome = {
          ended: 'budget reached',
          detail: `${sockets.length} connections (the load generator's file-descriptor budget) held`,
        };
      }
    }
    const lastGood = points.at(-1)?.connections ?? 0;
    return { points, held: outcome.ended === 'budget reached' ? open() : lastGood, ...outcome };
  } finally {
    for (const socket of sockets) socket.terminate();
  }
}

/** Least-squares line through the points: MiB per connection (slope) and MiB at zero (intercept). */
export function memoryLine(points: readonly RampPoint[]): { perConnectionMiB: number; baseMiB: number } {
  const n = points.length;
  if (n < 2) return { perConnectionMiB: 0, baseMiB: points[0]?.memoryMiB ?? 0 };
  const meanX = points.reduce((sum, p) => sum + p.connections, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.memoryMiB, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.connections - meanX) ** 2;
    sxy += (p.connections - meanX) * (p.memoryMiB - meanY);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { perConnectionMiB: slope, baseMiB: meanY - slope * meanX };
}
