import type { Stickiness } from '../../proxy/options.js';
import type { ProxyKind } from '../../topology/spec.js';
import { busiestReplica, killReplica } from '../faults/faults.js';
import type { RunResultInput } from '../report/schema.js';
import {
  describeCounts,
  describePlacement,
  eventTime,
  ms,
  peakConnections,
  reconnectPercentiles,
} from './conclude.js';
import type { Experiment } from './experiment.js';
import { withTopology } from './experiment.js';
import { describeLoad, streamLoad } from './load-sizes.js';
import { LOAD_SOURCE_ADDRESSES, measureRun } from './measure.js';
import { flatten } from './proxy-compare.js';

/**
 * Kill (SIGKILL) one replica under load, behind each proxy and stickiness
 * mode: reconnect time distribution, lost/duplicated/recovered messages, and
 * where the load sits before and after.
 */
export const failoverReplica: Experiment = {
  name: 'failover-replica',
  title: 'Replica failover: SIGKILL one replica under load',
  question:
    'How fast do clients of a killed replica come back, through which proxy, and is any message lost?',
  async run(context) {
    const replicas = 3;
    const short = context.mode === 'short';
    const load = streamLoad(context, short ? { durationMs: 5_000 } : { durationMs: 15_000 });
    const killAtMs = Math.round((load.durationMs ?? 0) / 3);
    const combos: { proxy: ProxyKind; stickiness: Stickiness }[] = short
      ? [
          { proxy: 'haproxy', stickiness: 'none' },
          { proxy: 'nginx', stickiness: 'none' },
        ]
      : [
          { proxy: 'haproxy', stickiness: 'none' },
          { proxy: 'haproxy', stickiness: 'cookie' },
          { proxy: 'haproxy', stickiness: 'source' },
          { proxy: 'nginx', stickiness: 'none' },
          { proxy: 'nginx', stickiness: 'cookie' },
          { proxy: 'nginx', stickiness: 'source' },
        ];
    const runs: RunResultInput[] = [];
    for (const combo of combos) {
      const label = `${combo.proxy}/${combo.stickiness}`;
      runs.push(
        await withTopology(
          context,
          `failover-${combo.proxy}-${combo.stickiness}`,
          { proxy: combo.proxy, replicas, redisMode: 'single', stickiness: combo.stickiness, history: true },
          async (topology) => {
            context.progress.phase(`run ${label}: kill the busiest replica at ${killAtMs} ms`);
            return measureRun({
              topology,
              label,
              parameters: {
                ...combo,
                replicas,
                load: describeLoad(load),
                killAtMs,
                sourceAddresses: LOAD_SOURCE_ADDRESSES,
              },
              urls: [topology.proxy(combo.proxy).wsUrl],
              // Browser-like clients (cookie jars: the runner's default) from distinct addresses.
              clients: { sourceAddresses: LOAD_SOURCE_ADDRESSES },
              scenario: 'failover',
              load,
              faults: [{ atMs: killAtMs, run: async (t) => killReplica(t, await busiestReplica(t)) }],
              progress: context.progress,
            });
          },
        ),
      );
    }
    const conclusions = runs.map((run) => {
      const reconnect = reconnectPercentiles(run);
      const killedAt = eventTime(run, 'kill-replica') ?? 0;
      const before = describeCounts(peakConnections(run, 0, killedAt));
      const after = describeCounts(peakConnections(run, killedAt));
      const messages = run.messages;
      return (
        `${run.label}: ${reconnect ? `${reconnect.count} clients reconnected, p50 ${ms(reconnect.p50)}, p99 ${ms(reconnect.p99)}` : 'no client had to reconnect'}; ` +
        `lost ${messages?.lost ?? 0}, duplicated ${messages?.duplicated ?? 0}, recovered by resume ${messages?.recovered ?? 0}; ` +
        `connections before [${before}] → after [${after}]${describePlacement(run)}.`
      );
    });
    const totalLost = runs.reduce((sum, run) => sum + (run.messages?.lost ?? 0), 0);
    conclusions.push(
      totalLost === 0
        ? 'History resume covered the outage: no acknowledged message was lost in any run.'
        : `${totalLost} acknowledged messages were lost overall: resume did not cover every gap.`,
    );
    return {
      parameters: { replicas, killAtMs, ...flatten(load) },
      runs,
      conclusions,
      notes: [
        'Each run uses a fresh topology (Redis, 3 replicas, one proxy) and SIGKILLs the replica with the most connections a third into the publishing window.',
        `The load clients keep a cookie jar like browsers and bind ${LOAD_SOURCE_ADDRESSES} loopback source addresses (127.0.0.1 … 127.0.0.${LOAD_SOURCE_ADDRESSES}), so cookie and source stickiness place them as they would real clients: a killed replica’s clients move to another one and stay there.`,
      ],
    };
  },
};
