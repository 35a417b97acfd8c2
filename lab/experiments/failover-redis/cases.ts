import { roomKeys } from '../../../app/src/contracts/redis-keys.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import { killRedisMaster } from '../../faults/faults.js';
import { activeRoom, roomOnMaster, timeUntilPublishWorks } from '../../faults/redis-room.js';
import type { ExperimentContext } from '../experiment.js';
import type { TopologyCase } from '../shared/cases.js';
import { describeLoad, streamLoad } from '../shared/load-sizes.js';

export const REPLICAS = 2;

/** SIGKILL the master of a loaded room; measure promotion and when publishing into its slots works again. */
async function killRoomMaster(topology: Topology) {
  const room = await activeRoom(topology);
  const cluster = topology.redisCluster!;
  const masterPort = await cluster.masterPortForKey(roomKeys(room).stream);
  const probe = await roomOnMaster(topology, masterPort);
  const outcome = await killRedisMaster(topology, room, { waitForPromotion: false });
  const killedAtMs = Date.now();
  const promoted = cluster.waitForPromotion().then(() => Date.now() - killedAtMs);
  const resumed = timeUntilPublishWorks(topology, probe, { timeoutMs: 60_000 });
  const [promotionMs, publishResumeMs] = await Promise.all([promoted, resumed]);
  return { ...outcome, figures: { promotionMs, publishResumeMs } };
}

/** A Redis Cluster (3+3) topology with history on, one with it off; the same kill a quarter into each run. */
export function failoverRedisCases(context: Pick<ExperimentContext, 'mode' | 'arrivals'>) {
  const load = streamLoad(context, { durationMs: context.mode === 'short' ? 8_000 : 20_000 });
  const killAtMs = Math.round((load.durationMs ?? 0) / 4);
  const cases: TopologyCase[] = [true, false].map((history) => ({
    name: `failover-redis-history-${history ? 'on' : 'off'}`,
    spec: { proxy: 'none', replicas: REPLICAS, redisMode: 'cluster', history },
    runs: [
      {
        label: `history ${history ? 'on' : 'off'}`,
        parameters: { history, replicas: REPLICAS, redis: 'cluster 3+3', load: describeLoad(load), killAtMs },
        urls: (topology) => topology.urls().direct,
        scenario: 'failover',
        load,
        faults: [
          {
            atMs: killAtMs,
            fault: 'kill-redis-master',
            target: 'the master of a loaded room',
            run: killRoomMaster,
          },
        ],
      },
    ],
  }));
  return { load, killAtMs, cases };
}
