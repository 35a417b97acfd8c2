/**
 * Fires each publisher's sends at their intended times (loadtests/scenarios/arrivals.ts) and
 * measures how late the runner itself was: lag = actual − intended, per send. One timer at a time,
 * armed for the earliest next slot of any stream; slots that are already due when the loop gets
 * to run (the loop was blocked) are sent at once, in order, each still stamped with its intended
 * time, so the delay they saw counts in latency instead of vanishing (coordinated omission).
 */
import type { PublisherArrivals } from '../scenarios/arrivals.js';

export interface ScheduledStream {
  arrivals: PublisherArrivals;
  /** Sends one message whose slot was `intendedAtMs` (absolute, same clock as `now`). */
  send(intendedAtMs: number): void;
}

export interface SendSchedulerOptions {
  /** Absolute time of offset 0 of every stream. */
  startAtMs: number;
  /**
   * `run()` resolves no earlier than this (absolute), even when the last slot came sooner (or
   * there was none): the publishing window is the same whatever the arrival model.
   */
  endAtMs: number;
  streams: readonly ScheduledStream[];
  /** Called once per send with actual − intended, in ms (≥ 0). */
  onLag(lagMs: number): void;
  now: () => number;
}

export class SendScheduler {
  private readonly nextAtMs: Array<number | null>;
  private timer: NodeJS.Timeout | null = null;
  private finish: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly options: SendSchedulerOptions) {
    this.nextAtMs = options.streams.map((stream) => this.absolute(stream.arrivals.next()));
  }

  /** Runs until every stream is exhausted and `endAtMs` has passed, or `stop()` is called. */
  run(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.finish = resolve;
      this.fire();
    });
  }

  /** Clears the timer and resolves `run()`; no send happens after it. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.finish?.();
    this.finish = null;
  }

  private absolute(offsetMs: number | null): number | null {
    return offsetMs === null ? null : this.options.startAtMs + offsetMs;
  }

  private fire(): void {
    this.timer = null;
    if (this.stopped) return;
    const { streams, onLag, now } = this.options;
    // Catch up in intended order across streams, so a backlog is drained oldest slot first.
    for (;;) {
      const nowMs = now();
      let earliest = -1;
      for (let i = 0; i < this.nextAtMs.length; i += 1) {
        const at = this.nextAtMs[i];
        if (at !== null && at !== undefined && at <= nowMs) {
          if (earliest < 0 || at < (this.nextAtMs[earliest] as number)) earliest = i;
        }
      }
      if (earliest < 0) break;
      const intendedAtMs = this.nextAtMs[earliest] as number;
      const stream = streams[earliest]!;
      this.nextAtMs[earliest] = this.absolute(stream.arrivals.next());
      onLag(Math.max(0, nowMs - intendedAtMs));
      stream.send(intendedAtMs);
      if (this.stopped) return;
    }
    let wakeAtMs = Number.POSITIVE_INFINITY;
    for (const at of this.nextAtMs) if (at !== null && at < wakeAtMs) wakeAtMs = at;
    if (wakeAtMs === Number.POSITIVE_INFINITY) {
      // Every stream is exhausted: the run ends with its window.
      if (now() >= this.options.endAtMs) {
        this.stop();
        return;
      }
      wakeAtMs = this.options.endAtMs;
    }
    this.timer = setTimeout(() => this.fire(), Math.max(0, wakeAtMs - now()));
  }
}
