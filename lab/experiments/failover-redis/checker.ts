import type { Checker } from '../check/checker.js';
import { ms } from '../shared/describe-run.js';

/** Promotion and publish-resume times per run; whether history saved deliveries (no pass/fail target). */
export const failoverRedisChecker: Checker = (result) => {
  const conclusions = result.runs.map((run) => {
    const m = run.metrics;
    return (
      `${run.label}: the replica was promoted after ${ms(m.promotionMs)}, publishing into the dead master's slots ` +
      `resumed after ${ms(m.publishResumeMs)}; lost ${run.messages?.lost ?? 0} of ${run.messages?.expected ?? 0} expected deliveries, ` +
      `recovered by resume ${run.messages?.recovered ?? 0}.`
    );
  });
  const on = result.runs.find((run) => run.parameters.history === true);
  const off = result.runs.find((run) => run.parameters.history === false);
  if (on && off) {
    const lostOn = on.messages?.lost ?? 0;
    const lostOff = off.messages?.lost ?? 0;
    conclusions.push(
      lostOn <= lostOff
        ? `History on lost ${lostOn} deliveries vs ${lostOff} with history off.`
        : `History on lost more (${lostOn}) than off (${lostOff}) in this run: acknowledged entries written to the killed master after its last replication are gone with it.`,
    );
  }
  const resumed = result.runs.every((run) => Number.isFinite(run.metrics.publishResumeMs));
  return {
    valid: resumed,
    reasons: [resumed ? 'publishing resumed in every run' : 'publishing did not resume in every run'],
    conclusions,
    invalidRuns: [],
  };
};
