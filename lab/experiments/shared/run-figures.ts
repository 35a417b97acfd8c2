import type { Metric, ScenarioResult } from '../../../loadtests/runner/result.js';
import type {
  ClientEvent,
  ClientEventKind,
  LatencySummary,
  MessageCounts,
  PercentilePoint,
} from '../../report/schema.js';

/** What the lab keeps from a load run for its report. */
export interface LoadFigures {
  latency: LatencySummary | undefined;
  /** Latency at p50 … p99.99 and the max, from the merged HDR histogram of every shard. */
  latencyPercentiles: PercentilePoint[];
  publishedPerS: number | undefined;
  deliveredPerS: number | undefined;
  messages: MessageCounts;
  /** Per outage: time from losing the connection to being back (re-joined), ms. */
  reconnectMs: number[];
  /** Named scalar figures worth a column (all_back_ms, clients_not_back…). */
  scalars: Record<string, number>;
}

function scalarValue(metrics: Record<string, Metric>, name: string): number | undefined {
  const metric = metrics[name];
  if (!metric || metric.kind === 'distribution' || metric.value === null) return undefined;
  return metric.value;
}

/** The lab's figures from a load runner result (versioned JSON of loadtests/runner). */
export function figuresFrom(result: ScenarioResult): LoadFigures {
  const metrics = result.metrics;
  const latencyMetric = metrics.delivery_latency_ms;
  let latency: LatencySummary | undefined;
  let latencyPercentiles: PercentilePoint[] = [];
  if (latencyMetric?.kind === 'distribution' && latencyMetric.count > 0) {
    latency = {
      count: latencyMetric.count,
      mean: latencyMetric.mean,
      p50: latencyMetric.p50,
      p95: latencyMetric.p95,
      p99: latencyMetric.p99,
      max: latencyMetric.max,
    };
    latencyPercentiles = (latencyMetric.percentiles ?? []).map((point) => ({
      percentile: point.percentile,
      latencyMs: Math.max(0, point.ms),
    }));
  }
  const count = (name: string) => Math.max(0, Math.round(scalarValue(metrics, name) ?? 0));
  const published = count('messages_published');
  const windowS = Number(result.parameters.durationMs ?? 0) / 1000;
  const reconnectMs = result.outages.records
    .map((outage) => {
      const back = outage.role === 'subscriber' ? outage.rejoinedAtMs : outage.reopenedAtMs;
      return back === null ? undefined : Math.max(0, back - outage.downAtMs);
    })
    .filter((ms): ms is number => ms !== undefined);
  const scalars: Record<string, number> = {};
  for (const name of [
    'all_back_ms',
    'clients_disconnected',
    'clients_not_back',
    'resume_missed',
    'connect_failures',
    'publish_errors',
    'messages_unacked',
    'reconnects',
  ]) {
    const value = scalarValue(metrics, name);
    if (value !== undefined) scalars[name] = value;
  }
  const serverCores = scalarValue(metrics, 'server_cpu_cores');
  if (serverCores !== undefined) scalars.server_cpu_cores = serverCores;
  return {
    latency,
    latencyPercentiles,
    publishedPerS: windowS > 0 ? published / windowS : undefined,
    deliveredPerS: scalarValue(metrics, 'delivered_per_s'),
    messages: {
      published,
      expected: count('messages_expected'),
      delivered: count('messages_delivered'),
      lost: count('messages_lost'),
      duplicated: count('messages_duplicated'),
      recovered: count('messages_recovered'),
    },
    reconnectMs,
    scalars,
  };
}

/**
 * The load clients' outage records as events per millisecond, relative to `startedAtMs` (the
 * run's start, epoch ms like the records): when sockets closed, reopened, re-joined, and
 * received again. Their ms resolution shows a failover that polling every 500 ms misses.
 */
export function clientEventsFrom(result: ScenarioResult, startedAtMs: number): ClientEvent[] {
  const counts = new Map<string, { tMs: number; kind: ClientEventKind; count: number }>();
  const add = (kind: ClientEventKind, atMs: number | null) => {
    if (atMs === null) return;
    const tMs = Math.max(0, Math.floor(atMs - startedAtMs));
    const key = `${tMs}:${kind}`;
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else counts.set(key, { tMs, kind, count: 1 });
  };
  for (const outage of result.outages.records) {
    add('disconnect', outage.downAtMs);
    add('reconnect', outage.reopenedAtMs);
    add('resume', outage.role === 'subscriber' ? outage.rejoinedAtMs : null);
    add('first-message', outage.firstMessageAtMs);
  }
  return [...counts.values()].sort((a, b) => a.tMs - b.tMs || a.kind.localeCompare(b.kind));
}

/** Load clients of a streaming run (publishers + subscribers), when its parameters say. */
export function clientCount(result: ScenarioResult): number | undefined {
  const publishers = Number(result.parameters.publishers);
  const subscribers = Number(result.parameters.subscribers);
  return Number.isInteger(publishers) && Number.isInteger(subscribers) ? publishers + subscribers : undefined;
}
