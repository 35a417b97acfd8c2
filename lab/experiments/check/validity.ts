/**
 * The checks every experiment composes: can these figures be trusted at all? A run is invalid
 * when the load generator fell behind its own schedule (runner validity), when its figures are
 * impossible (more deliveries than were sent, percentiles out of order, a scaling efficiency no
 * machine gives), or when a replica count's maximum was not located (capacityCounts).
 */

import { bracketOf } from '../../capacity/steps.js';
import type { InvalidRun, Judgement } from '../../report/judgement.js';
import type { ExperimentResult, RunResult } from '../../report/schema.js';
import type { Checker } from './checker.js';

/** Above this, an efficiency says the baseline or the count is wrong (N replicas cannot beat N × one). */
export const MAX_PLAUSIBLE_EFFICIENCY = 1.1;

/** The load generator's verdict on its own schedule (loadtests/runner/validity.ts). */
export function runnerValidity(run: RunResult): string[] {
  if (run.validity?.valid !== false) return [];
  return run.validity.reasons.length > 0 ? run.validity.reasons : ['the load generator fell behind'];
}

/** Figures that cannot all be true of one run. */
export function impossibleFigures(run: RunResult): string[] {
  const reasons: string[] = [];
  const messages = run.messages;
  if (messages && messages.lost > messages.expected)
    reasons.push(`impossible: ${messages.lost} lost of ${messages.expected} expected`);
  if (messages && messages.delivered > messages.expected + messages.duplicated)
    reasons.push(
      `impossible: ${messages.delivered} delivered, more than ${messages.expected} expected + ${messages.duplicated} duplicated`,
    );
  const latency = run.latencyMs;
  if (latency && !(latency.p50 <= latency.p95 && latency.p95 <= latency.p99 && latency.p99 <= latency.max))
    reasons.push(
      `impossible: latency percentiles out of order (p50 ${latency.p50}, p95 ${latency.p95}, p99 ${latency.p99}, max ${latency.max} ms)`,
    );
  const points = run.latencyPercentiles;
  if (points.some((point, index) => index > 0 && point.latencyMs < points[index - 1]!.latencyMs))
    reasons.push('impossible: the latency percentile curve goes down');
  return reasons;
}

/** A bracket wider than this (failing / passing − 1) does not locate the knee. */
export const MAX_BRACKET_WIDTH = 0.1;
/** The limiting component must be at least this full at the knee, or something else stopped the search. */
export const MIN_LIMITING_UTILIZATION = 0.85;
/** The one-replica baseline's two searches may differ by this much (every efficiency divides by it). */
export const MAX_BASELINE_MOVE = 0.15;

type CountRow = NonNullable<ExperimentResult['capacity']>['perReplicaCount'][number];
const countName = (replicas: number) => `${replicas} replica${replicas === 1 ? '' : 's'}`;
const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

/** Why one measured count's figures cannot be trusted (a count marked not measured claims nothing). */
function countReasons(capacity: NonNullable<ExperimentResult['capacity']>, count: CountRow): string[] {
  if (count.notMeasured !== undefined && count.efficiency === null) return [];
  const reasons: string[] = [];
  const { passing, failing } = bracketOf(capacity.steps.filter((step) => step.replicas === count.replicas));
  if (count.limiting === 'machine')
    reasons.push('machine-bound: every core was busy, so the figures describe the machine, not the replicas');
  if (count.efficiency !== null && count.efficiency > MAX_PLAUSIBLE_EFFICIENCY)
    reasons.push(
      `impossible: efficiency ${percent(count.efficiency)} > ${percent(MAX_PLAUSIBLE_EFFICIENCY)} (N replicas cannot beat N × one)`,
    );
  if (passing && !failing)
    reasons.push(
      `not bracketed: the search ended on a sustainable step (${Math.round(passing.offeredDeliveriesPerS)}/s offered), so the maximum is a floor`,
    );
  if (passing && failing) {
    const width = failing.offeredDeliveriesPerS / passing.offeredDeliveriesPerS - 1;
    if (width > MAX_BRACKET_WIDTH)
      reasons.push(
        `bracket ${Math.round(passing.offeredDeliveriesPerS)}–${Math.round(failing.offeredDeliveriesPerS)}/s is ${percent(width)} wide > ${percent(MAX_BRACKET_WIDTH)}: the knee is not located`,
      );
  }
  const atKnee = failing ?? passing;
  const limiting = atKnee?.limiting;
  if (atKnee && (limiting === 'replica' || limiting === 'redis' || limiting === 'proxy')) {
    const used = atKnee.utilization[limiting];
    if (used < MIN_LIMITING_UTILIZATION)
      reasons.push(
        `"limited by ${limiting}" with the ${limiting} at ${percent(used)} of its limit (< ${percent(MIN_LIMITING_UTILIZATION)}): something else stopped the search`,
      );
  }
  return reasons;
}

/** The baseline's two searches, when they differ by more than MAX_BASELINE_MOVE. */
function baselineReasons(capacity: NonNullable<ExperimentResult['capacity']>): string[] {
  const [first, second] = capacity.baselineRunsPerS ?? [];
  if (first === undefined || second === undefined) return [];
  const moved = Math.abs(first - second) / Math.max(1, Math.min(first, second));
  return moved > MAX_BASELINE_MOVE
    ? [
        `baseline moved ${percent(moved)} between its two searches (${Math.round(first)} and ${Math.round(second)}/s) > ${percent(MAX_BASELINE_MOVE)}: no efficiency can be built on it`,
      ]
    : [];
}

/**
 * Replica counts of a scale result that cannot be trusted: machine-bound, impossibly efficient,
 * not bracketed or bracketed too widely, "limited" by a component far from its limit, or a
 * baseline that moved between its two searches.
 */
export function capacityCounts(result: ExperimentResult): InvalidRun[] {
  const capacity = result.capacity;
  if (!capacity) return [];
  return capacity.perReplicaCount.flatMap((count) => {
    const reasons = [
      ...countReasons(capacity, count),
      ...(count.replicas === 1 ? baselineReasons(capacity) : []),
    ];
    return reasons.length === 0 ? [] : [{ run: countName(count.replicas), reasons }];
  });
}

/** The shared checker: 'unknown' with the untrusted runs listed when any run fails a check. */
export const validityChecker: Checker = (result): Judgement => {
  const invalidRuns: InvalidRun[] = [
    ...result.runs.flatMap((run) => {
      const reasons = [...runnerValidity(run), ...impossibleFigures(run)];
      return reasons.length === 0 ? [] : [{ run: run.label, reasons }];
    }),
    ...capacityCounts(result),
  ];
  return {
    valid: invalidRuns.length === 0 ? true : 'unknown',
    reasons:
      invalidRuns.length === 0 ? [] : [`${invalidRuns.length} run(s) cannot be trusted (see ⚠ Invalid runs)`],
    conclusions: [],
    invalidRuns,
  };
};
