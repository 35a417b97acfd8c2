/**
 * A one-line progress display on stderr for long runs: rewritten in place on a TTY,
 * silent otherwise (CI logs stay clean; the summary is printed at the end anyway).
 */
import type { ShardProgress } from './shard-protocol.js';

export class ProgressLine {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAtMs = Date.now();
  private phase = 'connecting';

  constructor(
    private readonly enabled: boolean,
    private readonly read: () => ShardProgress[],
  ) {}

  static defaultEnabled(): boolean {
    return process.stderr.isTTY === true && !process.env.CI;
  }

  start(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.draw(), 1_000);
  }

  setPhase(phase: string): void {
    this.phase = phase;
  }

  private draw(): void {
    const total = this.read().reduce(
      (sum, p) => ({
        open: sum.open + p.open,
        published: sum.published + p.published,
        delivered: sum.delivered + p.delivered,
        reconnects: sum.reconnects + p.reconnects,
        failures: sum.failures + p.failures,
      }),
      { open: 0, published: 0, delivered: 0, reconnects: 0, failures: 0 },
    );
    const seconds = Math.round((Date.now() - this.startedAtMs) / 1_000);
    const line =
      `[${seconds}s] ${this.phase}: open ${total.open}  published ${total.published}  ` +
      `delivered ${total.delivered}  reconnects ${total.reconnects}  failures ${total.failures}`;
    process.stderr.write(`\r${line.padEnd(100)}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.timer) process.stderr.write('\n');
    this.timer = null;
  }
}
