import type { Checker } from '../check/checker.js';

/** Target: with pings, every idle connection survives the hold (without, the proxy may cut them). */
export const timeoutsChecker: Checker = (result) => {
  const { holdMs, tunnelTimeoutMs } = result.parameters;
  const conclusions = result.runs.map((run) => {
    const m = run.metrics;
    return m.closedBeforeEnd === 0
      ? `${run.label}: all ${m.opened} idle connections survived ${holdMs} ms (idle timeout ${tunnelTimeoutMs} ms).`
      : `${run.label}: ${m.closedBeforeEnd} of ${m.opened} idle connections were cut after a median ${Math.round(m.lifetimeP50Ms ?? 0)} ms (idle timeout ${tunnelTimeoutMs} ms).`;
  });
  conclusions.push(
    'Server pings must come more often than every proxy idle timeout on the path; the service default (25 s) sits below the proxies’ default tunnel timeout (60 s).',
  );
  const pinged = result.runs.filter((run) => Number(run.parameters.pingIntervalMs) > 0);
  const cut = pinged.filter((run) => (run.metrics.closedBeforeEnd ?? 0) > 0);
  return {
    valid: pinged.length > 0 && cut.length === 0,
    reasons: [
      cut.length === 0
        ? 'with pings, every idle connection survived the proxy idle timeout'
        : `with pings, connections were still cut: ${cut.map((run) => run.label).join(', ')}`,
    ],
    conclusions,
    invalidRuns: [],
  };
};
