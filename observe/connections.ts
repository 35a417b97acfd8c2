import { fetchText, metricValue } from './prometheus.js';

/** A replica whose /metrics the poller reads. */
export interface PolledReplica {
  id: string;
  httpUrl: string;
}

export interface ConnectionsPoint {
  tMs: number;
  replica: string;
  connections: number;
}

/**
 * Reads `wslab_connections_open` of every replica on an interval, for the
 * "connections per replica over time" chart and the spread figures. The
 * replica list is a function because faults and scale-out change it mid-run.
 * An unreachable replica (killed, frozen) is recorded with 0 connections.
 */
export class ConnectionsPoller {
  readonly points: ConnectionsPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAtMs: number;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly replicas: () => readonly PolledReplica[],
    private readonly intervalMs = 500,
    startedAtMs = Date.now(),
  ) {
    this.startedAtMs = startedAtMs;
  }

  start(): void {
    void this.poll();
    this.timer = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.poll());
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<ConnectionsPoint[]> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    return this.points;
  }

  /** Latest count per replica (as of the last poll). */
  latest(): Map<string, number> {
    const latest = new Map<string, number>();
    for (const point of this.points) latest.set(point.replica, point.connections);
    return latest;
  }

  /** One poll of every replica now. */
  async poll(): Promise<void> {
    const tMs = Date.now() - this.startedAtMs;
    const counts = await Promise.all(
      this.replicas().map(async (replica) => {
        // short timeout: a frozen replica must not stall the timeline
        const text = await fetchText(`${replica.httpUrl}/metrics`, Math.min(400, this.intervalMs));
        return {
          replica: replica.id,
          connections: text ? (metricValue(text, 'wslab_connections_open') ?? 0) : 0,
        };
      }),
    );
    for (const count of counts) this.points.push({ tMs, ...count });
  }
}

/** Spread of connections over replicas: max/mean (1 = perfectly even) and the coefficient of variation. */
export function spreadOf(counts: readonly number[]): { maxOverMean: number; coefficientOfVariation: number } {
  if (counts.length === 0) return { maxOverMean: 0, coefficientOfVariation: 0 };
  const mean = counts.reduce((sum, value) => sum + value, 0) / counts.length;
  if (mean === 0) return { maxOverMean: 0, coefficientOfVariation: 0 };
  const variance = counts.reduce((sum, value) => sum + (value - mean) ** 2, 0) / counts.length;
  return { maxOverMean: Math.max(...counts) / mean, coefficientOfVariation: Math.sqrt(variance) / mean };
}

/** Connected-clients timeline: the sum over replicas at each poll. */
export function connectedTimeline(points: readonly ConnectionsPoint[]): { tMs: number; connected: number }[] {
  const byTime = new Map<number, number>();
  for (const point of points) byTime.set(point.tMs, (byTime.get(point.tMs) ?? 0) + point.connections);
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([tMs, connected]) => ({ tMs, connected }));
}
