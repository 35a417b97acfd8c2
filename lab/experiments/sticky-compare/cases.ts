import type { Stickiness } from '../../../proxy/options.js';
import { restartReplica } from '../../faults/faults.js';
import type { ExperimentContext } from '../experiment.js';
import type { TopologyCase } from '../shared/cases.js';
import { describeLoad, streamLoad } from '../shared/load-sizes.js';
import { LOAD_SOURCE_ADDRESSES } from '../shared/measure.js';

export const REPLICAS = 3;
export const MODES: Stickiness[] = ['none', 'cookie', 'source', 'room'];

/**
 * One HAProxy topology, one failover run per stickiness mode (set before the run); full mode
 * drains and restarts r1 at 60% of each run to see where its clients land.
 */
export function stickyCompareCases(context: Pick<ExperimentContext, 'mode' | 'arrivals'>) {
  const short = context.mode === 'short';
  const load = streamLoad(context, { durationMs: short ? 4_000 : 12_000 });
  const restartAtMs = Math.round((load.durationMs ?? 0) * 0.6);
  const cases: TopologyCase[] = [
    {
      name: 'sticky',
      spec: { proxy: 'haproxy', replicas: REPLICAS, redisMode: 'single', stickiness: 'none' },
      runs: MODES.map((mode) => ({
        label: mode,
        parameters: {
          stickiness: mode,
          replicas: REPLICAS,
          load: describeLoad(load),
          sourceAddresses: LOAD_SOURCE_ADDRESSES,
        },
        prepare: (topology) => topology.setStickiness(mode),
        urls: (topology) => [topology.proxy('haproxy').wsUrl],
        clients: { sourceAddresses: LOAD_SOURCE_ADDRESSES },
        scenario: 'failover',
        load,
        redisTraffic: true,
        faults: short
          ? []
          : [
              {
                atMs: restartAtMs,
                fault: 'restart-replica',
                target: 'r1',
                run: (topology) => restartReplica(topology, 'r1'),
              },
            ],
      })),
    },
  ];
  return { load, cases };
}
