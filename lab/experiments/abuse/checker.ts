import type { Checker } from '../check/checker.js';
import { ms } from '../shared/describe-run.js';

/** Targets: normal delivery p99 within 2× of the quiet run, nothing lost, no restarts. */
export const abuseChecker: Checker = (result) => {
  const { runs, restarted: restarts } = result;
  const conclusions: string[] = [];
  let met = restarts.length === 0;
  for (const kind of ['haproxy', 'nginx']) {
    const quiet = runs.find((run) => run.label === `${kind} quiet`);
    const storm = runs.find((run) => run.label === `${kind} storm`);
    if (!quiet || !storm) continue;
    const m = storm.metrics;
    const q = quiet.metrics;
    const ratio = (storm.latencyMs?.p99 ?? Number.NaN) / (quiet.latencyMs?.p99 ?? Number.NaN);
    const lost = (storm.messages?.lost ?? 0) + (quiet.messages?.lost ?? 0);
    const ok = ratio <= 2 && lost === 0;
    met &&= ok;
    conclusions.push(
      `${kind}: the storm made ${m.stormAttempts ?? 0} attempts, ${m.stormAccepted ?? 0} accepted, ${m.stormRefused429 ?? 0} refused with 429 ` +
        `(${m.proxyRefusals ?? 0} counted by the proxy), ${m.stormRefusedOther ?? 0} other answers, ${m.stormFailed ?? 0} failed; ` +
        `slowloris: ${m.slowlorisClosedByProxy ?? 0} of ${m.slowlorisOpened ?? 0} cut by the proxy (longest held ${ms(m.slowlorisLongestHeldMs)}). ` +
        `Normal clients: delivery p99 ${ms(storm.latencyMs?.p99)} vs ${ms(quiet.latencyMs?.p99)} quiet (${ratio.toFixed(2)}×), ` +
        `probe connect p99 ${ms(m.probeConnectP99Ms)} vs ${ms(q.probeConnectP99Ms)} quiet (${m.probeConnectFailures ?? 0} failed), lost ${lost}. ` +
        `${ok ? 'Target met.' : 'Target NOT met.'}`,
    );
  }
  conclusions.push(
    restarts.length === 0 ? 'No component restarted.' : `Restarted during the runs: ${restarts.join(', ')}.`,
  );
  return {
    valid: met,
    reasons: [
      met
        ? 'one abusive address did not push normal delivery p99 past 2× quiet, nothing was lost, nothing restarted'
        : 'see the conclusions for which target failed',
    ],
    conclusions,
    invalidRuns: [],
  };
};
