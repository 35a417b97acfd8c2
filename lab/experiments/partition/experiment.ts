import type { RunResultInput } from '../../report/schema.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { BACK_WITHIN_MS, measureSilentRun, SILENT_SPEC } from '../shared/silent-run.js';
import { withTopology } from '../shared/with-topology.js';
import { cutMsFor, cutOf, cutsFor, PROXIES, PUBLISHER, STRUCK } from './cases.js';
import { partitionChecker } from './checker.js';
import { partitionHeadline } from './headline.js';

/**
 * Replicas cut off from Redis by a partition (every packet between their hosts and Redis's
 * dropped, nothing refused) while their clients stay connected, behind each proxy: what the
 * clients see, when the cut replica's /readyz drops and the proxy moves its clients, and whether
 * a message acknowledged before, during or after the cut is lost once it heals.
 */
export const partitionExperiment: Experiment = {
  name: 'partition',
  title: 'Partition: replicas cut off from Redis while their clients stay connected',
  question:
    'When a replica silently loses Redis, how soon does it turn unready, how soon are its clients receiving again through each proxy, and is anything lost after the heal?',
  async measure(context) {
    const clients = context.mode === 'short' ? 10 : 30;
    const cutMs = cutMsFor(context.mode);
    const runs: RunResultInput[] = [];
    await withTopology(context, 'partition', SILENT_SPEC, async (topology) => {
      for (const cut of cutsFor(context.mode)) {
        for (const proxy of PROXIES) {
          const label = `${proxy}, ${cut.replicas.join(' + ')} cut off from redis`;
          context.progress.phase(`run ${label}: ${clients} clients, cut for ${cutMs} ms`);
          runs.push(
            await measureSilentRun({
              topology,
              label,
              parameters: { cut: cut.name, cutReplicas: cut.replicas.join(','), bounded: cut.bounded, cutMs },
              proxy,
              struckReplica: STRUCK,
              publisherReplica: PUBLISHER,
              clients,
              nemesis: (t) => cutOf(cut, t),
              hold: 'fixed',
              holdMs: cutMs,
              afterHealMs: BACK_WITHIN_MS,
              readiness: true,
              progress: context.progress,
            }),
          );
        }
      }
    });
    return {
      parameters: { clients, cutMs, struck: STRUCK, publisher: PUBLISHER, backWithinMs: BACK_WITHIN_MS },
      runs,
      notes: [
        `Clients join one room through the proxy (cookie stickiness, a token each) and reconnect with \`since\` when their connection drops; a publisher straight on ${PUBLISHER} sends 10 msg/s with acks. /readyz of every replica is polled every 250 ms.`,
        `The cut holds ${cutMs / 1000} s whatever happens: past the ${BACK_WITHIN_MS / 1000} s bound, so the clients of the cut replica must receive again while it lasts (the replica turns unready and sheds them, the proxy sends their reconnects elsewhere). With every replica cut (full mode) there is nowhere to go: the bound does not apply and the figure is when they are back after the heal.`,
        'Lab hosts have no propagation delay between them (no netem on this kernel).',
      ],
    };
  },
  check: compose(validityChecker, partitionChecker),
  headline: partitionHeadline,
};
