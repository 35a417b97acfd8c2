import { spreadOf } from '../../observe/connections.js';
import type { Stickiness } from '../../proxy/options.js';
import { restartReplica } from '../faults/faults.js';
import type { RunResultInput } from '../report/schema.js';
import { describeCounts, describePlacement, eventTime, ms, peakConnections } from './conclude.js';
import type { Experiment } from './experiment.js';
import { withTopology } from './experiment.js';
import { describeLoad, streamLoad } from './load-sizes.js';
import { LOAD_SOURCE_ADDRESSES, measureRun } from './measure.js';
import { flatten } from './proxy-compare.js';

/**
 * none / cookie / source / room stickiness behind HAProxy: how connections
 * spread, where a drained replica's clients land, Redis traffic (room
 * affinity should cut cross-replica fan-out) and per-message latency.
 */
export const stickyCompare: Experiment = {
  name: 'sticky-compare',
  title: 'Stickiness modes: none, cookie, source, room',
  question:
    'How does each stickiness mode spread connections and how much Redis fan-out traffic does it cause?',
  async run(context) {
    const replicas = 3;
    const short = context.mode === 'short';
    // Short mode runs every mode too (~6 s each): source shows the spread over the bound addresses.
    const modes: Stickiness[] = ['none', 'cookie', 'source', 'room'];
    const load = streamLoad(context, short ? { durationMs: 4_000 } : { durationMs: 12_000 });
    const restartAtMs = Math.round((load.durationMs ?? 0) * 0.6);
    const runs = await withTopology(
      context,
      'sticky',
      { proxy: 'haproxy', replicas, redisMode: 'single', stickiness: 'none' },
      async (topology) => {
        const measured: RunResultInput[] = [];
        for (const mode of modes) {
          context.progress.phase(`run stickiness ${mode}`);
          await topology.setStickiness(mode);
          const proxyUrl = topology.proxy('haproxy').wsUrl;
          measured.push(
            await measureRun({
              topology,
              label: mode,
              parameters: {
                stickiness: mode,
                replicas,
                load: describeLoad(load),
                sourceAddresses: LOAD_SOURCE_ADDRESSES,
              },
              urls: [proxyUrl],
              // Browser-like clients (cookie jars: the runner's default) from distinct addresses.
              clients: { sourceAddresses: LOAD_SOURCE_ADDRESSES },
              scenario: 'failover',
              load,
              redisTraffic: true,
              // drain + restart r1: where do its clients go?
              faults: short ? [] : [{ atMs: restartAtMs, run: (t) => restartReplica(t, 'r1') }],
              progress: context.progress,
            }),
          );
        }
        return measured;
      },
    );
    const conclusions = runs.map((run) => {
      const restartedAt = eventTime(run, 'restart-replica');
      const before = peakConnections(run, 0, restartedAt ?? Number.POSITIVE_INFINITY);
      const spread = spreadOf(Object.values(before));
      const m = run.metrics ?? {};
      return (
        `${run.label}: connections [${describeCounts(before)}] (max/mean ${spread.maxOverMean.toFixed(2)}), ` +
        `Redis ${(m.redisPublishesPerS ?? 0).toFixed(0)} publishes/s and ${(m.redisOutKiBPerS ?? 0).toFixed(0)} KiB/s out, ` +
        `p50 ${ms(run.latencyMs?.p50)}, p99 ${ms(run.latencyMs?.p99)}` +
        (restartedAt === undefined
          ? '.'
          : `; after draining and restarting r1: [${describeCounts(peakConnections(run, restartedAt))}]` +
            `${describePlacement(run)}.`)
      );
    });
    const none = runs.find((run) => run.label === 'none');
    const room = runs.find((run) => run.label === 'room');
    if (none && room) {
      const noneOut = none.metrics?.redisOutKiBPerS ?? 0;
      const roomOut = room.metrics?.redisOutKiBPerS ?? 0;
      conclusions.push(
        roomOut < noneOut
          ? `Room affinity cut Redis output from ${noneOut.toFixed(0)} to ${roomOut.toFixed(0)} KiB/s: a room's members share a replica, so fewer replicas subscribe to each room.`
          : `Room affinity did not cut Redis output here (${noneOut.toFixed(0)} → ${roomOut.toFixed(0)} KiB/s).`,
      );
    }
    return {
      parameters: {
        replicas,
        modes: modes.join(','),
        sourceAddresses: LOAD_SOURCE_ADDRESSES,
        ...flatten(load),
      },
      runs,
      conclusions,
      notes: [
        `Source hashing on one machine: the load clients bind ${LOAD_SOURCE_ADDRESSES} loopback addresses (127.0.0.1 … 127.0.0.${LOAD_SOURCE_ADDRESSES}, round-robin), so the proxy hashes ${LOAD_SOURCE_ADDRESSES} distinct sources: a coarse spread, like clients behind ${LOAD_SOURCE_ADDRESSES} NATs.`,
        'Cookie mode: the load clients keep a cookie jar like browsers (the cookie arrives on the 101), so a reconnect returns to its replica while that replica is up; a drained replica’s clients are sent elsewhere and get a new cookie.',
        'Room mode: the load clients add ?room=<their room> to the URL, so a room’s subscribers and publisher share a replica.',
      ],
    };
  },
};
