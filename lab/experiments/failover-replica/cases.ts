import type { Stickiness } from '../../../proxy/options.js';
import type { ProxyKind } from '../../../topology/spec.js';
import { busiestReplica, killReplica } from '../../faults/faults.js';
import type { ExperimentContext } from '../experiment.js';
import type { TopologyCase } from '../shared/cases.js';
import { describeLoad, streamLoad } from '../shared/load-sizes.js';
import { LOAD_SOURCE_ADDRESSES } from '../shared/measure.js';

export const REPLICAS = 3;

/** Proxy × stickiness pairs by mode: short checks both proxies, full every stickiness that survives a kill. */
function combos(mode: ExperimentContext['mode']): { proxy: ProxyKind; stickiness: Stickiness }[] {
  const stickinesses: Stickiness[] = mode === 'short' ? ['none'] : ['none', 'cookie', 'source'];
  return (['haproxy', 'nginx'] as const).flatMap((proxy) =>
    stickinesses.map((stickiness) => ({ proxy, stickiness })),
  );
}

/**
 * One fresh topology per proxy × stickiness (Redis, 3 replicas, that proxy), one failover run on
 * each: the busiest replica SIGKILLed a third into the publishing window.
 */
export function failoverReplicaCases(context: Pick<ExperimentContext, 'mode' | 'arrivals'>) {
  const load = streamLoad(context, { durationMs: context.mode === 'short' ? 5_000 : 15_000 });
  const killAtMs = Math.round((load.durationMs ?? 0) / 3);
  const cases: TopologyCase[] = combos(context.mode).map((combo) => ({
    name: `failover-${combo.proxy}-${combo.stickiness}`,
    spec: { ...combo, replicas: REPLICAS, redisMode: 'single', history: true },
    runs: [
      {
        label: `${combo.proxy}/${combo.stickiness}`,
        parameters: {
          ...combo,
          replicas: REPLICAS,
          load: describeLoad(load),
          killAtMs,
          sourceAddresses: LOAD_SOURCE_ADDRESSES,
        },
        urls: (topology) => [topology.proxy(combo.proxy).wsUrl],
        // Browser-like clients (cookie jars: the runner's default) from distinct addresses.
        clients: { sourceAddresses: LOAD_SOURCE_ADDRESSES },
        scenario: 'failover',
        load,
        faults: [
          {
            atMs: killAtMs,
            fault: 'kill-replica',
            target: 'the busiest replica',
            run: async (topology) => killReplica(topology, await busiestReplica(topology)),
          },
        ],
      },
    ],
  }));
  return { load, killAtMs, cases };
}
