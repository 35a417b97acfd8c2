import type {
  ComponentReading,
  ComponentUsage,
  ResourcePass,
  ResourceSample,
  ResourceStream,
  SampledComponent,
} from './samples.js';

interface Recorded {
  component: SampledComponent;
  firstCpuSeconds: number;
  lastCpuSeconds: number;
  samples: ResourceSample[];
}

/** At most this many samples per component go into a result (result.json stays small). */
const SAMPLES_KEPT = 240;

/**
 * A window of the sample stream as each component's usage (a measured run): subscribes on
 * `start` (with a pass then, the baseline), and on `stop` takes a last pass and sums up.
 */
export class UsageRecorder {
  private readonly recorded = new Map<string, Recorded>();
  private unsubscribe: (() => void) | undefined;
  private startedAtMs = Date.now();

  constructor(
    private readonly stream: ResourceStream,
    /** Which components the window keeps. Default all. */
    private readonly include: (component: SampledComponent) => boolean = () => true,
  ) {}

  async start(): Promise<void> {
    this.startedAtMs = Date.now();
    this.unsubscribe = this.stream.subscribe((pass) => this.record(pass));
    await this.stream.sampleNow();
  }

  /** Stops recording (after a last pass) and summarises each component seen. Safe to call twice. */
  async stop(): Promise<ComponentUsage[]> {
    if (this.unsubscribe) {
      await this.stream.sampleNow().catch(() => undefined);
      this.unsubscribe();
      this.unsubscribe = undefined;
    }
    return [...this.recorded.values()].map(summarize);
  }

  private record(pass: ResourcePass): void {
    const tMs = Math.max(0, pass.atMs - this.startedAtMs);
    for (const reading of pass.components) {
      if (!this.include(reading)) continue;
      const key = `${reading.component}:${reading.pid}`;
      const recorded = this.recorded.get(key);
      if (!recorded) {
        // first sight in this window: a baseline (no CPU % yet)
        this.recorded.set(key, {
          component: { component: reading.component, kind: reading.kind, pid: reading.pid },
          firstCpuSeconds: reading.cpuSeconds,
          lastCpuSeconds: reading.cpuSeconds,
          samples: [{ tMs, cpuPercent: 0, rssBytes: reading.rssBytes }],
        });
        continue;
      }
      recorded.lastCpuSeconds = reading.cpuSeconds;
      recorded.samples.push(sampleOf(tMs, reading));
    }
  }
}

function sampleOf(tMs: number, reading: ComponentReading): ResourceSample {
  return { tMs, cpuPercent: reading.cpuPercent, rssBytes: reading.rssBytes };
}

function summarize(recorded: Recorded): ComponentUsage {
  const cpuSeconds = Math.max(0, recorded.lastCpuSeconds - recorded.firstCpuSeconds);
  const samples = recorded.samples;
  const spanMs = (samples.at(-1)?.tMs ?? 0) - (samples[0]?.tMs ?? 0);
  const step = Math.ceil(samples.length / SAMPLES_KEPT);
  return {
    ...recorded.component,
    cpuSeconds,
    cpuPercentMean: spanMs > 0 ? (cpuSeconds * 1000 * 100) / spanMs : 0,
    cpuPercentMax: samples.slice(1).reduce((max, sample) => Math.max(max, sample.cpuPercent), 0),
    rssMaxBytes: samples.reduce((max, sample) => Math.max(max, sample.rssBytes), 0),
    samples: step <= 1 ? samples : samples.filter((_, index) => index % step === 0),
  };
}
