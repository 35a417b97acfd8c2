import type { Checker } from '../check/checker.js';
import { ackedLost } from '../check/silent-fault.js';

const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${Math.round(value)} ms`);

/**
 * Target: a lossy or thin link slows delivery but loses nothing acknowledged (TCP retransmits;
 * a slow consumer closed with 1013 resumes with `since`). A run that measured no latency while the
 * fault held says nothing and is invalid.
 */
export const lossyLinkChecker: Checker = (result) => {
  const runs = result.runs;
  const invalidRuns = runs.flatMap((run) =>
    (run.latencyMs?.count ?? 0) === 0
      ? [{ run: run.label, reasons: ['no message was received while the fault held: no latency measured'] }]
      : [],
  );
  const failures = runs.flatMap(ackedLost);
  const conclusions = runs.map((run) => {
    const m = run.metrics;
    const closes1013 = m['closes.1013'] ?? 0;
    const reconnects = Object.entries(m)
      .filter(([name]) => name.startsWith('closes.'))
      .reduce((sum, [, count]) => sum + count, 0);
    return (
      `${run.label}: p50 ${ms(run.latencyMs?.p50)}, p99 ${ms(run.latencyMs?.p99)}, max ${ms(run.latencyMs?.max)}; ` +
      `${closes1013} slow-consumer closes (1013; replicas counted ${m.slowConsumersDropped ?? 0}), ${reconnects} reconnects in all; ` +
      `${m.ackedLost ?? 0} of ${m.acked ?? 0} acknowledged messages lost.`
    );
  });
  return {
    valid: failures.length > 0 ? false : invalidRuns.length > 0 ? 'unknown' : true,
    reasons: failures.length > 0 ? failures : ['0 acknowledged messages lost on any link'],
    conclusions,
    invalidRuns,
  };
};
