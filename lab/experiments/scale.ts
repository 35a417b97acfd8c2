import { ConnectionsPoller } from '../collect/connections.js';
import { scaleOut } from '../faults/scale-out.js';
import type { RunResultInput } from '../report/schema.js';
import type { Topology } from '../topology/topology.js';
import { ms } from './conclude.js';
import type { Experiment } from './experiment.js';
import { withTopology } from './experiment.js';
import { describeLoad, streamLoad } from './load-sizes.js';
import { measureRun } from './measure.js';

/** Replica CPU-ms per 1000 deliveries of a run (0 when unknown). */
function costPerThousand(run: RunResultInput | undefined): number {
  if (!run) return 0;
  return (replicaCpuSeconds(run) * 1_000 * 1_000) / Math.max(1, run.messages?.delivered ?? 0);
}

/** Scale-out with its own connections poller (the rebalance targets come from it). */
async function scaleOutFault(topology: Topology) {
  const poller = new ConnectionsPoller(() =>
    topology.replicas
      .filter((slot) => slot.handle?.process.running)
      .map((slot) => ({ id: slot.id, httpUrl: slot.httpUrl })),
  );
  return scaleOut(topology, { poller, windowMs: 1_000, timeoutMs: 12_000 });
}

function replicaCpuSeconds(run: RunResultInput): number {
  return (run.resources ?? [])
    .filter((usage) => usage.kind === 'replica')
    .reduce((sum, usage) => sum + usage.cpuSeconds, 0);
}

/**
 * 1, 2, 3, 4 replicas behind HAProxy at rising offered load: delivered/s, p99
 * and CPU, and what each added replica buys on this machine. Replicas are
 * added to the running topology (scale-out with a proxy reload), so Redis and
 * the proxy stay the same across runs.
 */
