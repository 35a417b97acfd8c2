import type { Metric, ScenarioResult } from '../../loadtests/runner/result.js';
import type { CdfPoint, LatencySummary, MessageCounts } from '../report/schema.js';

/** What the lab keeps from a load run for its report. */
export interface LoadFigures {
  latency: LatencySummary | undefined;
  /** CDF through the histogram's quantiles (min, p50, p90, p95, p99, p99.9, max). */
  latencyCdf: CdfPoint[];
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
  let latencyCdf: CdfPoint[] = [];
  if (latencyMetric?.kind === 'distribution' && latencyMetric.count > 0) {
    latency = {
      count: latencyMetric.count,
      mean: latencyMetric.mean,
      p50: latencyMetric.p50,
      p95: latencyMetric.p95,
      p99: latencyMetric.p99,
      max: latencyMetric.max,
    };
    latencyCdf = [
      { latencyMs: latencyMetric.min, fraction: 0 },
      { latencyMs: latencyMetric.p50, fraction: 0.5 },
      { latencyMs: latencyMetric.p90, fraction: 0.9 },
      { latencyMs: latencyMetric.p95, fraction: 0.95 },
      { latencyMs: latencyMetric.p99, fraction: 0.99 },
      { latencyMs: latencyMetric.p999, fraction: 0.999 },
      { latencyMs: latencyMetric.max, fraction: 1 },
    ];
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
    latencyCdf,
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
