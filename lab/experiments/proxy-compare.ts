import type { RunResultInput } from '../report/schema.js';
import type { Experiment } from './experiment.js';
import { withTopology } from './experiment.js';
import { describeLoad, streamLoad } from './load-sizes.js';
import { measureRun } from './measure.js';

const fmt = (ms: number | undefined) => (ms === undefined ? '–' : `${ms.toFixed(2)} ms`);

function cpuOf(run: RunResultInput, component: string): number | undefined {
  return run.resources?.find((usage) => usage.component === component)?.cpuSeconds;
}

/** The higher offered load, as a multiple of the base one: the headline plots p99 against both. */
const HIGHER_LOAD_FACTOR = 3;

/**
 * direct vs HAProxy vs Nginx at the same offered loads (the base one, then HIGHER_LOAD_FACTOR
 * times it), on one topology (both proxies in front of the same replicas): latency percentiles,
 * delivered/s, CPU of each component.
 */
export const proxyCompare: Experiment = {
  name: 'proxy-compare',
  title: 'Proxy comparison: direct vs HAProxy vs Nginx',
  question: 'What does each proxy add to fan-out latency and CPU at the same offered load?',
  async run(context) {
    const replicas = 2;
    // two offered loads, so p99 can be read against load; each run a bit shorter than the default
    const durationMs = context.mode === 'short' ? 2_000 : 6_000;
    const load = streamLoad(context, { durationMs });
    const higherLoad = streamLoad(context, {
      durationMs,
      ratePerPublisher: (load.ratePerPublisher ?? 0) * HIGHER_LOAD_FACTOR,
    });
    const levels = [
      { load, suffix: '' },
      { load: higherLoad, suffix: ` ×${HIGHER_LOAD_FACTOR}` },
    ];
    const allRuns = await withTopology(
      context,
      'proxy-compare',
      { proxy: 'both', replicas, redisMode: 'single', stickiness: 'none' },
      async (topology) => {
        const targets: { label: string; urls: string[] }[] = [
          { label: 'direct', urls: topology.urls().direct },
          { label: 'haproxy', urls: [topology.proxy('haproxy').wsUrl] },
          { label: 'nginx', urls: [topology.proxy('nginx').wsUrl] },
        ];
        const measured: RunResultInput[] = [];
        for (const level of levels) {
          for (const target of targets) {
            const label = `${target.label}${level.suffix}`;
            context.progress.phase(`run ${label}`);
            measured.push(
              await measureRun({
                topology,
                label,
                parameters: { proxy: target.label, replicas, load: describeLoad(level.load) },
                urls: target.urls,
                scenario: 'fanout',
                load: level.load,
                progress: context.progress,
              }),
            );
          }
        }
        return measured;
      },
    );
    const runs = allRuns.slice(0, 3);
    const [direct, haproxy, nginx] = runs as [RunResultInput, RunResultInput, RunResultInput];
    const conclusions: string[] = [];
    for (const proxied of [haproxy, nginx]) {
      const p50 = proxied.latencyMs?.p50;
      const p99 = proxied.latencyMs?.p99;
      const baseP50 = direct.latencyMs?.p50;
      const baseP99 = direct.latencyMs?.p99;
      if (p50 !== undefined && baseP50 !== undefined && p99 !== undefined && baseP99 !== undefined) {
        conclusions.push(
          `${proxied.label}: p50 ${fmt(p50)} (${p50 - baseP50 >= 0 ? '+' : ''}${(p50 - baseP50).toFixed(2)} ms vs direct), ` +
            `p99 ${fmt(p99)} (${p99 - baseP99 >= 0 ? '+' : ''}${(p99 - baseP99).toFixed(2)} ms), ` +
            `${(proxied.deliveredPerS ?? 0).toFixed(0)} delivered/s vs ${(direct.deliveredPerS ?? 0).toFixed(0)} direct; ` +
            `the proxy itself used ${(cpuOf(proxied, proxied.label) ?? 0).toFixed(2)} CPU-s.`,
        );
      }
    }
    const higher = allRuns.slice(3);
    conclusions.push(
      `At ${describeLoad(higherLoad)} (×${HIGHER_LOAD_FACTOR}): ` +
        higher
          .map(
            (run) =>
              `${run.parameters?.proxy} p99 ${fmt(run.latencyMs?.p99)} (was ${fmt(runs.find((base) => base.label === run.parameters?.proxy)?.latencyMs?.p99)})`,
          )
          .join(', ') +
        '.',
    );
    const lost = allRuns.reduce((sum, run) => sum + (run.messages?.lost ?? 0), 0);
    conclusions.push(
      lost === 0
        ? 'No message was lost on any path.'
        : `${lost} messages were lost in total: see the Runs table for which path.`,
    );
    const byP99 = [...runs]
      .filter((run) => run.latencyMs)
      .sort((a, b) => (a.latencyMs?.p99 ?? 0) - (b.latencyMs?.p99 ?? 0));
    if (byP99.length === 3) {
      conclusions.push(`Lowest p99: ${byP99[0]!.label}; highest: ${byP99[2]!.label}.`);
    }
    return {
      parameters: {
        replicas,
        redis: 'single',
        ...flatten(load),
        higherRatePerPublisher: higherLoad.ratePerPublisher ?? 0,
      },
      runs: allRuns,
      conclusions,
      notes: [
        'All three paths share the same replicas and Redis; runs are sequential, so they see the same machine state.',
        'On 2 cores shared with the load generator, p99 moves by tens of ms between identical runs: trust p50 and CPU, repeat before reading p99 differences.',
      ],
    };
  },
};

/** Load parameters as report parameters (numbers and names such as the arrival model). */
export function flatten(load: object): Record<string, number | string> {
  return Object.fromEntries(
    Object.entries(load).filter(([, value]) => typeof value === 'number' || typeof value === 'string'),
  );
}
