import type { RunResultInput } from '../report/schema.js';
import { ms } from './conclude.js';
import type { Experiment } from './experiment.js';
import { withTopology } from './experiment.js';
import { describeLoad, streamLoad } from './load-sizes.js';
import { measureRun } from './measure.js';

type FanoutMode = 'broadcast' | 'single' | 'cluster';

const MODE_LABEL: Record<FanoutMode, string> = {
  broadcast: 'general channel',
  single: 'per-room channels',
  cluster: 'sharded (cluster)',
};

function replicaCpuSeconds(run: RunResultInput): number {
  return (run.resources ?? []).filter((u) => u.kind === 'replica').reduce((sum, u) => sum + u.cpuSeconds, 0);
}

/**
 * The seed's one general channel (`broadcast`) vs per-room channels on one
 * Redis vs sharded pub/sub on a Redis Cluster, as rooms and replicas grow:
 * Redis output, replica CPU and latency at the same offered load.
 */
export const fanoutMode: Experiment = {
  name: 'fanout-mode',
  title: 'Fan-out mode: general channel vs per-room channels vs sharded pub/sub',
  question:
    'What does each cross-replica fan-out mode cost in Redis traffic and replica CPU as rooms and replicas grow?',
  async run(context) {
    const short = context.mode === 'short';
    const replicaSteps = short ? [2] : [2, 4];
    const roomSteps = short ? [4] : [4, 32];
    const runs: RunResultInput[] = [];
    for (const mode of ['broadcast', 'single', 'cluster'] as FanoutMode[]) {
      await withTopology(
        context,
        `fanout-${mode}`,
        {
          proxy: 'none',
          replicas: replicaSteps[0]!,
          redisMode: mode === 'cluster' ? 'cluster' : 'single',
          fanout: mode === 'broadcast' ? 'broadcast' : 'per-room',
          publishRatePerS: 200,
          publishBurst: 400,
        },
        async (topology) => {
          for (const replicas of replicaSteps) {
            while (topology.replicas.length < replicas) await topology.addReplica();
            for (const rooms of roomSteps) {
              const load = streamLoad(context, {
                rooms,
                // the same subscribers spread over more rooms; publishers cover every room
                publishers: Math.max(4, rooms),
                ratePerPublisher: short ? 10 : Math.max(2, Math.round(160 / Math.max(4, rooms))),
                durationMs: short ? 3_000 : 8_000,
              });
              const label = `${MODE_LABEL[mode]}, ${replicas}r, ${rooms} rooms`;
              context.progress.phase(`run ${label}`);
              runs.push(
                await measureRun({
                  topology,
                  label,
                  parameters: { busMode: mode, replicas, rooms, load: describeLoad(load) },
                  urls: topology.urls().direct,
                  scenario: 'fanout',
                  load,
                  redisTraffic: true,
                  progress: context.progress,
                }),
              );
            }
          }
        },
      );
    }
    const conclusions = runs.map((run) => {
      const m = run.metrics ?? {};
      return (
        `${run.label}: Redis ${(m.redisOutKiBPerS ?? 0).toFixed(0)} KiB/s out, ${(m.redisCommandsPerS ?? 0).toFixed(0)} commands/s; ` +
        `replica CPU ${replicaCpuSeconds(run).toFixed(2)} s; p99 ${ms(run.latencyMs?.p99)}.`
      );
    });
    const broadcast = runs.filter((run) => run.parameters?.busMode === 'broadcast');
    const perRoom = runs.filter((run) => run.parameters?.busMode === 'single');
    const last = (list: RunResultInput[]) => list.at(-1)?.metrics?.redisOutKiBPerS ?? 0;
    if (broadcast.length > 0 && perRoom.length > 0) {
      conclusions.push(
        `With the most rooms and replicas, the general channel pushed ${last(broadcast).toFixed(0)} KiB/s out of Redis vs ` +
          `${last(perRoom).toFixed(0)} KiB/s with per-room channels: broadcast sends every message to every replica, ` +
          'per-room channels only to replicas with members in the room.',
      );
    }
    return {
      parameters: { replicaSteps: replicaSteps.join(','), roomSteps: roomSteps.join(',') },
      runs,
      conclusions,
      notes: [
        'Clients connect to the replicas directly (round robin by client index), so every room has members on every replica once rooms are few; per-room channels save most when rooms outnumber replicas.',
      ],
    };
  },
};
