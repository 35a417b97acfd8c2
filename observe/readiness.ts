import type { Topology } from '../runtime/local/local-topology.js';

/** One replica's /readyz answer at one moment. */
export interface ReadinessPoint {
  tMs: number;
  replica: string;
  ready: boolean;
}

/**
 * Polls /readyz of every replica slot every `intervalMs` (a replica that does not answer within
 * the interval counts as not ready) until stopped: readiness over time, for outages.
 */
export class ReadinessPoller {
  readonly points: ReadinessPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(
    private readonly topology: Topology,
    private readonly startedAtMs: number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.pollOnce());
    }, this.intervalMs);
    this.timer.unref();
  }

  async pollOnce(): Promise<void> {
    const tMs = Date.now() - this.startedAtMs;
    const answers = await Promise.all(
      this.topology.replicas.map(async (slot) => {
        const ready = await fetch(`${slot.httpUrl}/readyz`, { signal: AbortSignal.timeout(this.intervalMs) })
          .then((response) => response.ok)
          .catch(() => false);
        return { tMs, replica: slot.id, ready };
      }),
    );
    this.points.push(...answers);
  }

  async stop(): Promise<ReadinessPoint[]> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    return this.points;
  }

  /** True when the latest poll saw every replica ready. */
  allReady(): boolean {
    const lastT = this.points.at(-1)?.tMs;
    const last = this.points.filter((point) => point.tMs === lastT);
    return last.length > 0 && last.every((point) => point.ready);
  }

  /** Per replica: the first time at or after `fromMs` it answered ready, minus `fromMs`. */
  readyAfter(fromMs: number): Record<string, number> {
    const result: Record<string, number> = {};
    for (const point of this.points) {
      if (point.tMs < fromMs || !point.ready || result[point.replica] !== undefined) continue;
      result[point.replica] = point.tMs - fromMs;
    }
    return result;
  }

  /** Per replica: how long it answered not ready (sum of poll intervals). */
  unreadyMs(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const point of this.points) {
      result[point.replica] = (result[point.replica] ?? 0) + (point.ready ? 0 : this.intervalMs);
    }
    return result;
  }
}
