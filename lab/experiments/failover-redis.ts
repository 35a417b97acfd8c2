import { roomKeys } from '../../app/src/contracts/redis-keys.js';
import { killRedisMaster } from '../faults/faults.js';
import { activeRoom, roomOnMaster, timeUntilPublishWorks } from '../faults/redis-room.js';
import type { RunResultInput } from '../report/schema.js';
import { ms } from './conclude.js';
import type { Experiment } from './experiment.js';
import { withTopology } from './experiment.js';
import { describeLoad, streamLoad } from './load-sizes.js';
import { measureRun } from './measure.js';
import { flatten } from './proxy-compare.js';

/**
 * Kill the Redis Cluster master that owns a loaded room, with history on and
 * off: how long until publishing into that slot works again, and how many
 * messages are lost on the way.
 */
export const failoverRedis: Experiment = {
  name: 'failover-redis',
  title: 'Redis failover: SIGKILL the cluster master of a busy room',
  question: 'How long until publishing resumes after a Redis master dies, and what does history save?',
  async run(context) {
    const replicas = 2;
    const short = context.mode === 'short';
    const load = streamLoad(context, short ? { durationMs: 8_000 } : { durationMs: 20_000 });
    const killAtMs = Math.round((load.durationMs ?? 0) / 4);
    const runs: RunResultInput[] = [];
    for (const history of [true, false]) {
      const label = `history ${history ? 'on' : 'off'}`;
      runs.push(
        await withTopology(
          context,
          `failover-redis-history-${history ? 'on' : 'off'}`,
          { proxy: 'none', replicas, redisMode: 'cluster', history },
          async (topology) => {
            context.progress.phase(`run ${label}: kill a master at ${killAtMs} ms`);
            return measureRun({
              topology,
              label,
              parameters: { history, replicas, redis: 'cluster 3+3', load: describeLoad(load), killAtMs },
              urls: topology.urls().direct,
              scenario: 'failover',
              load,
              faults: [
                {
                  atMs: killAtMs,
                  run: async (t) => {
                    const room = await activeRoom(t);
                    const cluster = t.redisCluster!;
                    const masterPort = await cluster.masterPortForKey(roomKeys(room).stream);
                    const probe = await roomOnMaster(t, masterPort);
                    const outcome = await killRedisMaster(t, room, { waitForPromotion: false });
                    const killedAtMs = Date.now();
                    // both measured from the kill, in parallel
                    const promoted = cluster.waitForPromotion().then(() => Date.now() - killedAtMs);
                    const resumed = timeUntilPublishWorks(t, probe, { timeoutMs: 60_000 });
                    const [promotionMs, publishResumeMs] = await Promise.all([promoted, resumed]);
                    return { ...outcome, figures: { promotionMs, publishResumeMs } };
                  },
                },
              ],
              progress: context.progress,
            });
          },
        ),
      );
    }
    const conclusions = runs.map((run) => {
      const m = run.metrics ?? {};
      return (
        `${run.label}: the replica was promoted after ${ms(m.promotionMs)}, publishing into the dead master's slots ` +
        `resumed after ${ms(m.publishResumeMs)}; lost ${run.messages?.lost ?? 0} of ${run.messages?.expected ?? 0} expected deliveries, ` +
        `recovered by resume ${run.messages?.recovered ?? 0}.`
      );
    });
    const [on, off] = runs;
    if (on && off) {
      const lostOn = on.messages?.lost ?? 0;
      const lostOff = off.messages?.lost ?? 0;
      conclusions.push(
        lostOn <= lostOff
          ? `History on lost ${lostOn} deliveries vs ${lostOff} with history off.`
          : `History on lost more (${lostOn}) than off (${lostOff}) in this run: acknowledged entries written to the killed master after its last replication are gone with it.`,
      );
    }
    return {
      parameters: { replicas, killAtMs, clusterNodeTimeoutMs: 2_000, ...flatten(load) },
      runs,
      conclusions,
      notes: [
        'Redis Cluster: 3 masters + 3 replicas, cluster-node-timeout 2000 ms; clients connect to the replicas directly.',
        'publishResumeMs: time from the kill until POST /api/publish into a probe room on the same master succeeds.',
      ],
    };
  },
};
