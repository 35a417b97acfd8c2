/** Scale's cases: the caps, what counts as sustainable, and the search's shape by mode. */
import type { StepCriteria } from '../../capacity/steps.js';
import type { ExperimentContext } from '../experiment.js';

/**
 * Each replica's CPU cap when it starts: a quarter core, as a container with `--cpus 0.25`. The
 * budget (budget.ts) lowers it before the curve when the counts would not fit the machine.
 */
export const REPLICA_CPU_CORES = 0.25;
/** CFS period of the caps (Docker's and the kernel's default), and the shorter one compared with it. */
export const DEFAULT_CPU_PERIOD_US = 100_000;
export const SHORT_CPU_PERIOD_US = 10_000;
/** Share of the machine every count at its cap, with generator, proxy and Redis, must fit in. */
export const MACHINE_BUDGET_SHARE = 0.8;
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
/** Memory cap of every replica in the throughput runs (far above what 200 subscribers need). */
export const REPLICA_MEMORY_MIB = 256;

/** How one count's search moves: the coarse climb's factor, the bracket it stops at, its step budget. */
export interface SearchPlan {
  /** Offered × this while every step passes (÷ while none does). */
  climbFactor: number;
  /** Done when the lowest failing offered rate is within (1 + this) × the highest passing one. */
  bracketTolerance: number;
  maxSteps: number;
  /** No step offers more than this (the load generator's range): a count passing here is not bracketed. */
  maxOfferedPerS: number;
  /**
   * No step offers less: below it a step sends too few messages to judge (a 3 s step at 12/s
   * over 8 publishers is a handful), so a count failing here is "no step passed".
   */
  minOfferedPerS: number;
}

export interface Shape {
  replicaCounts: number[];
  fitOn: number[];
  firstOfferedDeliveriesPerS: number;
  /** The search from the first offered rate (count 1). */
  search: SearchPlan;
  /** Counts after the first start near (N / (N−1)) × the previous knee: a shorter climb. */
  seededSearch: SearchPlan;
  /** Caps the budget may choose per replica, highest first. */
  capCandidatesCores: number[];
  /** Search the one-replica baseline a second time (the checker compares the two). */
  repeatBaseline: boolean;
  /** Measure p99 at one quota in the default and a short CFS period. */
  comparePeriods: boolean;
  durationMs: number;
  idle: { memoryMiB: number; batch: number; maxConnections: number };
}

export function shapeOf(context: Pick<ExperimentContext, 'mode'>): Shape {
  return context.mode === 'short'
    ? {
        replicaCounts: [1, 2],
        fitOn: [1],
        firstOfferedDeliveriesPerS: 1_500,
        // short mode checks every path (CI): a bracket of any width, in few steps, at a cap low
        // enough that a loaded CI machine still fails a step well inside the generator's range
        search: {
          climbFactor: 4,
          bracketTolerance: 3,
          maxSteps: 4,
          maxOfferedPerS: 60_000,
          minOfferedPerS: 200,
        },
        seededSearch: {
          climbFactor: 4,
          bracketTolerance: 3,
          maxSteps: 4,
          maxOfferedPerS: 60_000,
          minOfferedPerS: 200,
        },
        capCandidatesCores: [0.1],
        repeatBaseline: false,
        comparePeriods: false,
        durationMs: 3_000,
        idle: { memoryMiB: 64, batch: 250, maxConnections: 1_000 },
      }
    : {
        replicaCounts: [1, 2, 3],
        fitOn: [1, 2],
        firstOfferedDeliveriesPerS: 3_000,
        search: {
          climbFactor: 1.6,
          bracketTolerance: 0.05,
          maxSteps: 10,
          maxOfferedPerS: 200_000,
          minOfferedPerS: 500,
        },
        seededSearch: {
          climbFactor: 1.25,
          bracketTolerance: 0.05,
          maxSteps: 8,
          maxOfferedPerS: 200_000,
          minOfferedPerS: 500,
        },
        capCandidatesCores: [0.25, 0.2, 0.15, 0.1, 0.05],
        repeatBaseline: true,
        comparePeriods: true,
        // 4 s a step: a full run (≈ 40 steps, the scale-out and the idle ramp) within 7 minutes
        durationMs: 4_000,
        // 256 MiB would need ~50 000 connections at ~4 KiB each: past the load generator's fd
        // budget (one process, 20 000 fds; HAProxy holds two per connection). 80 MiB is reachable.
        idle: { memoryMiB: 80, batch: 500, maxConnections: 9_000 },
      };
}
