import type { Checker } from '../check/checker.js';
import { ackedLost, describeSilentRun, notBackWithin, nothingStruck } from '../check/silent-fault.js';
import { BACK_WITHIN_MS } from '../shared/silent-run.js';

/**
 * Target (issue 22): with the defaults, every client of a dead replica — killed, frozen or on a
 * blackholed host — receives again within 10 s through both proxies, and no acknowledged message
 * is lost in any run. Other settings are described, not held to the bound.
 */
export const deadReplicaChecker: Checker = (result) => {
  const runs = result.runs;
  const invalidRuns = runs.flatMap((run) => {
    const reasons = nothingStruck(run);
    return reasons.length === 0 ? [] : [{ run: run.label, reasons }];
  });
  const failures = [
    ...runs
      .filter((run) => run.parameters.setting === 'defaults')
      .flatMap((run) => notBackWithin(run, BACK_WITHIN_MS)),
    ...runs.flatMap(ackedLost),
  ];
  const deaths = new Set(runs.map((run) => run.parameters.death));
  for (const death of ['kill', 'freeze', 'blackhole']) {
    if (!deaths.has(death)) failures.push(`no run of ${death}: the table is incomplete`);
  }
  return {
    valid: failures.length > 0 ? false : invalidRuns.length > 0 ? 'unknown' : true,
    reasons:
      failures.length > 0
        ? failures
        : [
            `with the defaults every client of a dead replica received again within ${BACK_WITHIN_MS / 1000} s through both proxies; 0 acknowledged messages lost`,
          ],
    conclusions: runs.map(describeSilentRun),
    invalidRuns,
  };
};
