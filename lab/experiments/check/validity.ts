/**
 * The checks every experiment composes: can these figures be trusted at all? A run is invalid
 * when the load generator fell behind its own schedule (runner validity), when its figures are
 * impossible (more deliveries than were sent, percentiles out of order, a scaling efficiency no
 * machine gives), or when a replica count was bound by the machine rather than the replicas.
 */
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

/** Replica counts of a scale result that cannot be trusted: machine-bound, or impossibly efficient. */
export function capacityCounts(result: ExperimentResult): InvalidRun[] {
  return (result.capacity?.perReplicaCount ?? []).flatMap((count) => {
    const reasons: string[] = [];
    if (count.limiting === 'machine')
      reasons.push(
        'machine-bound: every core was busy, so the figures describe the machine, not the replicas',
      );
    if (count.efficiency !== null && count.efficiency > MAX_PLAUSIBLE_EFFICIENCY)
      reasons.push(
        `impossible: efficiency ${Math.round(count.efficiency * 100)}% > ${Math.round(MAX_PLAUSIBLE_EFFICIENCY * 100)}% (N replicas cannot beat N × one)`,
      );
    const name = `${count.replicas} replica${count.replicas === 1 ? '' : 's'}`;
    return reasons.length === 0 ? [] : [{ run: name, reasons }];
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
