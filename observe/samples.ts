/**
 * What the observation layer measures and hands out: the components it samples, one pass over
 * them (the sample stream every consumer subscribes to) and a component's usage over a window.
 * The lab's result schema (lab/report/schema.ts) derives its resource fields from these.
 */

/** Kinds of sampled process: the topology's components, the load generator, the lab. */
export const COMPONENT_KINDS = ['replica', 'redis', 'haproxy', 'nginx', 'load', 'lab'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/** A process to watch (its forked workers are counted with it). */
export interface SampledComponent {
  component: string;
  kind: ComponentKind;
  pid: number;
}

/** One component in one pass. */
export interface ComponentReading extends SampledComponent {
  /** utime + stime of the process tree since the sampler first saw it, in seconds. */
  cpuSeconds: number;
  /** CPU since the previous pass (100 = one core); 0 on the first pass that saw it. */
  cpuPercent: number;
  rssBytes: number;
}

/** Busy and total CPU time of the whole machine (all cores, every process), in clock ticks. */
export interface MachineTicks {
  atMs: number;
  busy: number;
  total: number;
}

/** One pass over every watched component; a component that has exited is absent. */
export interface ResourcePass {
  /** Epoch ms. */
  atMs: number;
  components: ComponentReading[];
  /** The machine's CPU counters at this pass (/proc/stat); absent where there is none. */
  machine?: MachineTicks;
}

/** The one sample stream of a run: measurement, the live view and the runner's server probe read it. */
export interface ResourceStream {
  /** Calls `listener` after every pass from now on; returns the unsubscribe. Polling runs while someone listens. */
  subscribe(listener: (pass: ResourcePass) => void): () => void;
  /** Takes a pass now (after any pass in flight), delivered to every listener too. */
  sampleNow(): Promise<ResourcePass>;
}

/** One sample of a component, ms from the start of the window it was recorded in. */
export interface ResourceSample {
  tMs: number;
  cpuPercent: number;
  rssBytes: number;
}

/** CPU and memory of one process over a window (a run). */
export interface ComponentUsage extends SampledComponent {
  /** utime + stime consumed during the window, in seconds. */
  cpuSeconds: number;
  cpuPercentMean: number;
  cpuPercentMax: number;
  rssMaxBytes: number;
  samples: ResourceSample[];
}
