/**
 * Whether a run measured what it claims: the load generator must have sent on schedule. A shard
 * whose scheduling lag (actual − intended send time) has a p99 above the bound marks the whole
 * run invalid: its latency figures (measured from intended send times) then include the runner's
 * own delay, and the offered load was not the one asked for.
 */
import type { DistributionSummary } from './histogram.js';
import type { RunValidity } from './result.js';

/** One shard's scheduling lag. */
export interface ShardLag {
  shard: number;
  summary: DistributionSummary;
}

export function judgeSchedulingLag(
  merged: DistributionSummary,
  shards: readonly ShardLag[],
  boundP99Ms: number,
): RunValidity {
  const reasons: string[] = [];
  for (const { shard, summary } of shards) {
    if (summary.count > 0 && summary.p99 > boundP99Ms) {
      reasons.push(
        `load generator fell behind its schedule: shard ${shard} scheduling lag p99 ${summary.p99} ms ` +
          `(max ${summary.max} ms) > bound ${boundP99Ms} ms; latency includes that delay, so these ` +
          'figures describe the runner as much as the system',
      );
    }
  }
  return {
    valid: reasons.length === 0,
    reasons,
    schedulingLag: {
      boundP99Ms,
      count: merged.count,
      p99Ms: merged.count > 0 ? merged.p99 : null,
      maxMs: merged.count > 0 ? merged.max : null,
      shards: shards.map(({ shard, summary }) => ({
        shard,
        count: summary.count,
        p99Ms: summary.count > 0 ? summary.p99 : null,
        maxMs: summary.count > 0 ? summary.max : null,
      })),
    },
  };
}

/** Scenarios without a send schedule (connect_ramp) have nothing to judge. */
export const NOT_SCHEDULED: RunValidity = { valid: true, reasons: [], schedulingLag: null };

/** Checks the bound option: a positive number of ms. */
export function checkLagBound(boundP99Ms: number): number {
  if (!(Number.isFinite(boundP99Ms) && boundP99Ms > 0)) {
    throw new Error(`maxLagP99Ms: a positive number of ms (got ${boundP99Ms})`);
  }
  return boundP99Ms;
}
