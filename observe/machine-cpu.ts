import { readMachineStat } from './proc.js';
import type { MachineTicks, ResourceStream } from './samples.js';

export type { MachineTicks } from './samples.js';

/** The `cpu` line of /proc/stat: busy = total − idle − iowait. */
export function parseMachineTicks(procStat: string, atMs: number): MachineTicks {
  const line = procStat.split('\n').find((entry) => entry.startsWith('cpu '));
  if (!line) throw new Error('no cpu line in /proc/stat');
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { atMs, busy: total - idle, total };
}

/**
 * Samples the whole machine's CPU use (every process, not only the lab's) so a run can tell
 * "the machine was busy" from "a component was": on a shared host other work competes too.
 */
export class MachineCpuMeter {
  private readonly samples: MachineTicks[] = [];
  private timer: NodeJS.Timeout | undefined;
  private unfollow: (() => void) | undefined;

  constructor(
    private readonly intervalMs = 250,
    private readonly read: () => string = readMachineStat,
  ) {}

  sampleNow(): void {
    this.samples.push(parseMachineTicks(this.read(), Date.now()));
  }

  start(): void {
    this.sampleNow();
    this.timer = setInterval(() => this.sampleNow(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Records the machine counters of every pass of `stream` instead of polling /proc/stat itself
   * (a run's one sampler), until `stop`.
   */
  follow(stream: ResourceStream): void {
    this.unfollow = stream.subscribe((pass) => {
      if (pass.machine) this.samples.push(pass.machine);
    });
  }

  stop(): void {
    if (this.unfollow) {
      this.unfollow();
      this.unfollow = undefined;
      return;
    }
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sampleNow();
  }

  /** Busy share of all cores between two wall-clock times (the samples nearest inside them). */
  busyFraction(fromMs: number, toMs: number): number | undefined {
    const inside = this.samples.filter((sample) => sample.atMs >= fromMs && sample.atMs <= toMs);
    const first = inside[0];
    const last = inside.at(-1);
    if (!first || !last || last.total <= first.total) return undefined;
    return (last.busy - first.busy) / (last.total - first.total);
  }
}
