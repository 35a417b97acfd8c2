import { fetchText, metricValue } from '../../observe/prometheus.js';
import type { ResourcePass, ResourceStream } from '../../observe/samples.js';
import { topologySampler } from '../../observe/topology-sampler.js';
import type { Topology } from '../../runtime/local/local-topology.js';
import { addBuckets, type Buckets, parseBuckets, quantileBetween } from './latency-buckets.js';
import { LIVE_VIEW_DEFAULTS, type LiveViewOptions } from './options.js';

/** What the live view watches: the replicas (their /metrics) and the run's one sample stream (CPU). */
export interface LiveSource {
  replicas(): { id: string; httpUrl: string; running: boolean }[];
  resources: ResourceStream;
}

/** A running topology as a live source (its replica list changes with faults and scale-out). */
export function topologySource(topology: Topology): LiveSource {
  return {
    replicas: () =>
      topology.replicas.map((slot) => ({
        id: slot.id,
        httpUrl: slot.httpUrl,
        running: slot.handle?.process.running === true,
      })),
    resources: topologySampler(topology),
  };
}

/** A fault or lab action as the page shows it. */
export interface LiveEvent {
  /** Epoch ms. */
  atMs: number;
  kind: string;
  detail: string;
}

/** One reading of everything the page shows. */
export interface LiveSnapshot {
  atMs: number;
  phase: string;
  replicas: { id: string; up: boolean; connections: number }[];
  deliveredPerS: number;
  /** Over the last `latencyWindowMs`, from the replicas' publish→deliver histogram; null: nothing delivered. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  cpu: { component: string; kind: string; percent: number }[];
}

const DELIVERED = 'wslab_messages_delivered_total';
const CONNECTIONS = 'wslab_connections_open';
const LATENCY = 'wslab_publish_to_deliver_seconds';

/**
 * The lab's own collectors for the live view: every `sampleEveryMs` it reads each replica's
 * /metrics (connections, deliveries, latency buckets) and takes the CPU of every component from
 * the latest pass of the source's sample stream (the sampler measurement uses too); every
 * `watchEveryMs` it checks which replicas are up, so a killed one shows at once. Listeners get
 * each snapshot and each event.
 */
export class LiveCollector {
  readonly options: LiveViewOptions;
  private source: LiveSource | undefined;
  private phaseText = 'idle';
  private readonly history: LiveSnapshot[] = [];
  private readonly events: LiveEvent[] = [];
  private readonly listeners = new Set<(message: LiveMessage) => void>();
  private sampleTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private replicasUp = new Map<string, boolean>();
  private deliveredByReplica = new Map<string, number>();
  private lastSampleMs = 0;
  private latencyReadings: { atMs: number; buckets: Buckets }[] = [];
  private latestResources: ResourcePass | undefined;
  private unsubscribeResources: (() => void) | undefined;

  constructor(options: Partial<LiveViewOptions> = {}) {
    this.options = { ...LIVE_VIEW_DEFAULTS, ...options };
  }

  /** Watches `source` from now on (experiments attach each topology they start). */
  attach(source: LiveSource): void {
    this.source = source;
    this.replicasUp = new Map(source.replicas().map((replica) => [replica.id, replica.running]));
    this.deliveredByReplica.clear();
    this.latencyReadings = [];
    this.lastSampleMs = 0;
    this.unsubscribeResources?.();
    this.latestResources = undefined;
    this.unsubscribeResources = source.resources.subscribe((pass) => {
      this.latestResources = pass;
    });
  }

  detach(): void {
    this.source = undefined;
    this.unsubscribeResources?.();
    this.unsubscribeResources = undefined;
    this.latestResources = undefined;
  }

