import type { ExperimentContext } from '../experiment.js';
import type { RunCase, TopologyCase } from '../shared/cases.js';
import { describeLoad, streamLoad } from '../shared/load-sizes.js';

export const REPLICAS = 2;
/** The higher offered load, as a multiple of the base one: the headline plots p99 against both. */
export const HIGHER_LOAD_FACTOR = 3;

const PATHS: { label: string; urls: RunCase['urls'] }[] = [
  { label: 'direct', urls: (topology) => topology.urls().direct },
  { label: 'haproxy', urls: (topology) => [topology.proxy('haproxy').wsUrl] },
  { label: 'nginx', urls: (topology) => [topology.proxy('nginx').wsUrl] },
];

/**
 * One topology (both proxies in front of the same replicas), the same fan-out load on each path
 * (direct, HAProxy, Nginx) at the base offered load, then at HIGHER_LOAD_FACTOR times it.
 */
export function proxyCompareCases(context: Pick<ExperimentContext, 'mode' | 'arrivals'>) {
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
  const runs: RunCase[] = levels.flatMap((level) =>
    PATHS.map((path) => ({
      label: `${path.label}${level.suffix}`,
      parameters: { proxy: path.label, replicas: REPLICAS, load: describeLoad(level.load) },
      urls: path.urls,
      scenario: 'fanout' as const,
      load: level.load,
    })),
  );
  const cases: TopologyCase[] = [
    {
      name: 'proxy-compare',
      spec: { proxy: 'both', replicas: REPLICAS, redisMode: 'single', stickiness: 'none' },
      runs,
    },
  ];
  return { load, higherLoad, cases };
}
