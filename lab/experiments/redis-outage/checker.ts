import type { Checker } from '../check/checker.js';
import { ms } from '../shared/describe-run.js';

/** A replica counts as back when ready within this long after Redis answers again. */
export const READY_TARGET_MS = 5_000;

/** Targets: 0 acked lost, every replica ready within 5 s of Redis returning, no crash. */
export const outageChecker: Checker = (result) => {
  const run = result.runs[0]!;
  // Redis itself is restarted on purpose: only other components count
  const restarts = result.restarted.filter((component) => component !== 'redis');
  const m = run.metrics;
  const readyTimes = Object.entries(m).filter(([key]) => key.startsWith('readyAfterRedisBackMs.'));
  const slowest = Math.max(...readyTimes.map(([, value]) => value));
  const lost = run.messages?.lost ?? 0;
  const readyOk = readyTimes.length > 0 && Number.isFinite(slowest) && slowest <= READY_TARGET_MS;
  const met = lost === 0 && readyOk && restarts.length === 0;
  const conclusions = [
    `Readiness after Redis answered again: ${readyTimes.map(([key, value]) => `${key.split('.')[1]} ${ms(value)}`).join(', ')} ` +
      `(target ≤ ${READY_TARGET_MS} ms); not ready in total: ${Object.entries(m)
        .filter(([key]) => key.startsWith('unreadyMs.'))
        .map(([key, value]) => `${key.split('.')[1]} ${ms(value)}`)
        .join(', ')}.`,
    `Publishers: ${run.messages?.published ?? 0} acknowledged, ${m.publish_errors ?? 0} answered with an error (unavailable while Redis was down), ` +
      `${m.messages_unacked ?? 0} never acknowledged.`,
    `Subscribers: ${run.messages?.delivered ?? 0} of ${run.messages?.expected ?? 0} expected deliveries, ${run.messages?.recovered ?? 0} recovered by resume, ` +
      `${run.messages?.duplicated ?? 0} duplicated, ${m.reconnects ?? 0} reconnects; acknowledged and lost: ${lost}.`,
    restarts.length === 0 ? 'No replica crashed or restarted.' : `Restarted: ${restarts.join(', ')}.`,
  ];
  return {
    valid: met,
    reasons: [
      met
        ? `0 acknowledged messages lost, every replica ready within ${READY_TARGET_MS / 1_000} s of Redis returning, no crash`
        : 'see the conclusions for which target failed',
    ],
    conclusions,
    invalidRuns: [],
  };
};
