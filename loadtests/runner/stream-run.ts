/**
 * Coordinator of the streaming scenarios (fanout, failover, soak): lays clients out over rooms,
 * targets and shards, runs connect → publish → settle, samples the server, merges the shards'
 * histograms and counters into one result.
 */
import { arrivalModelError, isArrivalModel, SCHEDULING_LAG_P99_BOUND_MS } from '../scenarios/arrivals.js';
import type { ScenarioDefinition, StreamParams } from '../scenarios/definition.js';
import { publisherId, publisherRoom, roomName, subscriberRoom, urlIndexFor } from '../scenarios/layout.js';
import type { MetricName } from '../scenarios/metrics.js';
import { nowMs } from './clock.js';
import { type RawRun, rawRun, setUpRun, withShards } from './coordinator.js';
import { type DistributionSummary, mergeEncoded, newHistogram, summarise } from './histogram.js';
import { distribution, scalar } from './metric-values.js';
import type { ClientSettings, RunOptions, Target } from './options.js';
import type { Metric, TimelinePoint } from './result.js';
import type { SeqRanges } from './sequence-set.js';
import { coresBetween, type ServerSample } from './server-probe.js';
import type { OutageRecord, ShardReport, StreamShardPlan } from './shard-protocol.js';
import { sourceAddressFor } from './source-addresses.js';
import { backAtMs } from './stream-shard.js';
import { checkLagBound, judgeSchedulingLag } from './validity.js';

function validate(params: StreamParams): void {
  for (const key of ['publishers', 'subscribers', 'rooms'] as const) {
    if (!Number.isInteger(params[key]) || params[key] < 0) throw new Error(`${key}: a non-negative integer`);
  }
  if (params.rooms < 1) throw new Error('rooms: at least 1');
  if (!isArrivalModel(params.arrivals)) throw new Error(arrivalModelError(params.arrivals));
  for (const key of ['ratePerPublisher', 'durationMs', 'connectRatePerS', 'sampleEveryMs'] as const) {
    if (!(params[key] > 0)) throw new Error(`${key}: must be > 0`);
  }
}

/** Splits the clients over `shardCount` shards; publisher indexes stay global, so arrival phases span all shards. */
export function shardPlans(
  params: StreamParams,
  urls: string[],
  clients: ClientSettings,
  runId: string,
  shardCount: number,
  publisherShard = false,
): StreamShardPlan[] {
  // Source addresses go round-robin over every client: subscribers first, then publishers.
  const localAddress = (clientIndex: number): { localAddress?: string } => {
    const address = sourceAddressFor(clients.sourceAddresses, clientIndex);
    return address === undefined ? {} : { localAddress: address };
  };
  const publisherRooms: Record<string, string> = {};
  for (let i = 0; i < params.publishers; i += 1) {
    publisherRooms[publisherId(i)] = roomName(runId, publisherRoom(i, params.rooms));
  }
  const out: StreamShardPlan[] = Array.from({ length: shardCount }, (_, shardIndex) => ({
    kind: 'stream',
    shardIndex,
    urls,
    params,
    clients,
    connectRatePerS: params.connectRatePerS / shardCount,
    subscribers: [],
    publishers: [],
    publisherRooms,
  }));
  // With a publisher shard, shard 0 only sends: its event loop never parses deliveries.
  const subscriberShards = publisherShard ? shardCount - 1 : shardCount;
  const firstSubscriberShard = publisherShard ? 1 : 0;
  for (let i = 0; i < params.subscribers; i += 1) {
    out[firstSubscriberShard + (i % subscriberShards)]!.subscribers.push({
      index: i,
      room: roomName(runId, subscriberRoom(i, params.rooms)),
      urlIndex: urlIndexFor('subscriber', i, urls.length),
      ...localAddress(i),
    });
  }
  for (let i = 0; i < params.publishers; i += 1) {
    out[publisherShard ? 0 : i % shardCount]!.publishers.push({
      index: i,
      id: publisherId(i),
      room: publisherRooms[publisherId(i)]!,
      urlIndex: urlIndexFor('publisher', i, urls.length),
      ...localAddress(params.subscribers + i),
    });
  }
  return out;
}

function sumCounters(reports: ShardReport[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const report of reports) {
    for (const [name, value] of Object.entries(report.counters)) total[name] = (total[name] ?? 0) + value;
  }
  return total;
}

