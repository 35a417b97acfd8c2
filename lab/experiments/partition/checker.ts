import type { Checker } from '../check/checker.js';
import { ackedLost, describeSilentRun, notBackWithin, nothingStruck } from '../check/silent-fault.js';
import { BACK_WITHIN_MS } from '../shared/silent-run.js';

/**
 * Target (issue 22): with one replica cut off from Redis, its clients receive again within 10 s
 * through both proxies while the cut lasts, and no acknowledged message is lost after the heal.
 */
export const partitionChecker: Checker = (result) => {
  const runs = result.runs;
  const invalidRuns = runs.flatMap((run) => {
    const reasons = nothingStruck(run);
    return reasons.length === 0 ? [] : [{ run: run.label, reasons }];
  });
  const bounded = runs.filter((run) => run.parameters.bounded === true);
  const failures = [
    ...bounded.flatMap((run) => notBackWithin(run, BACK_WITHIN_MS)),
    ...runs.flatMap(ackedLost),
    ...(bounded.length === 0 ? ['no run cut one replica off: nothing to hold to the bound'] : []),
  ];
  const conclusions = runs.map((run) => {
    const unready = run.metrics.unreadyAfterMs;
    const readiness =
      unready === undefined
        ? ' The cut replica never answered /readyz with anything but 200.'
        : ` /readyz of the cut replica dropped ${(unready / 1000).toFixed(1)} s into the cut.`;
    return `${describeSilentRun(run)}${readiness}`;
  });
  return {
    valid: failures.length > 0 ? false : invalidRuns.length > 0 ? 'unknown' : true,
    reasons:
      failures.length > 0
        ? failures
        : [
            `every client of a replica cut off from Redis received again within ${BACK_WITHIN_MS / 1000} s through both proxies; 0 acknowledged messages lost`,
          ],
    conclusions,
    invalidRuns,
  };
};
