import type { Checker } from '../check/checker.js';
import {
  describeCounts,
  describePlacement,
  eventTime,
  ms,
  peakConnections,
  reconnectPercentiles,
} from '../shared/describe-run.js';

/** Target: no acknowledged message lost in any run (history resume covers the outage). */
export const failoverReplicaChecker: Checker = (result) => {
  const conclusions = result.runs.map((run) => {
    const reconnect = reconnectPercentiles(run);
    const killedAt = eventTime(run, 'kill-replica') ?? 0;
    const before = describeCounts(peakConnections(run, 0, killedAt));
    const after = describeCounts(peakConnections(run, killedAt));
    const messages = run.messages;
    return (
      `${run.label}: ${reconnect ? `${reconnect.count} clients reconnected, p50 ${ms(reconnect.p50)}, p99 ${ms(reconnect.p99)}` : 'no client had to reconnect'}; ` +
      `lost ${messages?.lost ?? 0}, duplicated ${messages?.duplicated ?? 0}, recovered by resume ${messages?.recovered ?? 0}; ` +
      `connections before [${before}] → after [${after}]${describePlacement(run)}.`
    );
  });
  const totalLost = result.runs.reduce((sum, run) => sum + (run.messages?.lost ?? 0), 0);
  conclusions.push(
    totalLost === 0
      ? 'History resume covered the outage: no acknowledged message was lost in any run.'
      : `${totalLost} acknowledged messages were lost overall: resume did not cover every gap.`,
  );
  return {
    valid: totalLost === 0,
    reasons: [totalLost === 0 ? '0 acknowledged messages lost' : `${totalLost} acknowledged messages lost`],
    conclusions,
    invalidRuns: [],
  };
};