export async function runStream(
  definition: ScenarioDefinition<StreamParams>,
  params: StreamParams,
  target: Target,
  options: RunOptions,
): Promise<RawRun> {
  validate(params);
  const lagBoundMs = checkLagBound(options.maxLagP99Ms ?? SCHEDULING_LAG_P99_BOUND_MS);
  const arrivalSeed = options.arrivalSeed ?? Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(arrivalSeed)) throw new Error('arrivalSeed: an integer');
  const setup = setUpRun(target, params.publishers + params.subscribers, options, {
    publishers: params.publishers,
    subscribers: params.subscribers,
    // Each publisher's room has subscribers / rooms members.
    deliveriesPerS: (params.publishers * params.ratePerPublisher * params.subscribers) / params.rooms,
  });
  const { urls, runId, layout, probe, clients } = setup;
  return withShards(setup, options, async (shards, progress) => {
    const serverSamples: ServerSample[] = [];
    let sampler: NodeJS.Timeout | null = null;
    try {
      const plansOfShards = shardPlans(params, urls, clients, runId, layout.count, layout.publisherShard);
      shards.sendEach((index) => ({ type: 'init', plan: plansOfShards[index]! }));
      const connectBudgetMs =
        ((params.publishers + params.subscribers) / params.connectRatePerS) * 1_000 + 60_000;
      const ready = await shards.all('ready', connectBudgetMs);
      await options.hooks?.onReady?.();

      progress.setPhase(definition.name);
      const startAtMs = nowMs() + 200;
      const cpuBefore = process.cpuUsage();
      const serverBefore = await probe.sample();
      serverSamples.push(serverBefore);
      sampler = setInterval(() => {
        void probe.sample().then((sample) => serverSamples.push(sample));
      }, params.sampleEveryMs);
      shards.sendEach(() => ({
        type: 'publish',
        startAtMs,
        durationMs: params.durationMs,
        seed: arrivalSeed,
      }));
      const hook = Promise.resolve().then(() => options.hooks?.onPublishing?.());
      // Awaited after publishing; until then a rejection must not count as unhandled.
      hook.catch(() => undefined);
      const published = await shards.all('published', params.durationMs + 60_000);
      const serverAfter = await probe.sample();
      const cpuAfter = process.cpuUsage(cpuBefore);
      const publishWindowMs = nowMs() - startAtMs;
      clearInterval(sampler);
      sampler = null;
      serverSamples.push(serverAfter);
      // A hook still running (a fault waiting for recovery) delays settling, not the measured window.
      await hook;

      const acked: Record<string, SeqRanges> = {};
      for (const message of published) Object.assign(acked, message.acked);
      progress.setPhase('settling');
      shards.sendEach(() => ({ type: 'settle', acked, timeoutMs: params.settleTimeoutMs }));
      const reports = (await shards.all('report', params.settleTimeoutMs + 30_000)).map((m) => m.report);

      const shardCpuUs =
        published.reduce((sum, m) => sum + m.cpuUs, 0) - ready.reduce((sum, m) => sum + m.cpuUs, 0);
      const runnerCpuCores = (cpuAfter.user + cpuAfter.system + shardCpuUs) / 1_000 / publishWindowMs;
      const counters = sumCounters(reports);
      const outages = reports.flatMap((r) => r.outages);
      // A server that falls behind keeps delivering after the last publish: count that time too.
      const lastDeliveryAtMs = Math.max(0, ...reports.map((r) => r.counters.last_delivery_at_ms ?? 0));
      const deliveryWindowMs = Math.max(publishWindowMs, lastDeliveryAtMs - startAtMs);
      const metrics = buildMetrics(reports, counters, outages, deliveryWindowMs);
      metrics.runner_cpu_cores = scalar('runner_cpu_cores', runnerCpuCores);
      metrics.server_cpu_cores = scalar('server_cpu_cores', coresBetween(serverBefore, serverAfter));
      addServerMemory(metrics, serverSamples);
      const validity = judgeSchedulingLag(
        summariseEncoded(reports.map((report) => report.histograms.scheduling_lag_ms)),
        reports.map((report, shard) => ({
          shard,
          summary: summariseEncoded([report.histograms.scheduling_lag_ms]),
        })),
        lagBoundMs,
      );
      return rawRun(
        setup,
        metrics,
        buildTimeline(reports, serverSamples, startAtMs, params.sampleEveryMs),
        outages,
        { validity, arrivalSeed },
      );
    } finally {
      if (sampler) clearInterval(sampler);
    }
  });
}

/** Merges encoded histograms (missing ones skipped) and summarises them in ms (`withSeries`: plot series too). */
function summariseEncoded(
  encoded: ReadonlyArray<string | undefined>,
  withSeries = false,
): DistributionSummary {
  const merged = mergeEncoded(encoded.filter((h): h is string => h !== undefined));
  const summary = summarise(merged, withSeries);
  merged.destroy();
  return summary;
}

