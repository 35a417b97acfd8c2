import { spreadOf } from '../../../observe/connections.js';
import { findings } from '../check/checker.js';
import { describeCounts, describePlacement, eventTime, ms, peakConnections } from '../shared/describe-run.js';

/** How each mode spread connections and what it cost Redis (descriptive: no pass/fail target). */
export const stickyCompareChecker = findings((result) => {
  const conclusions = result.runs.map((run) => {
    const restartedAt = eventTime(run, 'restart-replica');
    const before = peakConnections(run, 0, restartedAt ?? Number.POSITIVE_INFINITY);
    const spread = spreadOf(Object.values(before));
    const m = run.metrics;
    return (
      `${run.label}: connections [${describeCounts(before)}] (max/mean ${spread.maxOverMean.toFixed(2)}), ` +
      `Redis ${(m.redisPublishesPerS ?? 0).toFixed(0)} publishes/s and ${(m.redisOutKiBPerS ?? 0).toFixed(0)} KiB/s out, ` +
      `p50 ${ms(run.latencyMs?.p50)}, p99 ${ms(run.latencyMs?.p99)}` +
      (restartedAt === undefined
        ? '.'
        : `; after draining and restarting r1: [${describeCounts(peakConnections(run, restartedAt))}]` +
          `${describePlacement(run)}.`)
    );
  });
  const none = result.runs.find((run) => run.label === 'none');
  const room = result.runs.find((run) => run.label === 'room');
  if (none && room) {
    const noneOut = none.metrics.redisOutKiBPerS ?? 0;
    const roomOut = room.metrics.redisOutKiBPerS ?? 0;
    conclusions.push(
      roomOut < noneOut
        ? `Room affinity cut Redis output from ${noneOut.toFixed(0)} to ${roomOut.toFixed(0)} KiB/s: a room's members share a replica, so fewer replicas subscribe to each room.`
        : `Room affinity did not cut Redis output here (${noneOut.toFixed(0)} → ${roomOut.toFixed(0)} KiB/s).`,
    );
  }
  return conclusions;
});
