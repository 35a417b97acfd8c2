/**
 * k6 options for each script, built from the shared scenario definitions: one named k6 scenario
 * per user flow (subscribers, publishers, connect), and the definitions' thresholds in k6 form.
 */
import type { Options } from 'k6/options';
import { SCHEDULING_LAG_P99_BOUND_MS } from '../scenarios/arrivals.js';
import type { ConnectRampParams } from '../scenarios/connect_ramp.js';
import type { ScenarioDefinition, StreamParams } from '../scenarios/definition.js';
import { type Threshold, toK6Thresholds } from '../scenarios/thresholds.js';

/** Time given to subscribers to connect and join before the first publish. */
export function connectLeadMs(params: StreamParams): number {
  return Math.ceil(((params.subscribers + params.publishers) / params.connectRatePerS) * 1_000) + 2_000;
}

/**
 * From the publishers' scenario start to the first slot of the schedule: time for every publisher
 * to connect, so the first slots are not skipped (the Node runner connects before publishing).
 */
export const PUBLISHER_CONNECT_LEAD_MS = 1_000;

/** How long each subscriber stays: lead + publisher connect + publishing window + settle. */
export function subscriberLifetimeMs(params: StreamParams): number {
  return connectLeadMs(params) + PUBLISHER_CONNECT_LEAD_MS + params.durationMs + params.settleTimeoutMs;
}

/**
 * k6 VUs share nothing, so "every client back" cannot be timed across VUs: a client's own
 * reconnect time (its max) stands in for `all_back_ms`.
 */
function forK6(thresholds: readonly Threshold[]): Threshold[] {
  return thresholds.map((t) =>
    t.metric === 'all_back_ms' ? { ...t, metric: 'reconnect_ms', stat: 'max' } : t,
  );
}

const seconds = (ms: number): string => `${Math.ceil(ms / 1_000)}s`;

/**
 * fanout and failover: subscribers first, publishers after the connect lead. Each publisher VU
 * sends on the shared arrival schedule (per-VU offsets, k6's closest match to an arrival-rate
 * executor on a long-lived socket) and a threshold on its scheduling lag stands for the Node
 * runner's validity check: a k6 that cannot keep the schedule fails the run.
 */
export function streamOptions(
  definition: ScenarioDefinition<StreamParams>,
  params: StreamParams,
  lagBoundP99Ms: number = SCHEDULING_LAG_P99_BOUND_MS,
): Options {
  const lifetimeMs = subscriberLifetimeMs(params);
  return {
    scenarios: {
      subscribers: {
        executor: 'per-vu-iterations',
        exec: 'subscriber',
        vus: params.subscribers,
        iterations: 1,
        maxDuration: seconds(lifetimeMs + 30_000),
      },
      publishers: {
        executor: 'per-vu-iterations',
        exec: 'publisher',
        vus: params.publishers,
        iterations: 1,
        startTime: seconds(connectLeadMs(params)),
        maxDuration: seconds(PUBLISHER_CONNECT_LEAD_MS + params.durationMs + 30_000),
      },
    },
    thresholds: toK6Thresholds([
      ...forK6(definition.thresholds),
      { metric: 'scheduling_lag_ms', stat: 'p99', op: '<', value: lagBoundP99Ms },
    ]),
  };
}

/** connect_ramp: one connection per iteration at a constant arrival rate. */
export function rampOptions(
  definition: ScenarioDefinition<ConnectRampParams>,
  params: ConnectRampParams,
): Options {
  const rampMs = (params.connections / params.ratePerS) * 1_000;
  return {
    scenarios: {
      connect: {
        executor: 'constant-arrival-rate',
        exec: 'connect',
        rate: params.ratePerS,
        timeUnit: '1s',
        duration: seconds(rampMs),
        preAllocatedVUs: params.connections,
        maxVUs: params.connections,
        gracefulStop: seconds(params.holdMs + params.handshakeTimeoutMs + 5_000),
      },
    },
    // server_memory_per_connection is read from the server by the Node runner; k6 cannot see it.
    thresholds: toK6Thresholds(
      definition.thresholds.filter((t) => t.metric !== 'server_memory_per_connection'),
    ),
  };
}

/** How long each ramp connection stays open: until the ramp ends, then the hold. */
export function rampHoldMs(params: ConnectRampParams): number {
  return Math.ceil((params.connections / params.ratePerS) * 1_000) + params.holdMs;
}