function buildMetrics(
  reports: ShardReport[],
  counters: Record<string, number>,
  outages: OutageRecord[],
  deliveryWindowMs: number,
): Record<string, Metric> {
  const metrics: Record<string, Metric> = {};
  for (const name of [
    'delivery_latency_ms',
    'publish_ack_ms',
    'handshake_ms',
    'scheduling_lag_ms',
  ] as const) {
    // delivery latency keeps its whole distribution: the report plots p50 … p99.99 from it
    const withSeries = name === 'delivery_latency_ms';
    metrics[name] = distribution(
      name,
      summariseEncoded(
        reports.map((r) => r.histograms[name]),
        withSeries,
      ),
    );
  }
  const counterNames: MetricName[] = [
    'messages_published',
    'messages_unacked',
    'publish_skipped',
    'publish_errors',
    'messages_expected',
    'messages_delivered',
    'messages_lost',
    'messages_duplicated',
    'messages_out_of_order',
    'messages_recovered',
    'messages_unexpected',
    'resume_missed',
    'connections_opened',
    'connect_failures',
    'disconnects',
    'reconnects',
    'clients_not_back',
  ];
  for (const name of counterNames) metrics[name] = scalar(name, counters[name] ?? 0);
  const expected = counters.messages_expected ?? 0;
  metrics.loss_ratio = scalar('loss_ratio', expected > 0 ? (counters.messages_lost ?? 0) / expected : 0);
  metrics.delivered_per_s = scalar(
    'delivered_per_s',
    ((counters.messages_delivered ?? 0) * 1_000) / deliveryWindowMs,
  );
  metrics.connections_peak = scalar(
    'connections_peak',
    reports.reduce((sum, r) => sum + r.peakOpen, 0),
  );
  addOutageMetrics(metrics, outages);
  return metrics;
}

/** Per-client reconnect and resume times, and the time until every client was back. */
function addOutageMetrics(metrics: Record<string, Metric>, outages: OutageRecord[]): void {
  const reconnect = newHistogram();
  const resume = newHistogram();
  let firstDownMs = Number.POSITIVE_INFINITY;
  let lastBackMs = 0;
  let everyoneBack = true;
  const clients = new Set<string>();
  for (const outage of outages) {
    clients.add(`${outage.role}:${outage.client}`);
    firstDownMs = Math.min(firstDownMs, outage.downAtMs);
    const back = backAtMs(outage);
    if (back === null) everyoneBack = false;
    else {
      lastBackMs = Math.max(lastBackMs, back);
      reconnect.recordValue(Math.max(0, Math.round((back - outage.downAtMs) * 1_000)));
    }
    if (outage.firstMessageAtMs !== null) {
      resume.recordValue(Math.max(0, Math.round((outage.firstMessageAtMs - outage.downAtMs) * 1_000)));
    }
  }
  metrics.reconnect_ms = distribution('reconnect_ms', summarise(reconnect));
  metrics.resume_delivery_ms = distribution('resume_delivery_ms', summarise(resume));
  reconnect.destroy();
  resume.destroy();
  metrics.clients_disconnected = scalar('clients_disconnected', clients.size);
  metrics.all_back_ms = scalar(
    'all_back_ms',
    outages.length === 0 ? 0 : everyoneBack ? lastBackMs - firstDownMs : null,
  );
}

function addServerMemory(metrics: Record<string, Metric>, samples: ServerSample[]): void {
  const rss = samples.map((s) => s.rssBytes).filter((v): v is number => v !== null);
  metrics.server_rss_start_bytes = scalar('server_rss_start_bytes', rss[0] ?? null);
  metrics.server_rss_end_bytes = scalar('server_rss_end_bytes', rss[rss.length - 1] ?? null);
  metrics.server_rss_peak_bytes = scalar('server_rss_peak_bytes', rss.length > 0 ? Math.max(...rss) : null);
  // Growth under load: last sample over the first sample taken while publishing (the second one).
  const firstLoaded = rss[1] ?? rss[0];
  const last = rss[rss.length - 1];
  metrics.server_rss_growth_ratio = scalar(
    'server_rss_growth_ratio',
    firstLoaded !== undefined && last !== undefined && rss.length >= 3 ? last / firstLoaded : null,
  );
}

function buildTimeline(
  reports: ShardReport[],
  samples: ServerSample[],
  startAtMs: number,
  sampleEveryMs: number,
): TimelinePoint[] {
  const buckets = new Map<number, { delivered: number; latency: string[] }>();
  for (const report of reports) {
    for (const point of report.timeline) {
      const slot = buckets.get(point.bucket) ?? { delivered: 0, latency: [] };
      slot.delivered += point.delivered;
      slot.latency.push(point.latency);
      buckets.set(point.bucket, slot);
    }
  }
  return [...buckets.entries()]
    .filter(([bucket]) => bucket >= 0)
    .sort(([a], [b]) => a - b)
    .map(([bucket, slot]) => {
      const merged = mergeEncoded(slot.latency);
      const summary = summarise(merged);
      merged.destroy();
      const fromMs = startAtMs + bucket * sampleEveryMs;
      // The server sample closest to the end of the interval.
      const sample = samples
        .filter((s) => s.rssBytes !== null)
        .reduce<ServerSample | null>(
          (best, s) =>
            best === null ||
            Math.abs(s.atMs - (fromMs + sampleEveryMs)) < Math.abs(best.atMs - (fromMs + sampleEveryMs))
              ? s
              : best,
          null,
        );
      return {
        tMs: bucket * sampleEveryMs,
        delivered: slot.delivered,
        deliveredPerS: Math.round((slot.delivered * 1_000) / sampleEveryMs),
        latencyP50Ms: summary.count > 0 ? summary.p50 : null,
        latencyP99Ms: summary.count > 0 ? summary.p99 : null,
        serverRssBytes: sample?.rssBytes ?? null,
      };
    });
}
