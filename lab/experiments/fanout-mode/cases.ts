import type { ExperimentContext } from '../experiment.js';
import type { RunCase, TopologyCase } from '../shared/cases.js';
import { describeLoad, streamLoad } from '../shared/load-sizes.js';

export type FanoutMode = 'broadcast' | 'single' | 'cluster';

const MODE_LABEL: Record<FanoutMode, string> = {
  broadcast: 'general channel',
  single: 'per-room channels',
  cluster: 'sharded (cluster)',
};

/** One topology per fan-out mode; on each, runs for every replica count (added between) × room count. */
export function fanoutModeCases(context: Pick<ExperimentContext, 'mode' | 'arrivals'>) {
  const short = context.mode === 'short';
  const replicaSteps = short ? [2] : [2, 4];
  const roomSteps = short ? [4] : [4, 32];
  const cases: TopologyCase[] = (['broadcast', 'single', 'cluster'] as FanoutMode[]).map((mode) => ({
    name: `fanout-${mode}`,
    spec: {
      proxy: 'none',
      replicas: replicaSteps[0]!,
      redisMode: mode === 'cluster' ? 'cluster' : 'single',
      fanout: mode === 'broadcast' ? 'broadcast' : 'per-room',
      publishRatePerS: 200,
      publishBurst: 400,
    },
    runs: replicaSteps.flatMap((replicas) =>
      roomSteps.map((rooms): RunCase => {
        const load = streamLoad(context, {
          rooms,
          publishers: Math.max(4, rooms),
          ratePerPublisher: short ? 10 : Math.max(2, Math.round(160 / Math.max(4, rooms))),
          durationMs: short ? 3_000 : 8_000,
        });
        return {
          label: `${MODE_LABEL[mode]}, ${replicas}r, ${rooms} rooms`,
          parameters: { busMode: mode, replicas, rooms, load: describeLoad(load) },
          prepare: async (topology) => {
            while (topology.replicas.length < replicas) await topology.addReplica();
          },
          urls: (topology) => topology.urls().direct,
          scenario: 'fanout',
          load,
          redisTraffic: true,
        };
      }),
    ),
  }));
  return { replicaSteps, roomSteps, cases };
}
