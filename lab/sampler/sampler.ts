import type { ComponentKind, ComponentUsage, ResourceSample } from '../report/schema.js';
import { CLOCK_TICKS_PER_S, processTree, readAllProcStats } from './proc.js';

/** A process of the topology to watch (its forked workers are counted with it). */
export interface SampledComponent {
  component: string;
  kind: ComponentKind;
  pid: number;
}

interface Tracked extends SampledComponent {
  /** CPU ticks per pid of the tree at the previous sample (workers come and go on reloads). */
  lastTicksByPid: Map<number, number>;
  firstSeenMs: number;
  totalTicks: number;
  samples: ResourceSample[];
}

export interface ResourceSamplerOptions {
  /** Time between samples. Default 500 ms. */
  intervalMs?: number;
}

/**
 * Samples CPU (utime+stime deltas / clock ticks) and RSS of every component
 * pid from /proc during a run, so a report shows where the time went.
 */
export class ResourceSampler {
  private readonly intervalMs: number;
  private readonly tracked = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private startedAtMs = Date.now();
  private sampling: Promise<void> = Promise.resolve();
  private passCount = 0;

  constructor(options: ResourceSamplerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 500;
  }

  /** Watches a component from now on (components started mid-run, such as an added replica, too). */
  track(component: SampledComponent): void {
    const key = `${component.component}:${component.pid}`;
    if (this.tracked.has(key)) return;
    this.tracked.set(key, {
      ...component,
      lastTicksByPid: new Map(),
      firstSeenMs: Date.now() - this.startedAtMs,
      totalTicks: 0,
      samples: [],
    });
  }

  /** Passes over /proc taken so far. */
  get passes(): number {
    return this.passCount;
  }

  /** Takes a baseline sample now, then one every interval. */
  async start(): Promise<void> {
    this.startedAtMs = Date.now();
    await this.sampleOnce();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sampleOnce());
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling (after a last sample) and summarises each component. */
  async stop(): Promise<ComponentUsage[]> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sampling;
    await this.sampleOnce();
    return [...this.tracked.values()].map((tracked) => summarizeTracked(tracked));
  }

  /** One pass over /proc: CPU delta since the last pass and current RSS for each tracked tree. */
  async sampleOnce(): Promise<void> {
    const stats = await readAllProcStats();
    const nowMs = Date.now() - this.startedAtMs;
    this.passCount += 1;
    const roots = new Set([...this.tracked.values()].map((tracked) => tracked.pid));
    for (const tracked of this.tracked.values()) {
      const tree = processTree(tracked.pid, stats, roots);
      if (tree.length === 0) continue; // exited (killed by a fault): keep what was measured
      const isBaseline = tracked.lastTicksByPid.size === 0;
      let deltaTicks = 0;
      const ticksByPid = new Map<number, number>();
      for (const stat of tree) {
        ticksByPid.set(stat.pid, stat.cpuTicks);
        const previous = tracked.lastTicksByPid.get(stat.pid);
        // a worker born since the last pass counts from 0 unless this is the first pass
        if (!isBaseline) deltaTicks += stat.cpuTicks - (previous ?? 0);
      }
      const previousSample = tracked.samples.at(-1);
      const elapsedMs = previousSample ? nowMs - previousSample.tMs : 0;
      tracked.lastTicksByPid = ticksByPid;
      tracked.totalTicks += Math.max(0, deltaTicks);
      const cpuPercent =
        elapsedMs > 0 ? Math.max(0, ((deltaTicks / CLOCK_TICKS_PER_S) * 1000 * 100) / elapsedMs) : 0;
      tracked.samples.push({
        tMs: nowMs,
        cpuPercent: isBaseline ? 0 : cpuPercent,
        rssBytes: tree.reduce((sum, stat) => sum + stat.rssBytes, 0),
      });
    }
  }
}

function summarizeTracked(tracked: Tracked): ComponentUsage {
  const cpuSeconds = tracked.totalTicks / CLOCK_TICKS_PER_S;
  const spanMs = (tracked.samples.at(-1)?.tMs ?? 0) - (tracked.samples[0]?.tMs ?? 0);
  const measured = tracked.samples.slice(1);
  return {
    component: tracked.component,
    kind: tracked.kind,
    pid: tracked.pid,
    cpuSeconds,
    cpuPercentMean: spanMs > 0 ? (cpuSeconds * 1000 * 100) / spanMs : 0,
    cpuPercentMax: measured.reduce((max, sample) => Math.max(max, sample.cpuPercent), 0),
    rssMaxBytes: tracked.samples.reduce((max, sample) => Math.max(max, sample.rssBytes), 0),
    // keep result.json small: at most ~240 samples per component
    samples: thin(tracked.samples, Math.ceil(tracked.samples.length / 240)),
  };
}

function thin(samples: ResourceSample[], step: number): ResourceSample[] {
  return step <= 1 ? samples : samples.filter((_, index) => index % step === 0);
}
