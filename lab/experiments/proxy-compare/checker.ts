import type { RunResult } from '../../report/schema.js';
import type { Checker } from '../check/checker.js';
import { HIGHER_LOAD_FACTOR } from './cases.js';

const fmt = (ms: number | undefined) => (ms === undefined ? '–' : `${ms.toFixed(2)} ms`);

function cpuOf(run: RunResult, component: string): number | undefined {
  return run.resources.find((usage) => usage.component === component)?.cpuSeconds;
}

/** What each proxy adds over direct at each load; target: no message lost on any path. */
export const proxyCompareChecker: Checker = (result) => {
  const base = result.runs.filter((run) => !run.label.includes('×'));
  const higher = result.runs.filter((run) => run.label.includes('×'));
  const byLabel = (label: string) => base.find((run) => run.label === label);
  const direct = byLabel('direct');
  const conclusions: string[] = [];
  for (const proxied of [byLabel('haproxy'), byLabel('nginx')]) {
    const p50 = proxied?.latencyMs?.p50;
    const p99 = proxied?.latencyMs?.p99;
    const baseP50 = direct?.latencyMs?.p50;
    const baseP99 = direct?.latencyMs?.p99;
    if (proxied && p50 !== undefined && baseP50 !== undefined && p99 !== undefined && baseP99 !== undefined) {
      conclusions.push(
        `${proxied.label}: p50 ${fmt(p50)} (${p50 - baseP50 >= 0 ? '+' : ''}${(p50 - baseP50).toFixed(2)} ms vs direct), ` +
          `p99 ${fmt(p99)} (${p99 - baseP99 >= 0 ? '+' : ''}${(p99 - baseP99).toFixed(2)} ms), ` +
          `${(proxied.deliveredPerS ?? 0).toFixed(0)} delivered/s vs ${(direct?.deliveredPerS ?? 0).toFixed(0)} direct; ` +
          `the proxy itself used ${(cpuOf(proxied, proxied.label) ?? 0).toFixed(2)} CPU-s.`,
      );
    }
  }
  if (higher.length > 0) {
    conclusions.push(
      `At ${higher[0]!.parameters.load} (×${HIGHER_LOAD_FACTOR}): ` +
        higher
          .map(
            (run) =>
              `${run.parameters.proxy} p99 ${fmt(run.latencyMs?.p99)} (was ${fmt(byLabel(String(run.parameters.proxy))?.latencyMs?.p99)})`,
          )
          .join(', ') +
        '.',
    );
  }
  const lost = result.runs.reduce((sum, run) => sum + (run.messages?.lost ?? 0), 0);
  conclusions.push(
    lost === 0
      ? 'No message was lost on any path.'
      : `${lost} messages were lost in total: see the Runs table for which path.`,
  );
  const byP99 = base
    .filter((run) => run.latencyMs)
    .sort((a, b) => (a.latencyMs?.p99 ?? 0) - (b.latencyMs?.p99 ?? 0));
  if (byP99.length === 3) conclusions.push(`Lowest p99: ${byP99[0]!.label}; highest: ${byP99[2]!.label}.`);
  return {
    valid: lost === 0,
    reasons: [lost === 0 ? 'no message lost on any path' : `${lost} messages lost`],
    conclusions,
    invalidRuns: [],
  };
};
