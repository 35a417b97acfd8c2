import type { Metric, ScenarioResult } from '../../../loadtests/runner/result.js';
import type { ClientEvent, ClientEventKind, RunResultInput } from '../../report/schema.js';

/**
 * The figures of a run's result.json entry, taken straight from the load runner's result: one
 * step from the runner's shape to the result's, so a figure the runner adds reaches result.json
 * (`metrics`, by its runner name) without touching the lab.
 */
export type RunFigures = Pick<
  RunResultInput,
  | 'latencyMs'
  | 'latencyPercentiles'
  | 'publishedPerS'
  | 'deliveredPerS'
  | 'messages'
  | 'reconnectMs'
  | 'clients'
  | 'clientEvents'
  | 'validity'
  | 'metrics'
>;

/** Runner scalars that have a typed field of their own in result.json (kept out of `metrics`). */
const TYPED_SCALARS = new Set([
  'messages_published',
  'messages_expected',
  'messages_delivered',
  'messages_lost',
  'messages_duplicated',
  'messages_recovered',
  'delivered_per_s',
]);

function scalarValue(metrics: Record<string, Metric>, name: string): number | undefined {
  const metric = metrics[name];
  if (!metric || metric.kind === 'distribution' || metric.value === null) return undefined;
  return metric.value;
}

function latencyOf(result: ScenarioResult): Pick<RunFigures, 'latencyMs' | 'latencyPercentiles'> {
  const metric = result.metrics.delivery_latency_ms;
  if (metric?.kind !== 'distribution' || metric.count === 0) return { latencyPercentiles: [] };
  const { count, mean, p50, p95, p99, max } = metric;
  return {
    latencyMs: { count, mean, p50, p95, p99, max },
    latencyPercentiles: (metric.percentiles ?? []).map((point) => ({
      percentile: point.percentile,
      latencyMs: Math.max(0, point.ms),
    })),
  };
}

/** Per outage: time from losing the connection to being back (subscribers re-joined, publishers reopened), ms. */
function reconnectTimes(result: ScenarioResult): number[] {
  return result.outages.records
    .map((outage) => {
      const back = outage.role === 'subscriber' ? outage.rejoinedAtMs : outage.reopenedAtMs;
      return back === null ? undefined : Math.max(0, back - outage.downAtMs);
    })
    .filter((ms): ms is number => ms !== undefined);
}

/** The runner's verdict on its own schedule (lag, and why a run is invalid). */
function validityOf(result: ScenarioResult): Pick<RunFigures, 'validity'> {
  const validity = result.validity;
  if (!validity) return {};
  const lag = validity.schedulingLag;
  return {
    validity: {
      valid: validity.valid,
      reasons: validity.reasons,
      schedulingLagP99Ms: lag?.p99Ms ?? null,
      schedulingLagMaxMs: lag?.maxMs ?? null,
      boundP99Ms: lag?.boundP99Ms ?? null,
    },
  };
}

/**
 * Where reconnecting clients landed, from the replica (`hello.instance`) each outage left and came
 * back on: `reconnectsSameReplica` / `reconnectsOtherReplica`. Empty when no client came back.
 */
export function reconnectPlacement(result: ScenarioResult): Record<string, number> {
  let same = 0;
  let other = 0;
  for (const outage of result.outages.records) {
    if (outage.replica == null || outage.replicaBefore == null) continue;
    if (outage.replica === outage.replicaBefore) same += 1;
    else other += 1;
  }
  return same + other === 0 ? {} : { reconnectsSameReplica: same, reconnectsOtherReplica: other };
}

/**
 * A run's figures from the runner's result (versioned JSON of loadtests/runner); `startedAtMs`
 * (epoch ms) is the run's start, the zero of its client events. Every measured scalar of the
 * runner without a typed field lands in `metrics` under its runner name; unmeasured ones (null)
 * are left out rather than reported as 0.
 */
export function runFiguresFrom(result: ScenarioResult, startedAtMs: number): RunFigures {
  const metrics = result.metrics;
  const count = (name: string) => Math.max(0, Math.round(scalarValue(metrics, name) ?? 0));
  const published = count('messages_published');
  const windowS = Number(result.parameters.durationMs ?? 0) / 1000;
  const scalars: Record<string, number> = {};
  for (const name of Object.keys(metrics)) {
    const value = scalarValue(metrics, name);
    if (value !== undefined && Number.isFinite(value) && !TYPED_SCALARS.has(name)) scalars[name] = value;
  }
  const clients = clientCount(result);
  const deliveredPerS = scalarValue(metrics, 'delivered_per_s');
  return {
    ...latencyOf(result),
    ...(windowS > 0 ? { publishedPerS: published / windowS } : {}),
    ...(deliveredPerS === undefined ? {} : { deliveredPerS }),
    messages: {
      published,
      expected: count('messages_expected'),
      delivered: count('messages_delivered'),
      lost: count('messages_lost'),
      duplicated: count('messages_duplicated'),
      recovered: count('messages_recovered'),
    },
    reconnectMs: reconnectTimes(result),
    ...(clients === undefined ? {} : { clients }),
    clientEvents: clientEventsFrom(result, startedAtMs),
    ...validityOf(result),
    metrics: { ...scalars, ...reconnectPlacement(result) },
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
