/**
 * When each publisher sends: the arrival model of the streaming scenarios, shared by the Node
 * runner and the k6 scripts. Every message has an intended send time (its slot in the schedule);
 * latency is measured from that slot, so a sender that falls behind counts against the system
 * (coordinated-omission correction, as wrk2 and k6's arrival-rate executors do).
 *
 * - `uniform`: every publisher sends every 1/rate s; their phases are spread evenly over that
 *   period across all publishers of the run (publisher i of P starts at i/P of a period).
 * - `poisson`: each publisher draws independent exponential gaps with mean 1/rate s (seeded).
 * - `burst`: every publisher sends at the same instants (k/rate s): synchronized ticks.
 *
 * Pure: no Node or k6 imports.
 */
import { mulberry32, streamSeed } from './prng.js';

export const ARRIVAL_MODELS = ['uniform', 'poisson', 'burst'] as const;
export type ArrivalModel = (typeof ARRIVAL_MODELS)[number];

export function isArrivalModel(value: unknown): value is ArrivalModel {
  return typeof value === 'string' && (ARRIVAL_MODELS as readonly string[]).includes(value);
}

/** One exact message for a bad model name (CLI, k6 env, runScenario). */
export function arrivalModelError(value: unknown): string {
  return `arrivals: one of ${ARRIVAL_MODELS.join(', ')} (got ${JSON.stringify(value)})`;
}

export interface PublisherArrivalSpec {
  model: ArrivalModel;
  /** This publisher's index among all publishers of the run (all shards, all VUs). */
  publisherIndex: number;
  /** Publishers of the whole run. */
  publishers: number;
  ratePerS: number;
  /** Publishing window: no send is scheduled at or after it. */
  durationMs: number;
  /** Run seed for `poisson` (ignored otherwise). */
  seed: number;
}

/**
 * The intended send offsets of one publisher, in ms from the start of publishing, ascending.
 * `next()` returns the next offset, or null when the window is over.
 */
export class PublisherArrivals {
  private readonly periodMs: number;
  private readonly phaseMs: number;
  private readonly random: (() => number) | null;
  /** Uniform and burst: fixed count, as many as fit in the window (same count as before phases). */
  private readonly total: number;
  private sent = 0;
  private lastMs = 0;

  constructor(private readonly spec: PublisherArrivalSpec) {
    if (!isArrivalModel(spec.model)) throw new Error(arrivalModelError(spec.model));
    if (!(spec.ratePerS > 0)) throw new Error('ratePerS: must be > 0');
    this.periodMs = 1_000 / spec.ratePerS;
    this.phaseMs =
      spec.model === 'uniform' && spec.publishers > 0
        ? ((spec.publisherIndex % spec.publishers) / spec.publishers) * this.periodMs
        : 0;
    this.random = spec.model === 'poisson' ? mulberry32(streamSeed(spec.seed, spec.publisherIndex)) : null;
    this.total = Math.floor((spec.durationMs / 1_000) * spec.ratePerS);
  }

  next(): number | null {
    if (this.random) {
      // Inverse CDF of the exponential: 1 − u is in (0, 1], so the gap is finite and ≥ 0.
      const gapMs = -Math.log(1 - this.random()) * this.periodMs;
      const atMs = this.lastMs + gapMs;
      if (atMs >= this.spec.durationMs) return null;
      this.lastMs = atMs;
      return atMs;
    }
    if (this.sent >= this.total) return null;
    const atMs = this.phaseMs + this.sent * this.periodMs;
    if (atMs >= this.spec.durationMs) return null;
    this.sent += 1;
    return atMs;
  }
}

/**
 * Default bound on the load generator's own scheduling lag (p99 of actual − intended send time):
 * above it the runner marks the run invalid (k6: a failed threshold), since it could not offer
 * the load it claims.
 */
export const SCHEDULING_LAG_P99_BOUND_MS = 5;
