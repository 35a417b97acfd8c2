/** Scale's cases: the caps, what counts as sustainable, and the search's shape by mode. */
import type { StepCriteria } from '../../capacity/steps.js';
import type { ExperimentContext } from '../experiment.js';

/**
 * Each replica's CPU cap: a quarter core, so three capped replicas fit beside Redis, HAProxy and
 * the load generator on two cores, as containers with `--cpus 0.25` would.
 */
export const REPLICA_CPU_CORES = 0.25;
/**
 * Sustainable: no loss, the load generator on schedule, ≥ 97% of the offered rate delivered and
 * p99 under 250 ms. The bound is wide because a CFS quota of 25 ms per 100 ms period can hold a
 * busy replica for up to 75 ms before it runs again: that wait is part of what a cap costs.
 */
export const CRITERIA: StepCriteria = { boundP99Ms: 250, minDeliveredFraction: 0.97 };
/**
 * The runner's scheduling-lag bound for these runs: a tenth of the p99 bound. The runner's 5 ms
 * default judges latency in single milliseconds; here the figures are judged at 250 ms, and the
 * load generator shares two cores with three capped replicas.
 */
export const LOAD_LAG_BOUND_P99_MS = 25;
/** A failed step is measured again when processes outside the lab took this share of the machine. */
export const OTHERS_RETRY_SHARE = 0.2;
/** Memory cap of every replica in the throughput runs (far above what 200 subscribers need). */
export const REPLICA_MEMORY_MIB = 256;

export interface Shape {
  replicaCounts: number[];
  fitOn: number[];
  firstOfferedDeliveriesPerS: number;
  maxSteps: number;
  durationMs: number;
  idle: { memoryMiB: number; batch: number; maxConnections: number };
}

export function shapeOf(context: Pick<ExperimentContext, 'mode'>): Shape {
  return context.mode === 'short'
    ? {
        replicaCounts: [1, 2],
        fitOn: [1],
        firstOfferedDeliveriesPerS: 1_500,
        // one step per count: short mode checks every path (CI), it does not search
        maxSteps: 1,
        durationMs: 3_000,
        idle: { memoryMiB: 64, batch: 250, maxConnections: 1_000 },
      }
    : {
        replicaCounts: [1, 2, 3],
        fitOn: [1, 2],
        firstOfferedDeliveriesPerS: 3_000,
        maxSteps: 6,
        durationMs: 6_000,
        // 256 MiB would need ~50 000 connections at ~4 KiB each: past the load generator's fd
        // budget (one process, 20 000 fds; HAProxy holds two per connection). 80 MiB is reachable.
        idle: { memoryMiB: 80, batch: 500, maxConnections: 9_000 },
      };
}
