/**
 * What the connect_ramp and streaming coordinators share: setting a run up (targets, run id,
 * shard layout, server probe), running the shards under a progress line with guaranteed
 * cleanup, and the shape of the raw result.
 */
import { newRunId } from '../scenarios/layout.js';
import {
  type ClientSettings,
  type RunOptions,
  type ShardLayout,
  type StreamLoad,
  shardLayout,
  type Target,
  targetUrls,
} from './options.js';
import { ProgressLine } from './progress.js';
import type { Metric, RunValidity, TimelinePoint } from './result.js';
import { ServerProbe } from './server-probe.js';
import type { OutageRecord } from './shard-protocol.js';
import { ShardSet } from './shards.js';
import { checkTargetsForSourceAddresses, resolveSourceAddresses } from './source-addresses.js';

/** A run's raw result, before thresholds are evaluated. */
export interface RawRun {
  runId: string;
  startedAtMs: number;
  urls: string[];
  clients: ClientSettings;
  shards: number;
  inline: boolean;
  /** Shard 0 held every publisher and no subscriber. */
  publisherShard: boolean;
  metrics: Record<string, Metric>;
  timeline: TimelinePoint[];
  outages: OutageRecord[];
  /** Whether the runner kept its send schedule (scenarios with one). */
  validity?: RunValidity;
  arrivalSeed?: number;
}

/** A run's fixed parts, decided before any shard starts. */
export interface RunSetup {
  urls: string[];
  runId: string;
  layout: ShardLayout;
  /** Cookies and source addresses of every client. */
  clients: ClientSettings;
  probe: ServerProbe;
  startedAtMs: number;
}

/**
 * Resolves the target URLs, a fresh run id, the shard layout for `clients` clients (and, for a
 * streaming run, what it offers) and the server probe.
 */
export function setUpRun(
  target: Target,
  clients: number,
  options: RunOptions,
  stream?: StreamLoad,
): RunSetup {
  const urls = targetUrls(target);
  const sourceAddresses = resolveSourceAddresses(options.sourceAddresses);
  checkTargetsForSourceAddresses(urls, sourceAddresses);
  return {
    urls,
    runId: newRunId(),
    layout: shardLayout(clients, options, stream),
    clients: {
      cookies: options.cookies ?? true,
      protocol: options.protocol ?? 'wslab',
      sourceAddresses,
      ...(target.token === undefined ? {} : { token: target.token }),
    },
    probe: new ServerProbe(target.serverPids ?? [], target.metricsUrls ?? [], options.resources),
    startedAtMs: Date.now(),
  };
}

/**
 * Starts the setup's shards and a progress line over them, runs `body`, then stops the progress
 * line and closes every shard whether `body` resolved or threw.
 */
export async function withShards<T>(
  setup: RunSetup,
  options: RunOptions,
  body: (shards: ShardSet, progress: ProgressLine) => Promise<T>,
): Promise<T> {
  const shards = new ShardSet(setup.layout.count, setup.layout.inline);
  const progress = new ProgressLine(options.progress ?? ProgressLine.defaultEnabled(), () =>
    shards.handles.map((h) => h.progress),
  );
  progress.start();
  try {
    return await body(shards, progress);
  } finally {
    progress.stop();
    await shards.close();
  }
}

/** The raw result of a finished run. */
export function rawRun(
  setup: RunSetup,
  metrics: Record<string, Metric>,
  timeline: TimelinePoint[],
  outages: OutageRecord[],
  schedule: Pick<RawRun, 'validity' | 'arrivalSeed'> = {},
): RawRun {
  return {
    ...schedule,
    runId: setup.runId,
    startedAtMs: setup.startedAtMs,
    urls: setup.urls,
    // How the clients connected, without the token: a result is a file that gets shared.
    clients: {
      cookies: setup.clients.cookies,
      sourceAddresses: setup.clients.sourceAddresses,
      protocol: setup.clients.protocol,
    },
    shards: setup.layout.count,
    inline: setup.layout.inline,
    publisherShard: setup.layout.publisherShard,
    metrics,
    timeline,
    outages,
  };
}