  start(): void {
    this.sampleTimer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, this.options.sampleEveryMs);
    this.watchTimer = setInterval(() => this.watch(), this.options.watchEveryMs);
    this.sampleTimer.unref();
    this.watchTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sampleTimer);
    clearInterval(this.watchTimer);
    await this.sampling;
    this.detach();
    this.listeners.clear();
  }

  /** The experiment's phase ("run haproxy/none: kill the busiest replica at 4000 ms"). */
  phase(text: string): void {
    this.phaseText = text;
    this.publish({ type: 'phase', phase: text });
  }

  /** A fault or lab action (kill, freeze, reload, scale-out…). */
  event(kind: string, detail: string): void {
    const event = { atMs: Date.now(), kind, detail };
    this.events.push(event);
    if (this.events.length > this.options.eventsKept) this.events.shift();
    this.publish({ type: 'event', event });
  }

  /** What a page that opens now needs: the history so far and the events. */
  backlog(): { history: LiveSnapshot[]; events: LiveEvent[]; phase: string } {
    return { history: [...this.history], events: [...this.events], phase: this.phaseText };
  }

  subscribe(listener: (message: LiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(message: LiveMessage): void {
    for (const listener of this.listeners) listener(message);
  }

  /** Replica up/down changes since the last check, as events (a kill by the lab or by anyone). */
  watch(): void {
    const source = this.source;
    if (!source) return;
    for (const replica of source.replicas()) {
      const wasUp = this.replicasUp.get(replica.id);
      this.replicasUp.set(replica.id, replica.running);
      if (wasUp === replica.running) continue;
      if (wasUp === undefined) this.event('replica-added', `${replica.id} joined`);
      else
        this.event(
          replica.running ? 'replica-up' : 'replica-down',
          `${replica.id} ${replica.running ? 'is back' : 'exited'}`,
        );
    }
  }

  /** One reading of /metrics (and the latest CPU pass), pushed to every listener. */
  async sample(): Promise<void> {
    const source = this.source;
    const atMs = Date.now();
    const snapshot: LiveSnapshot = {
      atMs,
      phase: this.phaseText,
      replicas: [],
      deliveredPerS: 0,
      latencyP50Ms: null,
      latencyP99Ms: null,
      cpu: [],
    };
    if (source) {
      const replicas = source.replicas();
      const texts = await Promise.all(
        replicas.map((replica) =>
          // short timeout: a frozen replica must not stall the page
          replica.running ? fetchText(`${replica.httpUrl}/metrics`, 400) : Promise.resolve(undefined),
        ),
      );
      const buckets: Buckets = new Map();
      let delivered = 0;
      replicas.forEach((replica, index) => {
        const text = texts[index];
        snapshot.replicas.push({
          id: replica.id,
          up: replica.running,
          connections: text ? (metricValue(text, CONNECTIONS) ?? 0) : 0,
        });
        if (!text) return;
        const total = metricValue(text, DELIVERED) ?? 0;
        const previous = this.deliveredByReplica.get(replica.id);
        // a restarted replica counts from 0 again
        if (previous !== undefined) delivered += total >= previous ? total - previous : total;
        this.deliveredByReplica.set(replica.id, total);
        addBuckets(buckets, parseBuckets(text, LATENCY));
      });
      const elapsedMs = this.lastSampleMs === 0 ? 0 : atMs - this.lastSampleMs;
      snapshot.deliveredPerS = elapsedMs > 0 ? Math.round((delivered * 1_000) / elapsedMs) : 0;
      this.lastSampleMs = atMs;
      this.latencyReadings.push({ atMs, buckets });
      while ((this.latencyReadings[0]?.atMs ?? atMs) < atMs - this.options.latencyWindowMs)
        this.latencyReadings.shift();
      const oldest = this.latencyReadings[0]?.buckets ?? new Map();
      snapshot.latencyP50Ms = round(quantileBetween(oldest, buckets, 0.5));
      snapshot.latencyP99Ms = round(quantileBetween(oldest, buckets, 0.99));
      snapshot.cpu = this.cpuNow();
    }
    this.history.push(snapshot);
    if (this.history.length > this.options.historyLength) this.history.shift();
    this.publish({ type: 'snapshot', snapshot });
  }

  /** CPU % of each component (with its forked workers) in the stream's latest pass. */
  private cpuNow(): LiveSnapshot['cpu'] {
    return (this.latestResources?.components ?? []).map((reading) => ({
      component: reading.component,
      kind: reading.kind,
      percent: Math.round(reading.cpuPercent * 10) / 10,
    }));
  }
}

function round(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 100) / 100;
}

/** What a page receives over the event stream. */
export type LiveMessage =
  | { type: 'snapshot'; snapshot: LiveSnapshot }
  | { type: 'event'; event: LiveEvent }
  | { type: 'phase'; phase: string };
