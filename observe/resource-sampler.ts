import { parseMachineTicks } from './machine-cpu.js';
import { CLOCK_TICKS_PER_S, processTree, readAllProcStats, readMachineStat } from './proc.js';
import type {
  ComponentReading,
  MachineTicks,
  ResourcePass,
  ResourceStream,
  SampledComponent,
} from './samples.js';

export interface ResourceSamplerOptions {
  /** Time between passes while someone listens. Default 500 ms. */
  intervalMs?: number;
  /** Components to watch, asked again at every pass (faults and scale-out change them). */
  components?: () => readonly SampledComponent[];
}

interface Tracked {
  /** CPU ticks per pid of the tree at the previous pass (workers come and go on reloads). */
  lastTicksByPid: Map<number, number>;
  totalTicks: number;
  lastPassAtMs: number | undefined;
}

/**
 * The one sampler of /proc: CPU (utime+stime deltas / clock ticks) and RSS of every watched
 * process tree, one pass every interval while anyone subscribes, each pass handed to every
 * subscriber. A run has one (see topologySampler), so a 2-core box is not polled twice.
 */
export class ResourceSampler implements ResourceStream {
  private readonly intervalMs: number;
  private readonly components: () => readonly SampledComponent[];
  private readonly fixed = new Map<string, SampledComponent>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly listeners = new Set<(pass: ResourcePass) => void>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<ResourcePass> | undefined;
  private lastPass: Promise<unknown> = Promise.resolve();
  private passCount = 0;

  constructor(options: ResourceSamplerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 500;
    this.components = options.components ?? (() => []);
  }

  /** Watches a component from now on, beside those of `options.components`. */
  track(component: SampledComponent): void {
    this.fixed.set(keyOf(component), component);
  }

  /** Passes over /proc taken so far. */
  get passes(): number {
    return this.passCount;
  }

  subscribe(listener: (pass: ResourcePass) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => {
        // a slow pass (a loaded box) delays the next instead of queueing them
        if (!this.inFlight) void this.sampleNow().catch(() => undefined);
      }, this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  sampleNow(): Promise<ResourcePass> {
    const pass = this.lastPass.then(() => this.pass());
    this.lastPass = pass.catch(() => undefined);
    this.inFlight = pass;
    void pass
      .finally(() => {
        if (this.inFlight === pass) this.inFlight = undefined;
      })
      .catch(() => undefined);
    return pass;
  }

  /** One pass: CPU delta since the last pass and current RSS for each watched tree. */
  private async pass(): Promise<ResourcePass> {
    const stats = await readAllProcStats();
    const atMs = Date.now();
    this.passCount += 1;
    const watched = new Map(this.fixed);
    for (const component of this.components()) watched.set(keyOf(component), component);
    const roots = new Set([...watched.values()].map((component) => component.pid));
    const readings: ComponentReading[] = [];
    for (const [key, component] of watched) {
      const tree = processTree(component.pid, stats, roots);
      if (tree.length === 0) continue; // exited (killed by a fault): absent from this pass
      let tracked = this.tracked.get(key);
      const isBaseline = tracked === undefined;
      tracked ??= { lastTicksByPid: new Map(), totalTicks: 0, lastPassAtMs: undefined };
      this.tracked.set(key, tracked);
      let deltaTicks = 0;
      const ticksByPid = new Map<number, number>();
      for (const stat of tree) {
        ticksByPid.set(stat.pid, stat.cpuTicks);
        // a worker born since the last pass counts from 0 unless this is the first pass
        if (!isBaseline) deltaTicks += stat.cpuTicks - (tracked.lastTicksByPid.get(stat.pid) ?? 0);
      }
      deltaTicks = Math.max(0, deltaTicks);
      const elapsedMs = tracked.lastPassAtMs === undefined ? 0 : atMs - tracked.lastPassAtMs;
      tracked.lastTicksByPid = ticksByPid;
      tracked.totalTicks += deltaTicks;
      tracked.lastPassAtMs = atMs;
      readings.push({
        ...component,
        cpuSeconds: tracked.totalTicks / CLOCK_TICKS_PER_S,
        cpuPercent: elapsedMs > 0 ? (deltaTicks / CLOCK_TICKS_PER_S) * (100_000 / elapsedMs) : 0,
        rssBytes: tree.reduce((sum, stat) => sum + stat.rssBytes, 0),
      });
    }
    const machine = machineTicks(atMs);
    const pass: ResourcePass = { atMs, components: readings, ...(machine ? { machine } : {}) };
    for (const listener of this.listeners) listener(pass);
    return pass;
  }
}

/** The machine's CPU counters now, or undefined without /proc/stat (not Linux). */
function machineTicks(atMs: number): MachineTicks | undefined {
  try {
    return parseMachineTicks(readMachineStat(), atMs);
  } catch {
    return undefined;
  }
}

function keyOf(component: SampledComponent): string {
  return `${component.component}:${component.pid}`;
}