export const scale: Experiment = {
  name: 'scale',
  title: 'Scaling: 1 to 4 replicas at rising load',
  question: 'How much delivered throughput does each added replica buy on this machine, and at what p99?',
  async run(context) {
    const short = context.mode === 'short';
    const replicaCounts = short ? [1, 2] : [1, 2, 3, 4];
    // offered load levels: publishers × rate; subscribers fixed so deliveries scale with the rate
    const loads = short
      ? [streamLoad(context, { ratePerPublisher: 20 })]
      : [
          // ~10k and ~80k deliveries/s: the second saturates one replica on 2 cores (latency climbs)
          streamLoad(context, { durationMs: 6_000, ratePerPublisher: 50 }),
          streamLoad(context, { durationMs: 6_000, ratePerPublisher: 400 }),
        ];
    const runs = await withTopology(
      context,
      'scale',
      {
        proxy: 'haproxy',
        replicas: 1,
        redisMode: 'single',
        stickiness: 'none',
        // the rising load must not be capped by the per-connection publish limit
        publishRatePerS: 1000,
        publishBurst: 2000,
      },
      async (topology) => {
        const measured: RunResultInput[] = [];
        for (const count of replicaCounts) {
          while (topology.replicas.length < count) {
            context.progress.phase(`adding replica ${topology.replicas.length + 1}`);
            await topology.addReplica();
          }
          for (const load of loads) {
            const loadText = describeLoad(load);
            context.progress.phase(`run ${count} replica(s), ${loadText}`);
            measured.push(
              await measureRun({
                topology,
                label: `${count}r ${loadText}`,
                parameters: { replicas: count, load: loadText, proxy: 'haproxy' },
                urls: [topology.proxy('haproxy').wsUrl],
                scenario: 'fanout',
                load,
                progress: context.progress,
              }),
            );
          }
        }
        // scale-out under load: one more replica, then ask loaded replicas to shed clients toward it
        const before = topology.replicas.length;
        const outLoad = streamLoad(context, { durationMs: short ? 10_000 : 12_000 });
        context.progress.phase(`run scale-out ${before}→${before + 1} with rebalance`);
        measured.push(
          await measureRun({
            topology,
            label: `scale-out ${before}→${before + 1}`,
            parameters: { replicas: null, load: describeLoad(outLoad), proxy: 'haproxy', scaleOut: true },
            urls: [topology.proxy('haproxy').wsUrl],
            scenario: 'failover',
            load: outLoad,
            faults: [
              {
                atMs: Math.round((outLoad.durationMs ?? 0) / 4),
                run: (t) => scaleOutFault(t),
              },
            ],
            progress: context.progress,
          }),
        );
        return measured;
      },
    );
    const conclusions: string[] = [];
    const scaleOutRun = runs.find((run) => run.parameters?.scaleOut === true);
    for (const load of loads) {
      const loadText = describeLoad(load);
      const series = runs.filter((run) => run.parameters?.load === loadText);
      const first = series[0];
      if (!first?.deliveredPerS) continue;
      let previous: RunResultInput | undefined;
      const parts = series.map((run) => {
        const replicas = Number(run.parameters?.replicas);
        const delivered = run.deliveredPerS ?? 0;
        const gain = previous
          ? ((delivered - (previous.deliveredPerS ?? 0)) / first.deliveredPerS!) * 100
          : 100;
        const costMs = costPerThousand(run);
        previous = run;
        return (
          `${replicas}r ${delivered.toFixed(0)}/s (${gain >= 0 ? '+' : ''}${gain.toFixed(0)}% of 1r), ` +
          `p50 ${ms(run.latencyMs?.p50)}, p99 ${ms(run.latencyMs?.p99)}, ` +
          `${costMs.toFixed(1)} replica CPU-ms per 1000 deliveries`
        );
      });
      conclusions.push(`At ${loadText}: ${parts.join('; ')}.`);
    }
    if (scaleOutRun) {
      const m = scaleOutRun.metrics ?? {};
      conclusions.push(
        `${scaleOutRun.label}: ${m.clientsAskedToMove ?? 0} clients were asked to move (close 4000, jittered); ` +
          `${m.rebalanceRounds ?? 0} round(s); ` +
          (m.evenAfterMs === undefined
            ? `the spread did not get within max/mean 1.25 in time (max/mean ${(m.maxOverMeanAfter ?? 0).toFixed(2)}).`
            : `connections were even (max/mean ≤ 1.25) ${Math.round(m.evenAfterMs)} ms after the request, max/mean ${(m.maxOverMeanAfter ?? 0).toFixed(2)}, ` +
              `new replica holds ${m.newReplicaConnections ?? 0}; lost ${scaleOutRun.messages?.lost ?? 0} messages on the way.`),
      );
    }
    // the cost of more replicas at the same (highest) offered load
    const heaviest = describeLoad(loads.at(-1)!);
    const heaviestSeries = runs.filter((run) => run.parameters?.load === heaviest);
    const best = [...heaviestSeries].sort((a, b) => (a.latencyMs?.p50 ?? 0) - (b.latencyMs?.p50 ?? 0))[0];
    const largest = heaviestSeries.at(-1);
    if (best && largest && best !== largest) {
      conclusions.push(
        `At ${heaviest} the lowest p50 was with ${best.parameters?.replicas} replica(s) (${ms(best.latencyMs?.p50)}); ` +
          `with ${largest.parameters?.replicas} it was ${ms(largest.latencyMs?.p50)}: past that point the replicas ` +
          'compete for the same cores as Redis, HAProxy and the load generator.',
      );
    } else if (best) {
      conclusions.push(`At ${heaviest} the most replicas gave the lowest p50 (${ms(best.latencyMs?.p50)}).`);
    }
    const firstCost = costPerThousand(heaviestSeries[0]);
    const lastCost = costPerThousand(heaviestSeries.at(-1));
    conclusions.push(
      'The +% figures are what the replicas deliver relative to one replica at the same offered load: when one ' +
        'replica already delivers everything, more replicas cannot add throughput, only headroom (latency). ' +
        `At ${heaviest}, replica CPU per 1000 deliveries went from ${firstCost.toFixed(1)} ms with ${heaviestSeries[0]?.parameters?.replicas} replica(s) ` +
        `to ${lastCost.toFixed(1)} ms with ${heaviestSeries.at(-1)?.parameters?.replicas}: ` +
        'the cost of cross-replica fan-out (each replica subscribes to the rooms its clients are in). ' +
        'Everything here (replicas, Redis, HAProxy, the load generator) shares the same cores.',
    );
    return {
      parameters: { replicaCounts: replicaCounts.join(','), proxy: 'haproxy' },
      runs,
      conclusions,
      notes: [
        'Replicas are added to the running topology between runs (HAProxy reloaded with the new backend list).',
      ],
    };
  },
};
