/**
 * The shape of a scenario definition. Pure: no Node or k6 imports.
 */
import { ARRIVAL_MODELS, type ArrivalModel } from './arrivals.js';
import type { Threshold } from './thresholds.js';

export type ScenarioName = 'fanout' | 'connect_ramp' | 'failover' | 'soak';

export interface ScenarioDefinition<Params extends object> {
  name: ScenarioName;
  /** One line: what the scenario measures. */
  description: string;
  /** Every parameter with its default (units in the names). */
  defaults: Readonly<Params>;
  /** Pass/fail criteria; the runner exits non-zero and k6 fails the run when one fails. */
  thresholds: readonly Threshold[];
  /** Allowed values of the parameters that are strings (CLI and k6 env check them). */
  choices?: Readonly<Record<string, readonly string[]>>;
  /** The metrics the scenario reports (besides CPU and memory of runner and server). */
  counts: readonly string[];
}

/**
 * Parameters shared by the streaming scenarios (fanout, failover, soak): P publishers each
 * publish `ratePerPublisher` messages per second into one of R rooms; S subscribers each join
 * one room. Subscribers are connected and joined before the first publish, so every acked
 * message is expected by every subscriber of its room.
 */
export interface StreamParams {
  publishers: number;
  subscribers: number;
  rooms: number;
  /** Messages per second per publisher (the server's PUBLISH_RATE_PER_S caps it). */
  ratePerPublisher: number;
  /**
   * When publishers send (loadtests/scenarios/arrivals.ts): `uniform` phases spread evenly over
   * the period across all publishers, `poisson` independent exponential gaps at the same mean
   * rate, `burst` every publisher on the same tick.
   */
  arrivals: ArrivalModel;
  /** Approximate JSON size of each message's `data`. */
  messageBytes: number;
  /** Publishing window. */
  durationMs: number;
  /** Connections opened per second while setting up (all shards together). */
  connectRatePerS: number;
  /** After publishing stops: how long to wait for the last expected deliveries. */
  settleTimeoutMs: number;
  /** Reconnect backoff: first delay cap, growth factor 2, ceiling; full jitter. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Timeline sample interval (memory and latency over time). */
  sampleEveryMs: number;
}

export const STREAM_DEFAULTS: StreamParams = {
  publishers: 4,
  subscribers: 100,
  rooms: 4,
  ratePerPublisher: 20,
  arrivals: 'uniform',
  messageBytes: 256,
  durationMs: 10_000,
  connectRatePerS: 1_000,
  settleTimeoutMs: 5_000,
  backoffInitialMs: 100,
  backoffMaxMs: 5_000,
  sampleEveryMs: 5_000,
};

export const STREAM_CHOICES = { arrivals: ARRIVAL_MODELS } as const;

export const STREAM_COUNTS = [
  'delivery_latency_ms',
  'publish_ack_ms',
  'scheduling_lag_ms',
  'messages_published',
  'messages_expected',
  'messages_delivered',
  'delivered_per_s',
  'messages_lost',
  'messages_duplicated',
  'messages_out_of_order',
  'messages_recovered',
  'reconnects',
] as const;
