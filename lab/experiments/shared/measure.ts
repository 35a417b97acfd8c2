import { setTimeout as sleep } from 'node:timers/promises';
import { type RunOptions, runScenario } from '../../../loadtests/runner/index.js';
import type { StreamParams } from '../../../loadtests/scenarios/definition.js';
import { ConnectionsPoller, connectedTimeline } from '../../../observe/connections.js';
import { readRedisTraffic, redisTrafficMetrics } from '../../../observe/redis-traffic.js';
import { topologySampler } from '../../../observe/topology-sampler.js';
import { UsageRecorder } from '../../../observe/usage-recorder.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import type { FaultOutcome } from '../../faults/faults.js';
import type { RunEvent, RunResultInput } from '../../report/schema.js';
import type { Progress } from '../../ui/progress.js';
import { runFiguresFrom } from './run-figures.js';

/**
 * A fault of a run's schedule (Jepsen's nemesis op): what it does, what it hits, when after
 * publishing started; `run` injects it (and heals it, for faults that undo themselves) and says
 * what happened, which the run's timeline logs.
 */
export interface FaultStep {
  atMs: number;
  /** What the fault does: `kill-replica`, `scale-out`, `redis-outage`… */
  fault: string;
  /** What it hits, in words: `the busiest replica`, `the master of a loaded room`… */
  target: string;
  run: (topology: Topology) => Promise<FaultOutcome> | FaultOutcome;
}

export interface MeasureOptions {
  topology: Topology;
  label: string;
  parameters: Record<string, string | number | boolean | null>;
  /** Where the load clients connect (a proxy, or every replica directly). */
  urls: string[];
  scenario: 'fanout' | 'failover';
  load: Partial<StreamParams>;
  faults?: FaultStep[];
  progress: Progress;
  /** Also measure Redis commands and bytes during the run. */
  redisTraffic?: boolean;
  /**
   * How the load clients connect: cookie jars (the runner's default: on) and loopback source
   * addresses (default 1: every client from 127.0.0.1, so source hashing sees one client), and the
   * bound on the runner's scheduling lag above which a run is invalid (default the runner's).
   */
  clients?: Pick<RunOptions, 'cookies' | 'sourceAddresses' | 'maxLagP99Ms'>;
}

type Parameter = string | number | boolean | null;

/**
 * Loopback source addresses the stickiness experiments spread their load clients over, so
 * `source` hashing sees distinct clients (one address would put every client on one replica).
 */
export const LOAD_SOURCE_ADDRESSES = 16;

/**
 * One measured run on a running topology: the load scenario, with faults
 * injected on schedule while it publishes, /proc sampling of every component
 * and of the load generator, and connections per replica over time.
 */
export async function measureRun(options: MeasureOptions): Promise<RunResultInput> {
  const { topology, progress } = options;
  const startedAtMs = Date.now();
  // the topology's one sampler (the live view and the runner's server probe read it too); it
  // watches components started mid-run and this process (inline shards: the load generator's CPU)
  const resources = topologySampler(topology);
  const usage = new UsageRecorder(resources);
  const poller = new ConnectionsPoller(
    () =>
      topology.replicas
        .filter((slot) => slot.handle?.process.running)
        .map((slot) => ({ id: slot.id, httpUrl: slot.httpUrl })),
    500,
    startedAtMs,
  );
  const events: RunEvent[] = [];
  const faultFigures: Record<string, number> = {};
  const redisBefore = options.redisTraffic ? await readRedisTraffic(topology) : undefined;
  await usage.start();
  poller.start();
  const ticker = setInterval(() => {
    const connected = [...poller.latest().values()].reduce((sum, count) => sum + count, 0);
    progress.update(
      `${options.label}: ${connected} connected, ${((Date.now() - startedAtMs) / 1000).toFixed(0)}s`,
    );
  }, 1_000);
  ticker.unref();
  let publishStartMs = startedAtMs;
  let faultsDone: Promise<void> = Promise.resolve();
  let faultError: unknown;
  const runFaults = async (fromMs: number): Promise<void> => {
    for (const step of options.faults ?? []) {
      const waitMs = fromMs + step.atMs - Date.now();
      if (waitMs > 0) await sleep(waitMs);
      const faultStartMs = Date.now();
      const outcome = await step.run(topology);
      events.push({ tMs: faultStartMs - startedAtMs, kind: outcome.kind, detail: outcome.detail });
      progress.event?.(outcome.kind, outcome.detail);
      for (const [name, value] of Object.entries(outcome.figures)) faultFigures[name] = value;
    }
  };
  try {
    const result = await runScenario(
      options.scenario,
      options.load,
      {
        url: options.urls,
        serverPids: topology
          .components()
          .filter((c) => c.kind === 'replica')
          .map((c) => c.pid),
        label: options.label,
        ...withToken(await topology.clientToken()),
      },
      {
        progress: false,
        resources,
        ...options.clients,
        ...(await labSourceAddresses(topology, options.clients?.sourceAddresses)),
        hooks: {
          // The hook returns at once: the runner measures its publishing window up to the
          // hook's end, so faults (some wait for recovery) run beside the load instead.
          onPublishing: () => {
            publishStartMs = Date.now();
            events.push({
              tMs: publishStartMs - startedAtMs,
              kind: 'publishing',
              detail: 'load starts publishing',
            });
            faultsDone = runFaults(publishStartMs).catch((error: unknown) => {
              faultError = error;
            });
          },
        },
      },
    );
    await faultsDone;
    if (faultError !== undefined) throw faultError;
    const durationMs = Date.now() - startedAtMs;
    const redisMetrics =
      redisBefore === undefined
        ? {}
        : redisTrafficMetrics(redisBefore, await readRedisTraffic(topology), Date.now() - publishStartMs);
    const points = await poller.stop();
    const componentUsage = await usage.stop();
    const parameters: Record<string, Parameter> = { ...options.parameters };
    for (const [key, value] of Object.entries(result.parameters)) {
      if (
        ['publishers', 'subscribers', 'rooms', 'ratePerPublisher', 'arrivals', 'durationMs'].includes(key)
      ) {
        parameters[key] = value;
      }
    }
    const figures = runFiguresFrom(result, startedAtMs);
    return {
      label: options.label,
      parameters,
      durationMs,
      ...figures,
      connectedTimeline: connectedTimeline(points),
      connectionsPerReplica: points,
      events,
      metrics: finiteOnly({ ...figures.metrics, ...faultFigures, ...redisMetrics }),
      resources: componentUsage,
    };
  } finally {
    clearInterval(ticker);
    await poller.stop();
    await usage.stop().catch(() => []);
  }
}

function finiteOnly(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => Number.isFinite(value)));
}

/** A client option's token field: absent with `auth: none` (clients then connect without one). */
/**
 * On lab hosts a count of source addresses becomes the lab network's client addresses (loopback
 * ones cannot reach a host); explicit lists and one host pass unchanged.
 */
async function labSourceAddresses(
  topology: Topology,
  sourceAddresses: RunOptions['sourceAddresses'],
): Promise<Pick<RunOptions, 'sourceAddresses'>> {
  if (topology.network === undefined || typeof sourceAddresses !== 'number' || sourceAddresses <= 1)
    return {};
  return { sourceAddresses: await topology.clientAddresses(sourceAddresses) };
}

export function withToken(token: string | undefined): { token?: string } {
  return token === undefined ? {} : { token };
}
